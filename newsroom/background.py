"""Work off the request path: the one way this project hands a task to the queue, and what
happens when a task fails.

Tasks are declared with django-tasks' ``@task`` (Django 6's ``django.tasks``: an import
change) and enqueued with ``enqueue_after_commit``. The queue is a table of the database
(django-tasks-db), so a task asked for inside a transaction is written in that transaction:
it exists exactly when the change that asked for it committed, never before and never
without it. On any other backend the task is enqueued once the transaction has committed.

A task that fails runs again after a back-off (TASKS_RETRY_SECONDS, then four times as long
each time) until TASKS_ATTEMPTS attempts have failed; then it waits in the admin ("Failed
tasks") for someone to retry it. A task whose worker died under it fails as WorkerLost and
follows the same rule (newsroom/worker.py notices).
"""

import dataclasses
import datetime
import logging

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, router, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks.signals import task_finished
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger("newsroom.background")


class WorkerLost(Exception):
    """The worker running a task stopped without finishing it (killed, machine lost)."""


class AlreadyRetried(Exception):
    """A failed task was already run again; its later attempt is the one to look at."""


def enqueue_after_commit(task, *args, using=None, **kwargs):
    """Enqueue ``task(*args, **kwargs)`` as part of the current transaction: in it, with the
    database queue; when it commits, with any other backend (at once outside a
    transaction)."""
    if _queued_in(task, using):
        return task.enqueue(*args, **kwargs)
    transaction.on_commit(lambda: task.enqueue(*args, **kwargs), using=using)
    return None


def _queued_in(task, using) -> bool:
    """Whether the task's queue is a table of the database the transaction writes to."""
    return isinstance(task.get_backend(), DatabaseBackend) and (
        using or DEFAULT_DB_ALIAS
    ) == router.db_for_write(DBTaskResult)


def retry_delay(failed_attempts: int) -> datetime.timedelta:
    """How long to wait before the next attempt, after `failed_attempts` failures."""
    return datetime.timedelta(seconds=settings.TASKS_RETRY_SECONDS * 4 ** (failed_attempts - 1))


def retry_after_failure(result_id) -> DBTaskResult | None:
    """Enqueue the next attempt of a failed task after its back-off, unless it has had all
    its attempts; returns the new attempt's result."""
    from newsroom.models import TaskAttempt

    with transaction.atomic():
        failed = DBTaskResult.objects.select_for_update().get(pk=result_id)
        attempt, _ = TaskAttempt.objects.get_or_create(result=failed)
        if failed.status != TaskResultStatus.FAILED or attempt.retry_id:
            return None
        if attempt.number >= settings.TASKS_ATTEMPTS:
            logger.error(
                "Task %s (%s) failed %d times; it waits in the admin's Failed tasks for a retry.",
                failed.task_path,
                failed.pk,
                attempt.number,
            )
            return None
        run_after = timezone.now() + retry_delay(attempt.number)
        retry = _enqueue_again(failed, run_after=run_after)
        if retry is None:
            return None
        TaskAttempt.objects.create(result=retry, number=attempt.number + 1)
        attempt.retry = retry
        attempt.save(update_fields=["retry"])
    logger.warning(
        "Task %s (%s) failed (attempt %d of %d); attempt %d at %s.",
        failed.task_path,
        failed.pk,
        attempt.number,
        settings.TASKS_ATTEMPTS,
        attempt.number + 1,
        run_after.isoformat(timespec="seconds"),
    )
    return retry


def retry_now(result_id, *, by) -> DBTaskResult:
    """Run a failed task again now, with all its attempts ahead of it (the admin's Retry)."""
    from newsroom.models import TaskAttempt

    with transaction.atomic():
        failed = DBTaskResult.objects.select_for_update().get(pk=result_id)
        attempt, _ = TaskAttempt.objects.get_or_create(result=failed)
        if failed.status != TaskResultStatus.FAILED or attempt.retry_id:
            raise AlreadyRetried(failed.pk)
        retry = _enqueue_again(failed, run_after=None)
        if retry is None:
            raise LookupError(f"The task {failed.task_path} no longer exists in the code.")
        TaskAttempt.objects.create(result=retry, number=1)
        attempt.retry = retry
        attempt.retried_by = by
        attempt.save(update_fields=["retry", "retried_by"])
    return retry


def _enqueue_again(failed: DBTaskResult, *, run_after) -> DBTaskResult | None:
    try:
        task = failed.task
    except (ImportError, AttributeError):
        logger.error(
            "Task %s (%s) is gone from the code: not retried.", failed.task_path, failed.pk
        )
        return None
    task = dataclasses.replace(task, run_after=run_after)
    result = task.enqueue(*failed.args_kwargs["args"], **failed.args_kwargs["kwargs"])
    return result.db_result


def fail_lost(result: DBTaskResult, worker_id: str) -> None:
    """Mark a task whose worker died under it as failed, and retry it by the usual rule."""
    result.set_failed(
        WorkerLost(f"Worker {worker_id} stopped while running this task (killed or lost).")
    )
    retry_after_failure(result.pk)


def _on_task_finished(sender, task_result, **kwargs) -> None:
    if task_result.status != TaskResultStatus.FAILED or not isinstance(
        task_result.task.get_backend(), DatabaseBackend
    ):
        return
    try:
        retry_after_failure(task_result.id)
    except Exception:
        # The worker sends this signal outside its own error handling: raising here would
        # stop the worker. The task stays failed, so the admin lists it.
        logger.exception("Could not schedule a retry of task %s", task_result.id)


task_finished.connect(_on_task_finished, dispatch_uid="newsroom.background.retry")
