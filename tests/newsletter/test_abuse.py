"""The subscribe form against abuse: bad addresses refused with a message, limits per
network address and per email address, and links that were altered or have expired."""

import datetime

import pytest
import time_machine

from newsletter import mail, tokens
from newsletter.models import Subscriber
from tests.newsletter.conftest import link, text_part
from tests.support import run_queued_tasks

pytestmark = pytest.mark.django_db


def subscribe(client, email, ip="198.51.100.7", **fields):
    data = {"email": email, "briefing": "on", **fields}
    return client.post("/newsletter/subscribe/", data, REMOTE_ADDR=ip)


@pytest.mark.parametrize(
    "address",
    ["not-an-address", "someone@localhost", "a@b", "two@@example.com", "x" * 250 + "@e.com"],
)
def test_obviously_invalid_addresses_are_refused_with_a_message(
    client, address, smtp_server, task_queue
):
    answer = subscribe(client, address)
    assert answer.status_code == 400
    assert "Your subscription was not sent" in answer.content.decode()
    run_queued_tasks()
    assert smtp_server.messages == []


def test_choosing_nothing_is_refused_with_a_message(client, smtp_server):
    answer = subscribe(client, "reader@example.com", briefing="")
    assert answer.status_code == 400
    assert "Choose the daily briefing" in answer.content.decode()


def test_an_unknown_section_is_refused_not_a_500(client):
    answer = subscribe(client, "reader@example.com", sections=["no-such-section"])
    assert answer.status_code == 400


def test_one_network_address_is_limited(client, settings, smtp_server, task_queue):
    settings.NEWSLETTER_SUBSCRIBE_PER_IP = 3
    answers = [subscribe(client, f"r{n}@example.com").status_code for n in range(4)]
    assert answers == [200, 200, 200, 429]
    # Another network is not affected.
    assert subscribe(client, "other@example.com", ip="192.0.2.1").status_code == 200
    run_queued_tasks()
    assert len(smtp_server.messages) == 4


def test_one_email_address_is_limited_without_saying_so(client, settings, smtp_server, task_queue):
    settings.NEWSLETTER_SUBSCRIBE_PER_ADDRESS = 2
    answers = [subscribe(client, "target@example.com", ip=f"192.0.2.{n}") for n in range(1, 5)]
    assert {a.status_code for a in answers} == {200}
    assert len({a.content for a in answers}) == 1
    run_queued_tasks()
    assert len(smtp_server.to("target@example.com")) == 2


def test_an_altered_confirmation_link_is_refused(client, smtp_server, task_queue):
    subscribe(client, "reader@example.com")
    run_queued_tasks()
    path = link(text_part(smtp_server.messages[0]), "/newsletter/confirm/")
    altered = path[:-6] + ("A" if path[-6] != "A" else "B") + path[-5:]
    answer = client.post(altered)
    assert answer.status_code == 400
    assert "This link is not valid" in answer.content.decode()
    assert not Subscriber.objects.exists()


def test_a_confirmation_link_expires(client, settings):
    request = tokens.Request("reader@example.com", True, (), "article")
    with time_machine.travel(datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC), tick=False):
        token = tokens.confirm_token(request)
    later = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(
        days=settings.NEWSLETTER_CONFIRM_DAYS, minutes=1
    )
    with time_machine.travel(later, tick=False):
        answer = client.post(f"/newsletter/confirm/{token}/")
    assert answer.status_code == 400
    assert not Subscriber.objects.exists()


def test_an_altered_unsubscribe_link_is_refused(client):
    subscriber = Subscriber.objects.create(email="a@example.com", wants_briefing=True)
    path = link(mail.unsubscribe_url(subscriber), "/newsletter/unsubscribe/")
    assert client.post(path.rstrip("/") + "x/").status_code == 400
    assert not Subscriber.objects.filter(unsubscribed_at__isnull=False).exists()


def test_the_newsletter_pages_set_no_cookie(client):
    subscriber = Subscriber.objects.create(email="a@example.com", wants_briefing=True)
    for path in [
        "/newsletter/",
        "/",
        link(mail.unsubscribe_url(subscriber), "/newsletter/unsubscribe/"),
    ]:
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert not answer.cookies, path
    assert 'action="/newsletter/subscribe/"' in client.get("/").content.decode()
