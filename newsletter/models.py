"""Subscribers, the issues sent to them, and one delivery row per issue and subscriber.

Nothing is stored about an address before its owner confirms: the subscription request
travels inside the signed confirmation link (newsletter/tokens.py).
"""

from django.db import models
from django.utils import timezone


class Source(models.TextChoices):
    FRONT_PAGE = "front page", "Form on the front page"
    ARTICLE = "article", "Form on an article page"
    NEWSLETTER_PAGE = "newsletter page", "The newsletter page"


class SubscriberQuerySet(models.QuerySet):
    def subscribed(self) -> "SubscriberQuerySet":
        """Confirmed and not unsubscribed: who may receive mail."""
        return self.filter(unsubscribed_at__isnull=True)

    def for_briefing(self) -> "SubscriberQuerySet":
        """Who receives the daily briefing."""
        return self.subscribed().filter(wants_briefing=True)

    def for_sections(self, section_ids) -> "SubscriberQuerySet":
        """Who receives alerts for any of these sections."""
        return self.subscribed().filter(sections__in=section_ids).distinct()


class Subscriber(models.Model):
    email = models.EmailField(unique=True, help_text="The reader's address, as they typed it.")
    wants_briefing = models.BooleanField(default=False, help_text="Receives the daily briefing.")
    sections = models.ManyToManyField(
        "articles.Section",
        blank=True,
        related_name="subscribers",
        help_text="Receives breaking-news alerts for stories in these sections.",
    )
    consent_at = models.DateTimeField(
        default=timezone.now,
        help_text="When the reader confirmed by following the link we emailed them.",
    )
    source = models.CharField(
        max_length=20, choices=Source, help_text="Where the reader filled in the form."
    )
    unsubscribed_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty while subscribed. Nothing is sent after it."
    )
    unsubscribe_reason = models.CharField(
        max_length=100,
        blank=True,
        help_text="Why: the reader's own click, a bounce or a spam complaint.",
    )

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["-consent_at"]

    def __str__(self) -> str:
        return self.email


class Issue(models.Model):
    """One email sent to many: a day's briefing or a breaking-news alert. Its HTML and text
    are rendered once, when it is made, so every subscriber receives the same thing."""

    class Kind(models.TextChoices):
        BRIEFING = "briefing", "Daily briefing"
        ALERT = "alert", "Breaking-news alert"

    class State(models.TextChoices):
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        WITHDRAWN = "withdrawn", "Stopped: a story in it was unpublished"

    kind = models.CharField(max_length=10, choices=Kind, help_text="Briefing or alert.")
    subject = models.CharField(max_length=200, help_text="The email's subject line.")
    html = models.TextField()
    text = models.TextField()
    articles = models.ManyToManyField("articles.Article", related_name="+")
    state = models.CharField(
        max_length=10,
        choices=State,
        default=State.SENDING,
        help_text="Sending until every subscriber's copy has been handed to the mail server.",
    )
    created_at = models.DateTimeField(default=timezone.now, help_text="When it was made.")
    created_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject}"


class Delivery(models.Model):
    """One subscriber's copy of one issue. The unique constraint and the state are how no
    one receives an issue twice, however often a batch is run again after a crash."""

    class State(models.TextChoices):
        PENDING = "pending", "Waiting"
        SENDING = "sending", "Being handed to the mail server"
        SENT = "sent", "Sent"
        FAILED = "failed", "Refused by the mail server"
        # The worker stopped while handing this one over: it may have gone out, so it is
        # never sent again.
        UNCERTAIN = "uncertain", "Unknown (the sender stopped mid-way)"

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    state = models.CharField(max_length=10, choices=State, default=State.PENDING)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issue", "subscriber"], name="one_delivery_each")
        ]
        indexes = [models.Index(fields=["issue", "state", "id"], name="delivery_next")]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.issue_id} → {self.subscriber_id}: {self.state}"
