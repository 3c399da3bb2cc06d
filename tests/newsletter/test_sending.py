"""Sending an issue: batches through the task queue, resumed after a crash or an outage of
the mail server with no one receiving it twice, stopped by an unpublished story or an
unsubscribe, refused addresses noted; the briefing fired by the schedule."""

import datetime
import zoneinfo

import pytest
from django.utils import timezone

from articles import services as desk
from newsletter import services
from newsletter.models import Delivery, Issue, Subscriber
from newsroom import periodic
from tests import factories
from tests.support import run_queued_tasks

pytestmark = pytest.mark.django_db


def subscribers(count: int, **fields) -> list[Subscriber]:
    return [
        Subscriber.objects.create(email=f"s{n}@example.com", wants_briefing=True, **fields)
        for n in range(count)
    ]


def received(mailbox) -> list[str]:
    return sorted(a.addr_spec for m in mailbox.messages for a in m["To"].addresses)


def test_an_issue_goes_out_in_batches_once_to_each(settings, smtp_server, task_queue):
    settings.NEWSLETTER_BATCH_SIZE = 2
    factories.make_article()
    people = subscribers(5)
    issue = services.start_briefing()
    run_queued_tasks()
    assert received(smtp_server) == sorted(s.email for s in people)
    assert set(issue.deliveries.values_list("state", flat=True)) == {Delivery.State.SENT}
    # A batch run again (a retry, a second worker) finds nothing left to send.
    from newsletter.tasks import send_batch

    Issue.objects.filter(pk=issue.pk).update(state=Issue.State.SENDING)
    send_batch.call(issue.pk)
    assert len(smtp_server.messages) == 5


def test_a_crashed_batch_resumes_without_sending_anyone_twice(settings, smtp_server, task_queue):
    """The worker died mid-batch: two had been sent, one was being handed over. The retry
    sends the rest; the one in flight is never sent again (it may have gone out)."""
    factories.make_article()
    people = subscribers(6)
    issue = services.start_briefing()
    deliveries = list(issue.deliveries.order_by("pk"))
    long_ago = timezone.now() - datetime.timedelta(hours=1)
    for delivery in deliveries[:2]:
        Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.SENT, sent_at=long_ago)
    Delivery.objects.filter(pk=deliveries[2].pk).update(
        state=Delivery.State.SENDING, claimed_at=long_ago
    )
    run_queued_tasks()
    assert received(smtp_server) == sorted(s.email for s in people[3:])
    assert Delivery.objects.get(pk=deliveries[2].pk).state == Delivery.State.UNCERTAIN


def test_a_mail_server_outage_leaves_the_rest_waiting_for_the_retry(smtp_server, task_queue):
    from newsletter.tasks import send_batch

    factories.make_article()
    people = subscribers(3)
    issue = services.start_briefing()
    smtp_server.stop()
    with pytest.raises(OSError):
        send_batch.call(issue.pk)
    assert set(issue.deliveries.values_list("state", flat=True)) == {Delivery.State.PENDING}
    smtp_server.start()
    run_queued_tasks()
    assert received(smtp_server) == sorted(s.email for s in people)


def test_a_refused_address_is_noted_and_the_rest_go_out(smtp_server, task_queue):
    factories.make_article()
    people = subscribers(3)
    smtp_server.refuse.add(people[1].email)
    issue = services.start_briefing()
    run_queued_tasks()
    assert received(smtp_server) == [people[0].email, people[2].email]
    assert issue.deliveries.get(subscriber=people[1]).state == Delivery.State.FAILED


def test_an_unsubscribe_stops_copies_already_queued(smtp_server, task_queue):
    factories.make_article()
    people = subscribers(2)
    services.start_briefing()
    services.unsubscribe(people[0].pk, people[0].email, reason="unsubscribe link")
    run_queued_tasks()
    assert received(smtp_server) == [people[1].email]


def test_an_issue_stops_when_a_story_in_it_is_unpublished(editor, smtp_server, task_queue):
    article = factories.make_article()
    subscribers(2)
    issue = services.start_briefing()
    desk.unpublish(article, by=editor)
    run_queued_tasks()
    assert smtp_server.messages == []
    assert Issue.objects.get(pk=issue.pk).state == Issue.State.WITHDRAWN


def test_the_briefing_holds_only_published_stories(smtp_server, task_queue):
    factories.make_article("Out already")
    factories.make_article("Still a draft", status="draft")
    factories.make_article("Embargoed", published_at=timezone.now() + datetime.timedelta(hours=1))
    subscribers(1)
    services.start_briefing()
    run_queued_tasks()
    [message] = smtp_server.messages
    body = message.as_string()
    assert "Out already" in body
    assert "Still a draft" not in body and "Embargoed" not in body


def test_no_briefing_from_an_empty_front_page(smtp_server, task_queue):
    subscribers(1)
    assert services.start_briefing() is None
    run_queued_tasks()
    assert smtp_server.messages == []


def test_an_alert_goes_to_the_subscribers_of_the_storys_sections(editor, smtp_server, task_queue):
    politics, world = factories.section("politics"), factories.section("world")
    article = factories.make_article("Parliament dissolved", primary_section=politics)
    follows_politics = Subscriber.objects.create(email="p@example.com")
    follows_politics.sections.set([politics])
    follows_world = Subscriber.objects.create(email="w@example.com", wants_briefing=True)
    follows_world.sections.set([world])
    services.start_alert(article, by=editor)
    run_queued_tasks()
    [message] = smtp_server.messages
    assert message["To"] == "p@example.com"
    assert message["Subject"] == "Breaking: Parliament dissolved"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_no_alert_for_a_story_readers_cannot_see(editor, smtp_server, task_queue):
    draft = factories.make_article(status="draft")
    Subscriber.objects.create(email="p@example.com").sections.set([draft.primary_section])
    with pytest.raises(services.NothingToSend):
        services.start_alert(draft, by=editor)
    assert not Issue.objects.exists()


def test_the_briefing_is_on_the_schedule_once_a_day_at_the_set_time(
    settings, smtp_server, task_queue
):
    """The schedule (newsroom/periodic.py) fires it once per day in TIME_ZONE however many
    workers ask; the fired task assembles and sends it."""
    [entry] = [e for e in periodic.SCHEDULE if e.task == "newsletter.tasks.send_daily_briefing"]
    assert entry.when.at == settings.NEWSLETTER_BRIEFING_AT
    factories.make_article()
    subscribers(1)
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    today = timezone.localtime(timezone.now(), zone).date()
    moment = datetime.datetime.combine(today, settings.NEWSLETTER_BRIEFING_AT, tzinfo=zone)
    moment += datetime.timedelta(minutes=1)
    first = periodic.fire_due([entry], worker_id="a", now=moment)
    second = periodic.fire_due([entry], worker_id="b", now=moment)
    assert len(first) == 1 and second == []
    run_queued_tasks()
    assert Issue.objects.filter(kind=Issue.Kind.BRIEFING).count() == 1
    assert len(smtp_server.messages) == 1
