from django.conf import settings
from django.db import models
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, DBTaskResultQuerySet


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


# --- Background tasks (newsroom/background.py, newsroom/periodic.py, newsroom/worker.py) ---


class TaskAttempt(models.Model):
    """One attempt at a piece of background work: a result of the queue (django-tasks-db)
    and the attempt that followed it when it failed (a retry after back-off, or one a member
    of staff asked for). A failed result without a following attempt has given up."""

    result = models.OneToOneField(
        "django_tasks_database.DBTaskResult",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="attempt",
    )
    number = models.PositiveSmallIntegerField(default=1)
    retry = models.OneToOneField(
        "django_tasks_database.DBTaskResult",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="retry_of",
    )
    retried_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Attempt {self.number} of {self.result_id}"


class FailedTaskQuerySet(DBTaskResultQuerySet):
    def given_up(self):
        """Failed, and nothing will run it again unless someone retries it."""
        return self.failed().filter(
            models.Q(attempt__isnull=True) | models.Q(attempt__retry__isnull=True)
        )


class FailedTask(DBTaskResult):
    """The queue's results as the admin's "Failed tasks" page shows them (a proxy: the rows
    are django-tasks-db's). Viewing needs `view_failedtask`, retrying `change_failedtask`."""

    objects = FailedTaskQuerySet.as_manager()

    class Meta:
        proxy = True
        verbose_name = "failed task"
        default_permissions = ("view", "change")


class ScheduledRun(models.Model):
    """A period of a periodic schedule (newsroom/periodic.py) that a worker has fired. One
    row per schedule and period, by a unique constraint: however many workers race to fire
    it, one insert wins and only that one enqueues the task, in the same transaction."""

    schedule = models.CharField(max_length=100)
    period = models.DateTimeField(help_text="The start of the period this run is for.")
    fired_at = models.DateTimeField(default=timezone.now)
    is_skipped = models.BooleanField(
        default=False, help_text="Found too late and skipped, as its schedule asks."
    )
    result_id = models.CharField(max_length=64, blank=True)
    worker_id = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["schedule", "period"], name="one_run_per_schedule_and_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.schedule} for {self.period:%Y-%m-%d %H:%M:%S}"


class WorkerHeartbeat(models.Model):
    """A worker process that is (or was) alive: it updates `seen_at` every few seconds. A
    task still running under a worker silent for long is failed as lost (WorkerLost)."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(null=True)
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"Worker {self.worker_id} on {self.host} (pid {self.pid})"
