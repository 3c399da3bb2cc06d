"""Every change to subscribers and issues: the only code that writes them."""

import logging

from django.db import transaction
from django.utils import timezone

from articles.models import Article, Section
from newsletter import mail, permissions, tokens
from newsletter.models import Delivery, Issue, Subscriber
from newsroom.background import enqueue_after_commit

logger = logging.getLogger("newsroom.newsletter")


class NothingToSend(Exception):
    """An alert for a story readers cannot see, or an issue with no one to send it to."""


def request_subscription(request: tokens.Request) -> None:
    """Email a confirmation link. Stores nothing: the request rides in the link. Whether
    the address is already subscribed changes nothing here (a confirmed subscriber who
    confirms again just changes what they receive), so nothing reveals it."""
    from newsletter.tasks import send_confirmation

    enqueue_after_commit(
        send_confirmation,
        request.email,
        request.wants_briefing,
        list(request.section_ids),
        request.source,
    )


@transaction.atomic
def confirm(request: tokens.Request) -> Subscriber:
    """Record the reader's consent (now, and where they gave it) and what they chose."""
    # Mail systems treat the part before the @ without regard to case, and so do we: one
    # reader, one subscription.
    subscriber = Subscriber.objects.select_for_update().filter(email__iexact=request.email).first()
    if subscriber is None:
        subscriber = Subscriber(email=request.email)
    subscriber.wants_briefing = request.wants_briefing
    subscriber.consent_at = timezone.now()
    subscriber.source = request.source
    subscriber.unsubscribed_at = None
    subscriber.unsubscribe_reason = ""
    subscriber.save()
    subscriber.sections.set(Section.objects.filter(pk__in=request.section_ids))
    return subscriber


def unsubscribe(subscriber_id: int, email: str, *, reason: str) -> bool:
    """Stop every email to this subscriber at once (deliveries not yet handed over are
    skipped); False if the link's subscriber no longer exists."""
    now = timezone.now()
    updated = Subscriber.objects.filter(
        pk=subscriber_id, email=email, unsubscribed_at__isnull=True
    ).update(unsubscribed_at=now, unsubscribe_reason=reason)
    return updated > 0 or Subscriber.objects.filter(pk=subscriber_id, email=email).exists()


def suppress(email: str, *, reason: str) -> int:
    """A bounce or complaint from the provider: unsubscribe the address."""
    return Subscriber.objects.filter(email__iexact=email, unsubscribed_at__isnull=True).update(
        unsubscribed_at=timezone.now(), unsubscribe_reason=reason
    )


def export(subscriber: Subscriber) -> dict:
    """Everything we hold about an address (GDPR access request)."""
    return {
        "email": subscriber.email,
        "daily_briefing": subscriber.wants_briefing,
        "section_alerts": [s.name for s in subscriber.sections.all()],
        "consent_at": subscriber.consent_at.isoformat(),
        "consent_source": subscriber.get_source_display(),
        "unsubscribed_at": (
            subscriber.unsubscribed_at.isoformat() if subscriber.unsubscribed_at else None
        ),
        "unsubscribe_reason": subscriber.unsubscribe_reason,
        "emails_sent": [
            {"subject": d.issue.subject, "sent_at": d.sent_at.isoformat()}
            for d in subscriber.deliveries.filter(state=Delivery.State.SENT)
            .select_related("issue")
            .order_by("sent_at")
        ],
    }


@transaction.atomic
def erase(subscriber: Subscriber, *, by) -> None:
    """Forget an address and everything sent to it (GDPR erasure)."""
    permissions.require_editor(by)
    logger.info("Subscriber %s erased by %s", subscriber.pk, by)
    subscriber.delete()


@transaction.atomic
def start_briefing(*, now=None) -> Issue | None:
    """Assemble today's briefing from the front page and queue it to every briefing
    subscriber; None when the front page is empty."""
    subject, html, text, articles = mail.briefing(now=now)
    if not articles:
        logger.warning("No daily briefing: the front page has no stories.")
        return None
    issue = Issue.objects.create(kind=Issue.Kind.BRIEFING, subject=subject, html=html, text=text)
    issue.articles.set(articles)
    _queue(issue, Subscriber.objects.for_briefing())
    return issue


@transaction.atomic
def start_alert(article: Article, *, by) -> Issue:
    """Send a breaking-news alert for one published story to the subscribers of its
    sections."""
    permissions.require_editor(by)
    if not Article.objects.published().filter(pk=article.pk).exists():
        raise NothingToSend("Only a published story can be sent as an alert.")
    section_ids = [s.pk for s in article.sections.all()]
    if article.primary_section_id:
        section_ids.append(article.primary_section_id)
    subject, html, text = mail.alert(article)
    issue = Issue.objects.create(
        kind=Issue.Kind.ALERT, subject=subject, html=html, text=text, created_by=by
    )
    issue.articles.set([article])
    _queue(issue, Subscriber.objects.for_sections(section_ids))
    return issue


def _queue(issue: Issue, recipients) -> None:
    """One delivery row per recipient (INSERT … SELECT, however many), and the first batch
    of sending, in the issue's transaction."""
    from newsletter.tasks import send_batch

    pks = recipients.order_by("pk").values_list("pk", flat=True)
    # In chunks: 100,000 subscribers never sit in memory at once.
    chunk: list[int] = []
    for pk in pks.iterator(chunk_size=_CHUNK):
        chunk.append(pk)
        if len(chunk) == _CHUNK:
            _insert(issue, chunk)
            chunk = []
    _insert(issue, chunk)
    enqueue_after_commit(send_batch, issue.pk)


_CHUNK = 5000


def _insert(issue: Issue, subscriber_ids: list[int]) -> None:
    Delivery.objects.bulk_create(
        [Delivery(issue=issue, subscriber_id=pk) for pk in subscriber_ids],
        ignore_conflicts=True,
    )
