"""The newsletter end to end through a real SMTP server: subscribe → confirm → briefing →
one-click unsubscribe, reading the messages the server received and following their links."""

import pytest

from newsletter import services
from newsletter.models import Delivery, Issue, Source, Subscriber
from tests import factories
from tests.newsletter.conftest import html_part, link, text_part
from tests.support import run_queued_tasks

pytestmark = pytest.mark.django_db

ADDRESS = "reader@example.com"


def subscribe(client, email=ADDRESS, **fields):
    data = {"email": email, "briefing": "on", "source": Source.FRONT_PAGE, **fields}
    return client.post("/newsletter/subscribe/", data, REMOTE_ADDR="203.0.113.9")


def test_subscribe_confirm_briefing_and_one_click_unsubscribe(client, smtp_server, task_queue):
    lead = factories.make_article(
        "Ceasefire agreed after talks",
        lead_photo=factories.make_photo(alt_text="Negotiators shake hands"),
    )
    factories.make_article("Budget passes second reading")

    answer = subscribe(client)
    assert answer.status_code == 200
    assert "Check your inbox" in answer.content.decode()
    assert not answer.cookies  # no session, no CSRF cookie: the pages stay cacheable
    run_queued_tasks()

    # Double opt-in: one confirmation email, and nothing stored before the reader acts.
    [confirmation] = smtp_server.to(ADDRESS)
    assert "Confirm" in confirmation["Subject"]
    assert not Subscriber.objects.exists()
    confirm_path = link(text_part(confirmation), "/newsletter/confirm/")
    assert link(html_part(confirmation), "/newsletter/confirm/") == confirm_path

    # Following the link shows a button (mail scanners follow links too); pressing it
    # confirms.
    page = client.get(confirm_path)
    assert page.status_code == 200 and "Confirm my subscription" in page.content.decode()
    assert not Subscriber.objects.exists()
    done = client.post(confirm_path)
    assert done.status_code == 200 and "You are subscribed" in done.content.decode()
    subscriber = Subscriber.objects.get(email=ADDRESS)
    assert subscriber.wants_briefing and subscriber.source == Source.FRONT_PAGE
    assert subscriber.consent_at is not None

    smtp_server.clear()
    issue = services.start_briefing()
    run_queued_tasks()
    [briefing] = smtp_server.to(ADDRESS)
    assert lead.headline in briefing["Subject"]
    html, text = html_part(briefing), text_part(briefing)
    assert "Ceasefire agreed after talks" in html and "Budget passes second reading" in text
    assert 'alt="Negotiators shake hands"' in html and 'width="' in html
    assert "<style" not in html  # mail clients drop style sheets: styles are inline
    unsubscribe_path = link(briefing["List-Unsubscribe"], "/newsletter/unsubscribe/")
    assert briefing["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link(html, "/newsletter/unsubscribe/") == unsubscribe_path
    assert link(text, "/newsletter/unsubscribe/") == unsubscribe_path
    assert Issue.objects.get(pk=issue.pk).state == Issue.State.SENT
    assert Delivery.objects.get(issue=issue).state == Delivery.State.SENT

    # RFC 8058: the mail client POSTs "List-Unsubscribe=One-Click", with no cookie.
    answer = client.post(
        unsubscribe_path,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert answer.status_code == 200
    subscriber.refresh_from_db()
    assert subscriber.unsubscribed_at is not None

    smtp_server.clear()
    services.start_briefing()
    run_queued_tasks()
    assert smtp_server.to(ADDRESS) == []


def test_a_get_of_the_unsubscribe_link_only_shows_the_button(client, smtp_server):
    from newsletter import mail

    subscriber = Subscriber.objects.create(email=ADDRESS, wants_briefing=True, source="article")
    path = link(mail.unsubscribe_url(subscriber), "/newsletter/unsubscribe/")
    page = client.get(path)
    assert page.status_code == 200 and "Unsubscribe from all our emails" in page.content.decode()
    subscriber.refresh_from_db()
    assert subscriber.unsubscribed_at is None


def test_nothing_is_sent_before_confirmation(client, smtp_server, task_queue):
    factories.make_article()
    subscribe(client)
    run_queued_tasks()
    smtp_server.clear()
    services.start_briefing()
    run_queued_tasks()
    assert smtp_server.messages == []


def test_the_answer_never_says_whether_an_address_is_subscribed(client, smtp_server, task_queue):
    Subscriber.objects.create(email="known@example.com", wants_briefing=True, source="article")
    known = subscribe(client, "known@example.com")
    unknown = subscribe(client, "unknown@example.com")
    assert known.status_code == unknown.status_code == 200
    assert known.content == unknown.content
    run_queued_tasks()
    # Both get the same confirmation (a subscriber confirming again changes what they get).
    assert len(smtp_server.to("known@example.com")) == len(smtp_server.to("unknown@example.com"))


def test_confirming_again_changes_what_a_subscriber_receives(client, smtp_server, task_queue):
    Subscriber.objects.create(email=ADDRESS, wants_briefing=True, source="article")
    subscribe(client, briefing="", sections=["politics"])
    run_queued_tasks()
    client.post(link(text_part(smtp_server.to(ADDRESS)[0]), "/newsletter/confirm/"))
    subscriber = Subscriber.objects.get(email=ADDRESS)
    assert not subscriber.wants_briefing
    assert [s.slug for s in subscriber.sections.all()] == ["politics"]


def test_one_reader_is_one_subscriber_whatever_the_case_of_the_address(
    client, smtp_server, task_queue
):
    Subscriber.objects.create(email=ADDRESS, wants_briefing=True, source="article")
    subscribe(client, ADDRESS.upper(), briefing="", sections=["world"])
    run_queued_tasks()
    client.post(link(text_part(smtp_server.messages[0]), "/newsletter/confirm/"))
    [subscriber] = Subscriber.objects.all()
    assert [s.slug for s in subscriber.sections.all()] == ["world"]
