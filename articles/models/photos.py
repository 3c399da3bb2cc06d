"""Photos in the library: the image, its credit and the rights to use it."""

import datetime

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import models
from django.db.models import Q
from django.utils import timezone

from newsroom.uploads import unguessable_upload_path


class UsageRights(models.TextChoices):
    STAFF = "staff", "Staff photo"
    AGENCY = "agency", "Agency-licensed"
    HANDOUT = "handout", "Handout"
    CREATIVE_COMMONS = "cc", "Creative Commons"
    OTHER = "other", "Other (explain in the credit)"


class PhotoQuerySet(models.QuerySet):
    def with_rights_lapsed(self, *, on: datetime.date | None = None) -> "PhotoQuerySet":
        """Photos whose "may be used until" date has passed."""
        return self.filter(usable_until__lt=on or timezone.localdate())


class Photo(models.Model):
    image = models.ImageField(
        upload_to=unguessable_upload_path("photos"),
        help_text="JPEG, PNG or WebP. Location data and other personal metadata are "
        "removed when it is saved.",
    )
    alt_text = models.CharField(
        "alt text",
        max_length=250,
        help_text="What the photo shows, for readers who cannot see it, e.g. “Rescue "
        "workers carry a child from a collapsed building”. Required.",
    )
    caption = models.TextField(
        blank=True, help_text="Shown under the photo: who, what, where, when."
    )
    credit = models.CharField(
        "credit line",
        max_length=200,
        blank=True,
        help_text="E.g. “AP Photo/Jane Doe” or “Staff photo: Omar Khalil”. Leave empty to "
        "credit the agency alone.",
    )
    agency = models.ForeignKey(
        "articles.Agency",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="photos",
        help_text="The agency that supplied the photo, if any. Required for agency photos.",
    )
    rights = models.CharField(
        "usage rights",
        max_length=10,
        choices=UsageRights,
        default=UsageRights.STAFF,
        help_text="On what terms we may publish it.",
    )
    licence = models.CharField(
        max_length=120,
        blank=True,
        help_text="For Creative Commons and other licences, e.g. “CC BY 4.0”.",
    )
    usable_until = models.DateField(
        "may be used until",
        null=True,
        blank=True,
        help_text="Leave empty if the rights do not expire. After this date readers see a "
        "placeholder instead of the photo.",
    )
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)
    focal_x = models.FloatField(
        default=0.5, help_text="Where the subject is, from 0 (left) to 1 (right)."
    )
    focal_y = models.FloatField(
        default=0.5, help_text="Where the subject is, from 0 (top) to 1 (bottom)."
    )
    perceptual_hash = models.CharField(max_length=16, blank=True, editable=False, db_index=True)
    renditions = models.JSONField(default=dict, blank=True, editable=False)
    # False from an upload or a new focal point until the task has made every rendition
    # (articles/photos.py: make_renditions). Pages need not know: `renditions` lists only
    # files that exist, and holds at least the fallback an upload writes at once.
    renditions_ready = models.BooleanField(default=True, editable=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="photos_uploaded",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PhotoQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(credit="") | Q(agency__isnull=False),
                name="photo_has_credit_or_agency",
                violation_error_message="Give the photo a credit line or an agency.",
            ),
            models.CheckConstraint(
                condition=~Q(rights=UsageRights.AGENCY) | Q(agency__isnull=False),
                name="agency_photo_has_agency",
                violation_error_message="An agency-licensed photo needs its agency.",
            ),
            models.CheckConstraint(
                condition=~Q(rights=UsageRights.CREATIVE_COMMONS) | ~Q(licence=""),
                name="cc_photo_has_licence",
                violation_error_message="A Creative Commons photo needs its licence "
                "(e.g. “CC BY 4.0”).",
            ),
            models.CheckConstraint(
                condition=Q(focal_x__gte=0, focal_x__lte=1, focal_y__gte=0, focal_y__lte=1),
                name="photo_focal_point_inside",
                violation_error_message="The focal point must be between 0 and 1.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.alt_text[:60]} ({self.public_credit})"

    @property
    def public_credit(self) -> str:
        """The one credit line every output uses: “Source: AP Photo”."""
        name = self.credit or (self.agency.credit_name if self.agency_id else "")
        return f"Source: {name}" if name else ""

    @property
    def copyright_notice(self) -> str:
        """For schema.org's copyrightNotice."""
        holder = self.credit or (self.agency.credit_name if self.agency_id else "")
        return f"{holder}. {self.licence}".strip(". ") if self.licence else holder

    @property
    def admin_thumbnail_url(self) -> str:
        """The smallest rendition (or the original), for the admin's lists and choosers."""
        for kind in ("card_jpeg", "jpeg"):
            sizes = self.renditions.get(kind) or {}
            if sizes:
                return default_storage.url(sizes[min(sizes, key=int)])
        return self.image.url if self.image else ""

    def rights_lapsed(self, *, on: datetime.date | None = None) -> bool:
        return self.usable_until is not None and self.usable_until < (on or timezone.localdate())
