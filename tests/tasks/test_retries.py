"""A task that fails runs again after a back-off, a bounded number of times; then it waits
for staff in the admin. Run by django-tasks-db's worker in this process (`manage.py worker
--batch`), with the clock moved by time-machine instead of waited for."""

import datetime

import pytest
import time_machine
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from newsroom import background
from newsroom.models import FailedTask, TaskAttempt
from tests import task_probes
from tests.support import run_queued_tasks

UTC = datetime.UTC
T0 = datetime.datetime(2026, 12, 2, 9, 0, 0, tzinfo=UTC)


@pytest.fixture
def retries(settings):
    settings.TASKS_ATTEMPTS = 3
    settings.TASKS_RETRY_SECONDS = 30


@pytest.mark.django_db
def test_a_failing_task_is_retried_with_back_off_then_given_up(task_queue, retries, tmp_path):
    path = str(tmp_path / "log")
    with time_machine.travel(T0, tick=False) as clock:
        first = task_probes.fail.enqueue(path)
        run_queued_tasks()
        attempt = TaskAttempt.objects.get(result_id=first.id)
        second = attempt.retry
        assert DBTaskResult.objects.get(pk=first.id).status == "FAILED"
        assert second.status == "READY"
        assert second.run_after == T0 + datetime.timedelta(seconds=30)
        assert second.args_kwargs == {"args": [path], "kwargs": {}}

        run_queued_tasks()  # not due yet
        assert DBTaskResult.objects.get(pk=second.pk).status == "READY"

        clock.move_to(T0 + datetime.timedelta(seconds=30))
        run_queued_tasks()
        third = TaskAttempt.objects.get(result=second).retry
        assert third.run_after == T0 + datetime.timedelta(seconds=30 + 120)  # 4 × longer
        assert TaskAttempt.objects.get(result=third).number == 3

        clock.move_to(third.run_after)
        run_queued_tasks()

    assert (tmp_path / "log").read_text().splitlines() == ["failing"] * 3
    assert not DBTaskResult.objects.ready().exists()
    # Only the last attempt waits for staff: the others led to a retry.
    given_up = FailedTask.objects.given_up().get()
    assert given_up.pk == third.pk
    assert "RuntimeError: The wire service answered 503" in given_up.traceback


@pytest.mark.django_db
def test_a_retry_that_succeeds_leaves_nothing_for_staff(task_queue, retries, tmp_path):
    path = str(tmp_path / "log")
    with time_machine.travel(T0, tick=False) as clock:
        first = task_probes.fail_once.enqueue(path)
        run_queued_tasks()
        clock.move_to(T0 + datetime.timedelta(seconds=30))
        run_queued_tasks()
    retry = TaskAttempt.objects.get(result_id=first.id).retry
    retry.refresh_from_db()
    assert retry.status == "SUCCESSFUL"
    assert retry.return_value == "done"
    assert not FailedTask.objects.given_up().exists()


@pytest.mark.django_db
def test_a_task_is_queued_with_the_transaction_that_asked_for_it(task_queue, tmp_path):
    path = str(tmp_path / "log")
    with transaction.atomic():
        background.enqueue_after_commit(task_probes.succeed, path, "kept")
    try:
        with transaction.atomic():
            background.enqueue_after_commit(task_probes.succeed, path, "rolled back")
            raise RuntimeError("the change failed")
    except RuntimeError:
        pass
    assert [r.args_kwargs["args"][1] for r in DBTaskResult.objects.all()] == ["kept"]
    run_queued_tasks()
    assert (tmp_path / "log").read_text() == "kept\n"


@pytest.mark.django_db
def test_a_lost_task_fails_as_lost_and_is_retried(task_queue, retries, tmp_path):
    """What a worker's housekeeping does when another worker stopped beating mid-task."""
    from newsroom.models import WorkerHeartbeat
    from newsroom.worker import lost_after, recover_lost_tasks

    with time_machine.travel(T0, tick=False) as clock:
        result = task_probes.succeed.enqueue(str(tmp_path / "log"), "x")
        row = DBTaskResult.objects.get(pk=result.id)
        row.claim("dead-worker")
        WorkerHeartbeat.objects.create(worker_id="dead-worker", seen_at=T0)
        WorkerHeartbeat.objects.create(worker_id="busy-worker", seen_at=T0)
        assert recover_lost_tasks() == []  # not silent for long enough yet

        clock.move_to(T0 + lost_after() + datetime.timedelta(seconds=1))
        WorkerHeartbeat.objects.filter(worker_id="busy-worker").update(
            seen_at=datetime.datetime.now(UTC)
        )
        assert recover_lost_tasks() == [str(row.pk)]
        assert recover_lost_tasks() == []

    row.refresh_from_db()
    assert row.status == "FAILED"
    assert "WorkerLost: Worker dead-worker stopped" in row.traceback
    assert TaskAttempt.objects.get(result=row).retry.status == "READY"
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["busy-worker"]


def test_the_back_off_grows_fourfold(settings):
    settings.TASKS_RETRY_SECONDS = 30
    assert [background.retry_delay(n).total_seconds() for n in (1, 2, 3)] == [30, 120, 480]
