"""What a worker does besides running tasks: say it is alive, fail the tasks of workers that
died under them, and fire the periodic schedule. django-tasks-db's worker runs the tasks
(``manage.py worker`` wraps its command); this runs beside it, in a thread of the same
process, so it lives and dies with the worker.

The development server runs both in threads of its own (``start_embedded``), so `make run`
needs no other process.
"""

import datetime
import logging
import os
import socket
import threading

from django.conf import settings
from django.db import DatabaseError, close_old_connections, router, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from newsroom import background, periodic

logger = logging.getLogger("newsroom.worker")

# A worker silent for this many heartbeats is taken for dead.
BEATS_BEFORE_LOST = 6


def lost_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.TASKS_HEARTBEAT_SECONDS * BEATS_BEFORE_LOST)


def beat(worker_id: str) -> None:
    """Note that this worker is alive."""
    from newsroom.models import WorkerHeartbeat

    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"seen_at": timezone.now()},
        create_defaults={"host": socket.gethostname(), "pid": os.getpid()},
    )


def recover_lost_tasks() -> list[str]:
    """Fail (and so retry) the tasks still marked running by workers silent for too long;
    returns their ids. Workers that never sent a heartbeat (django-tasks-db's own
    ``db_worker``) are never judged."""
    from newsroom.models import WorkerHeartbeat

    # From the primary: a replica's lag could make a live worker look silent.
    primary = router.db_for_write(WorkerHeartbeat)
    heartbeats = WorkerHeartbeat.objects.using(primary)
    silent = set(
        heartbeats.filter(seen_at__lt=timezone.now() - lost_after()).values_list(
            "worker_id", flat=True
        )
    )
    if not silent:
        return []
    recovered = []
    for candidate in DBTaskResult.objects.using(primary).running().only("worker_ids"):
        worker_id = candidate.worker_ids[-1] if candidate.worker_ids else None
        if worker_id not in silent:
            continue
        with transaction.atomic():
            result = (
                DBTaskResult.objects.select_for_update(skip_locked=True)
                .filter(pk=candidate.pk, status=TaskResultStatus.RUNNING)
                .first()
            )
            if result is None:
                continue  # another worker is recovering it, or it finished meanwhile
            logger.error(
                "Task %s (%s) was running under worker %s, silent since %s: failed as lost.",
                result.task_path,
                result.pk,
                worker_id,
                lost_after(),
            )
            background.fail_lost(result, worker_id)
            recovered.append(str(result.pk))
    # Once their tasks are recovered, silent workers are forgotten.
    still_running = {
        r.worker_ids[-1]
        for r in DBTaskResult.objects.using(primary).running().only("worker_ids")
        if r.worker_ids
    }
    heartbeats.filter(worker_id__in=silent - still_running).delete()
    return recovered


class Housekeeping(threading.Thread):
    """Heartbeats, lost tasks and the schedule, about once a second until the process
    ends."""

    def __init__(self, worker_id: str, schedule=None):
        super().__init__(name=f"housekeeping-{worker_id}", daemon=True)
        self.worker_id = worker_id
        self.schedule = periodic.SCHEDULE if schedule is None else schedule
        self.stopping = threading.Event()
        self.tick = min(1.0, settings.TASKS_HEARTBEAT_SECONDS)

    def run(self) -> None:
        last_beat = None
        while not self.stopping.is_set():
            try:
                close_old_connections()
                now = timezone.now()
                if last_beat is None or (now - last_beat).total_seconds() >= (
                    settings.TASKS_HEARTBEAT_SECONDS
                ):
                    beat(self.worker_id)
                    last_beat = now
                    recover_lost_tasks()
                periodic.fire_due(self.schedule, worker_id=self.worker_id)
            except DatabaseError:
                # The database is away: nothing can be fired or recovered until it is back.
                logger.exception("Worker housekeeping could not reach the database")
            self.stopping.wait(self.tick)
        close_old_connections()

    def stop(self) -> None:
        self.stopping.set()


def start_embedded() -> str:
    """Run a worker and its housekeeping in threads of this process (the development
    server's): the same queue, schedule and retries as `manage.py worker`, without another
    process."""
    from django_tasks_db.management.commands.db_worker import Worker

    worker_id = f"embedded-{get_random_string(12)}"
    Housekeeping(worker_id).start()
    worker = Worker(
        queue_names=["*"],
        interval=0.5,
        batch=False,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    )
    threading.Thread(target=worker.run, name=f"worker-{worker_id}", daemon=True).start()
    return worker_id
