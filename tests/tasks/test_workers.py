"""Real `manage.py worker` processes on PostgreSQL (the `task_worker` fixture): a schedule
fired once per period by two workers, one of them killed and replaced on the way; a task
whose worker is SIGKILLed mid-task failed as lost and run again; a failing task retried by
the worker and then left for staff; SIGTERM waits for the task in hand."""

import signal

from django_tasks_db.models import DBTaskResult

from newsroom.models import FailedTask, ScheduledRun, TaskAttempt
from tests import task_probes
from tests.support import wait_until


def lines(path):
    return path.read_text().splitlines() if path.exists() else []


def test_two_workers_fire_each_period_once_across_a_restart(task_worker, tmp_path):
    ticks = tmp_path / "ticks"
    options = ("--schedule", "tests.task_probes.EVERY_SECOND")
    # Workers look at the schedule every 0.2 s: both try for every period.
    fast = {"PROBE_FILE": str(ticks), "TASKS_HEARTBEAT_SECONDS": "0.2"}
    first = task_worker(*options, **fast)
    second = task_worker(*options, **fast)
    wait_until(lambda: len(lines(ticks)) >= 3, timeout=30, what="three ticks", log=first.log)

    # One worker dies without warning and a new one takes its place.
    first.send_signal(signal.SIGKILL)
    first.wait()
    task_worker(*options, **fast)
    seen = len(lines(ticks))
    wait_until(lambda: len(lines(ticks)) >= seen + 3, timeout=30, what="three more ticks",
               log=second.log)  # fmt: skip

    runs = list(ScheduledRun.objects.filter(schedule="tick").order_by("period"))
    periods = [run.period for run in runs]
    # Consecutive seconds, none missing, none twice.
    assert [(b - a).total_seconds() for a, b in zip(periods, periods[1:], strict=False)] == [
        1.0
    ] * (len(periods) - 1)
    # Each run's task ran exactly once (a run whose task is still queued is not noted yet).
    ran = lines(ticks)
    assert len(ran) == len(set(ran))
    assert set(ran) <= {run.result_id for run in runs}
    assert len(ran) >= len(runs) - 3


def test_a_task_whose_worker_is_killed_runs_again(task_worker, tmp_path, settings):
    log = tmp_path / "hang"
    fast = {"TASKS_HEARTBEAT_SECONDS": "0.3", "TASKS_RETRY_SECONDS": "0"}
    doomed = task_worker(**fast)
    result = task_probes.hang_once.enqueue(str(log))
    wait_until(lambda: lines(log), timeout=30, what="the task starting", log=doomed.log)
    assert lines(log) == [f"started {doomed.pid}"]

    doomed.send_signal(signal.SIGKILL)
    doomed.wait()
    rescuer = task_worker(**fast)
    wait_until(lambda: "finished" in lines(log), timeout=30, what="the retry", log=rescuer.log)

    lost = DBTaskResult.objects.get(pk=result.id)
    assert lost.status == "FAILED"
    assert "WorkerLost" in lost.traceback
    retry = TaskAttempt.objects.get(result=lost).retry
    wait_until(lambda: DBTaskResult.objects.get(pk=retry.pk).status == "SUCCESSFUL",
               timeout=10, what="the retry's success", log=rescuer.log)  # fmt: skip
    assert lines(log) == [f"started {doomed.pid}", f"started {rescuer.pid}", "finished"]


def test_a_worker_retries_a_failing_task_then_leaves_it_for_staff(task_worker, tmp_path):
    log = tmp_path / "fail"
    worker = task_worker(TASKS_RETRY_SECONDS="0", TASKS_ATTEMPTS="3")
    task_probes.fail.enqueue(str(log))
    # (A failed attempt is listed for the moment between its failure and its retry being
    # queued: wait for the third.)
    wait_until(lambda: DBTaskResult.objects.failed().count() == 3, timeout=30,
               what="three failed attempts", log=worker.log)  # fmt: skip
    wait_until(lambda: "failed 3 times" in worker.log.read_text(), timeout=10,
               what="the worker saying it gave up", log=worker.log)  # fmt: skip
    assert FailedTask.objects.given_up().count() == 1
    assert lines(log) == ["failing"] * 3
    assert not DBTaskResult.objects.ready().exists()


def test_sigterm_lets_the_worker_finish_the_task_in_hand(task_worker, tmp_path):
    """What `docker stop` sends: the task finishes, then the worker exits."""
    log = tmp_path / "nap"
    worker = task_worker()
    result = task_probes.nap.enqueue(str(log), 2)
    wait_until(lambda: lines(log), timeout=30, what="the task starting", log=worker.log)
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=30) == 0
    assert lines(log) == ["started", "finished"]
    assert DBTaskResult.objects.get(pk=result.id).status == "SUCCESSFUL"
