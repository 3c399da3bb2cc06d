"""What each saved version of an article held, beyond its own fields."""

from django.db import models
from reversion.models import Revision


class RevisionSnapshot(models.Model):
    """Attached to each django-reversion revision of an article: its content and relations
    (byline order, tag names, sections) in one readable document, for compare and restore."""

    revision = models.OneToOneField(Revision, on_delete=models.CASCADE, related_name="snapshot")
    data = models.JSONField()

    def __str__(self) -> str:
        return f"Snapshot of revision {self.revision_id}"
