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
# Deliveries claimed, and marked sent, together.
CLAIM_GROUP = 20


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
    however many workers there are. Run again after a crash, it carries on with what was
    not handed over. Deliveries are claimed CLAIM_GROUP at a time before they are sent and
    marked sent after: a claimed one is never sent again, so no one receives an issue
    twice; a worker killed mid-group leaves at most CLAIM_GROUP "unknown" (the price of
    two database writes per group instead of two per email, docs/decisions.md)."""
    issue = Issue.objects.get(pk=issue_id)
    if issue.state != Issue.State.SENDING:
        return {"sent": 0}
    _give_up_lost_claims(issue)
    if _has_unpublished_story(issue):
        return {"sent": 0}
    # An unsubscribe is immediate: it drops the copies still waiting.
    Delivery.objects.filter(
        issue=issue, state=Delivery.State.PENDING, subscriber__unsubscribed_at__isnull=False
    ).delete()
    waiting = list(
        Delivery.objects.filter(issue=issue, state=Delivery.State.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)[: settings.NEWSLETTER_BATCH_SIZE]
    )
    counts = {"sent": 0, "failed": 0}
    pace = _Pace(settings.NEWSLETTER_SEND_PER_SECOND)
    with get_connection() as connection:
        for start in range(0, len(waiting), CLAIM_GROUP):
            group = _claim(waiting[start : start + CLAIM_GROUP])
            sent, failed = _send_group(issue, group, connection, pace)
            counts["sent"] += sent
            counts["failed"] += failed
    with transaction.atomic():
        if Delivery.objects.filter(issue=issue, state=Delivery.State.PENDING).exists():
            enqueue_after_commit(send_batch, issue.pk)
        else:
            # Batches of an issue run one after the other and this one settled its own
            # claims: a row still being sent was claimed by a run that died.
            _give_up_lost_claims(issue, older_than=0)
            Issue.objects.filter(pk=issue.pk, state=Issue.State.SENDING).update(
                state=Issue.State.SENT
            )
    logger.info("Issue %s: batch done %s", issue.pk, counts)
    return counts


class _Pace:
    """Sleeps so that no more than `per_second` emails go out (0: no limit)."""

    def __init__(self, per_second: float):
        self.interval = 1 / per_second if per_second else 0
        self.next_at = time.monotonic()

    def wait(self) -> None:
        if self.interval:
            self.next_at = max(self.next_at + self.interval, time.monotonic() - 1)
            time.sleep(max(0.0, self.next_at - time.monotonic()))


@transaction.atomic
def _claim(ids: list[int]) -> list[Delivery]:
    """Take these deliveries if they still wait and their subscriber is still subscribed;
    a row another runner holds or took is left to it."""
    claimed = list(
        Delivery.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(pk__in=ids, state=Delivery.State.PENDING)
        .filter(subscriber__unsubscribed_at__isnull=True)
        .select_related("subscriber")
        .order_by("pk")
    )
    Delivery.objects.filter(pk__in=[d.pk for d in claimed]).update(
        state=Delivery.State.SENDING, claimed_at=timezone.now()
    )
    return claimed


def _send_group(issue: Issue, group: list[Delivery], connection, pace: _Pace):
    sent, failed = [], []
    try:
        for delivery in group:
            message = mail.personal(issue.subject, issue.html, issue.text, delivery.subscriber)
            message.connection = connection
            try:
                message.send()
            except smtplib.SMTPRecipientsRefused:
                failed.append(delivery.pk)
            else:
                sent.append(delivery.pk)
            pace.wait()
    finally:
        # Also when the server went away mid-group: what it accepted is sent, the rest
        # (not handed over) waits for the retry of this batch.
        now = timezone.now()
        Delivery.objects.filter(pk__in=sent).update(state=Delivery.State.SENT, sent_at=now)
        Delivery.objects.filter(pk__in=failed).update(state=Delivery.State.FAILED)
        done = set(sent) | set(failed)
        Delivery.objects.filter(
            pk__in=[d.pk for d in group if d.pk not in done], state=Delivery.State.SENDING
        ).update(state=Delivery.State.PENDING, claimed_at=None)
    return len(sent), len(failed)


def _give_up_lost_claims(issue: Issue, *, older_than: float = CLAIM_LOST_AFTER_SECONDS) -> None:
    lost_before = timezone.now() - datetime.timedelta(seconds=older_than)
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
