from django.conf import settings
from django.db import models
from django.utils import timezone


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
