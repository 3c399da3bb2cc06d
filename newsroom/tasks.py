"""The project's own background tasks (those of the desk live beside their services)."""

import datetime

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult


@task()
def prune_task_records() -> dict[str, int]:
    """Delete what the queue remembers beyond TASKS_KEEP_DAYS: finished task results (a
    failed one only once it was retried or given up on long ago), schedule runs and the
    heartbeats of workers gone for good. Runs daily (newsroom/periodic.py)."""
    from newsroom.models import ScheduledRun, WorkerHeartbeat

    before = timezone.now() - datetime.timedelta(days=settings.TASKS_KEEP_DAYS)
    _, deleted = DBTaskResult.objects.finished().filter(finished_at__lt=before).delete()
    # The latest run of each schedule stays: it is where the schedule stands.
    latest = ScheduledRun.objects.filter(schedule=OuterRef("schedule")).order_by("-period")
    runs, _ = (
        ScheduledRun.objects.filter(period__lt=before)
        .exclude(pk=Subquery(latest.values("pk")[:1]))
        .delete()
    )
    workers, _ = WorkerHeartbeat.objects.filter(seen_at__lt=before).delete()
    return {
        "task results": deleted.get(DBTaskResult._meta.label, 0),
        "scheduled runs": runs,
        "workers": workers,
    }
