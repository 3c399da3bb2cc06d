from django.conf import settings
from django.db import models
from django.utils import timezone


class ContentVersion(models.Model):
    """One row: a number bumped in the same transaction as every change readers can see.

    Cached pages carry the version they were rendered at; any other version means stale.
    """

    version = models.PositiveBigIntegerField(default=1)
    changed_at = models.DateTimeField(default=timezone.now)
    # The next moment content changes by itself (a scheduled article going live...).
    next_change_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="one_content_version")]

    def __str__(self) -> str:
        return f"Content version {self.version}"


class RateLimitCounter(models.Model):
    """Requests counted against a limit (password resets per address…), in the database so
    that every worker on every machine counts into the same row (see newsroom/ratelimit.py).
    """

    # An HMAC of what is limited (an address, an e-mail address): the table does not list
    # who asked for what.
    key = models.CharField(max_length=64, unique=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.count} until {self.expires_at:%H:%M}"


class TwoStepReset(models.Model):
    """Someone's two-step sign-in was reset (a lost phone): their devices are gone and they
    must set it up again before using the desk. Deleted once they have."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="two_step_reset"
    )
    reset_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reset_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Two-step sign-in of {self.user} reset by {self.reset_by}"


class ReplicaHold(models.Model):
    """A read replica kept out of readers' rotation, in every process, until it has
    replayed the primary's WAL up to `position` (newsroom/replicas.py). On the primary."""

    alias = models.CharField(max_length=100, unique=True)
    position = models.PositiveBigIntegerField(help_text="A WAL position (LSN) as a number.")
    held_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        high, low = divmod(self.position, 1 << 32)
        return f"{self.alias} held until it replays {high:X}/{low:X}"
