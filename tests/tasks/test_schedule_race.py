"""Workers racing for the same period on PostgreSQL: one insert wins, only it enqueues."""

import datetime
import threading

import pytest
from django.db import connection, connections
from django_tasks_db.models import DBTaskResult

from newsroom import periodic
from newsroom.models import ScheduledRun
from newsroom.periodic import Every, Periodic

T0 = datetime.datetime(2026, 12, 2, 9, 0, 0, tzinfo=datetime.UTC)


@pytest.mark.django_db(transaction=True)
def test_six_workers_at_the_same_instant_fire_a_period_once(task_queue, tmp_path, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions on one database: the PostgreSQL pass runs this")
    monkeypatch.setenv("PROBE_FILE", str(tmp_path / "ticks"))
    schedule = [Periodic("wire", "tests.task_probes.tick", Every(60))]
    start = threading.Barrier(6)
    fired = []

    def worker(name):
        try:
            start.wait()
            fired.extend(periodic.fire_due(schedule, worker_id=name, now=T0))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(fired) == 1
    run = ScheduledRun.objects.get()
    assert run.worker_id == fired[0].worker_id
    assert [str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)] == [run.result_id]
