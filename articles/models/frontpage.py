"""The front page's curation: pinned stories and the breaking-news banner."""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from newsroom.validators import validate_site_or_web_link


class ActiveQuerySet(models.QuerySet):
    def active(self, *, at: datetime.datetime | None = None):
        """Started and not yet expired."""
        now = at or timezone.now()
        return self.filter(Q(starts_at__lte=now), Q(ends_at__isnull=True) | Q(ends_at__gt=now))


class FrontPageSlot(models.Model):
    """A story pinned to a place on the front page for a while."""

    position = models.PositiveSmallIntegerField(
        help_text="1 is the lead story; 2, 3, 4… are the top stories in order. The rest "
        "of the page fills itself with the latest stories.",
    )
    article = models.ForeignKey(
        "articles.Article",
        on_delete=models.CASCADE,
        related_name="front_page_slots",
        help_text="A published or scheduled story. A scheduled one appears here when it goes out.",
    )
    starts_at = models.DateTimeField(
        "from", default=timezone.now, help_text="When the story takes this place."
    )
    ends_at = models.DateTimeField(
        "until",
        null=True,
        blank=True,
        help_text="When it gives the place back. Leave empty to keep it until you change it.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, editable=False, null=True
    )

    objects = ActiveQuerySet.as_manager()

    class Meta:
        ordering = ["position", "-starts_at"]
        verbose_name = "front-page slot"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="slot_ends_after_it_starts",
                violation_error_message="“Until” must be later than “from”.",
            ),
            models.CheckConstraint(condition=Q(position__gte=1), name="slot_position_from_one"),
        ]

    def __str__(self) -> str:
        return f"Position {self.position}: {self.article}"


class BreakingNews(models.Model):
    """The banner on every page while a big story is unfolding."""

    text = models.CharField(
        max_length=200, help_text="Short and factual, e.g. “Earthquake hits southern Turkey”."
    )
    link = models.CharField(
        max_length=300,
        blank=True,
        validators=[validate_site_or_web_link],
        help_text="Where the banner leads: a story's address on this site (/2026/…/) or a "
        "full https:// address. Optional.",
    )
    starts_at = models.DateTimeField("from", default=timezone.now)
    ends_at = models.DateTimeField(
        "until",
        null=True,
        blank=True,
        help_text="The banner disappears by itself at this time. Leave empty to take it down "
        "by hand.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, editable=False, null=True
    )

    objects = ActiveQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = "breaking-news banner"
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
                name="banner_ends_after_it_starts",
                violation_error_message="“Until” must be later than “from”.",
            ),
        ]

    def __str__(self) -> str:
        return self.text
