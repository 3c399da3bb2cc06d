"""The newsletter's background tasks: confirmation emails, the daily briefing (fired by the
schedule, newsroom/periodic.py) and the batches that send an issue."""

import datetime
import logging
import smtplib
import time

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from articles.models import Article
from newsletter import mail, tokens
from newsletter.models import Delivery, Issue
from newsroom.background import enqueue_after_commit

logger = logging.getLogger("newsroom.newsletter")

# A delivery claimed this long ago and still not marked sent was in the hands of a worker
# that stopped: it may have gone out, so it is never sent again.
CLAIM_LOST_AFTER_SECONDS = 600


@task()
def send_confirmation(email: str, wants_briefing: bool, section_ids: list[int], source: str):
    request = tokens.Request(email, wants_briefing, tuple(section_ids), source)
    mail.confirmation(request).send()


@task()
def send_daily_briefing() -> int | None:
    """Assemble and queue today's briefing. Fired once a day (newsroom/periodic.py)."""
    from newsletter import services

    issue = services.start_briefing()
    return issue.pk if issue else None


@task()
def send_batch(issue_id: int) -> dict[str, int]:
    """Hand the next NEWSLETTER_BATCH_SIZE waiting deliveries of an issue to the mail
    backend, one connection for the batch, at no more than NEWSLETTER_SEND_PER_SECOND;
    then queue the next batch. One batch of an issue runs at a time, so the rate holds
    however many workers there are. Run again after a crash, it carries on with what
    was not handed over; each delivery is claimed before it is sent and marked sent
    after, so none goes out twice."""
    issue = Issue.objects.get(pk=issue_id)
    if issue.state != Issue.State.SENDING:
        return {"sent": 0}
    _give_up_lost_claims(issue)
    if _has_unpublished_story(issue):
        return {"sent": 0}
    waiting = list(
        Delivery.objects.filter(issue=issue, state=Delivery.State.PENDING)
        .select_related("subscriber")
        .order_by("pk")[: settings.NEWSLETTER_BATCH_SIZE]
    )
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    interval = 1 / settings.NEWSLETTER_SEND_PER_SECOND if settings.NEWSLETTER_SEND_PER_SECOND else 0
    with get_connection() as connection:
        next_at = time.monotonic()
        for delivery in waiting:
            outcome = _deliver(issue, delivery, connection)
            counts[outcome] += 1
            if interval and outcome != "skipped":
                next_at += interval
                time.sleep(max(0.0, next_at - time.monotonic()))
    with transaction.atomic():
        if Delivery.objects.filter(issue=issue, state=Delivery.State.PENDING).exists():
            enqueue_after_commit(send_batch, issue.pk)
        else:
            Issue.objects.filter(pk=issue.pk, state=Issue.State.SENDING).update(
                state=Issue.State.SENT
            )
    logger.info("Issue %s: batch done %s", issue.pk, counts)
    return counts


def _deliver(issue: Issue, delivery: Delivery, connection) -> str:
    subscriber = delivery.subscriber
    now = timezone.now()
    # The claim: only one runner can move this row from waiting, and only once.
    claimed = Delivery.objects.filter(pk=delivery.pk, state=Delivery.State.PENDING).update(
        state=Delivery.State.SENDING, claimed_at=now
    )
    if not claimed:
        return "skipped"
    # An unsubscribe is immediate: it stops copies already queued.
    if not type(subscriber).objects.subscribed().filter(pk=subscriber.pk).exists():
        Delivery.objects.filter(pk=delivery.pk).delete()
        return "skipped"
    message = mail.personal(issue.subject, issue.html, issue.text, subscriber)
    message.connection = connection
    try:
        message.send()
    except smtplib.SMTPRecipientsRefused:
        Delivery.objects.filter(pk=delivery.pk).update(state=Delivery.State.FAILED)
        return "failed"
    except Exception:
        # Not handed over (the server is down, the connection dropped): it waits for the
        # retry of this batch.
        Delivery.objects.filter(pk=delivery.pk).update(
            state=Delivery.State.PENDING, claimed_at=None
        )
        raise
    Delivery.objects.filter(pk=delivery.pk).update(
        state=Delivery.State.SENT, sent_at=timezone.now()
    )
    return "sent"


def _give_up_lost_claims(issue: Issue) -> None:
    lost_before = timezone.now() - datetime.timedelta(seconds=CLAIM_LOST_AFTER_SECONDS)
    lost = Delivery.objects.filter(
        issue=issue, state=Delivery.State.SENDING, claimed_at__lt=lost_before
    ).update(state=Delivery.State.UNCERTAIN)
    if lost:
        logger.warning(
            "Issue %s: %d delivery(ies) were being sent when a worker stopped; not sent again.",
            issue.pk,
            lost,
        )


def _has_unpublished_story(issue: Issue) -> bool:
    """A story in the issue was unpublished since it was made: stop sending it at once."""
    ids = list(issue.articles.values_list("pk", flat=True))
    visible = Article.objects.published().filter(pk__in=ids).count()
    if visible == len(ids):
        return False
    Issue.objects.filter(pk=issue.pk).update(state=Issue.State.WITHDRAWN)
    logger.warning("Issue %s stopped: a story in it is no longer published.", issue.pk)
    return True
