"""The periodic schedule (newsroom/periodic.py), fired in this process at chosen moments:
once per period however often it is asked, where a restarted worker left off, catching up
or skipping by policy, daily at the newsroom's local time."""

import datetime
import zoneinfo

import pytest
from django.db import IntegrityError
from django_tasks_db.models import DBTaskResult

from newsroom import periodic
from newsroom.models import ScheduledRun
from newsroom.periodic import CATCH_UP, SKIP, DailyAt, Every, Periodic

UTC = datetime.UTC
T0 = datetime.datetime(2026, 12, 2, 9, 0, 0, tzinfo=UTC)


def every_minute(missed=CATCH_UP):
    return [Periodic("wire", "tests.task_probes.tick", Every(60), missed=missed)]


@pytest.fixture
def tick_file(tmp_path, monkeypatch):
    path = tmp_path / "ticks"
    monkeypatch.setenv("PROBE_FILE", str(path))
    return path


@pytest.mark.django_db
def test_a_period_fires_once_however_many_workers_ask(task_queue, tick_file):
    schedule = every_minute()
    first = periodic.fire_due(schedule, worker_id="a", now=T0 + datetime.timedelta(seconds=5))
    second = periodic.fire_due(schedule, worker_id="b", now=T0 + datetime.timedelta(seconds=6))
    assert [run.period for run in first] == [T0]
    assert second == []
    assert DBTaskResult.objects.count() == 1
    assert ScheduledRun.objects.get().result_id == str(DBTaskResult.objects.get().pk)


@pytest.mark.django_db
def test_the_database_refuses_a_second_run_of_a_period():
    ScheduledRun.objects.create(schedule="wire", period=T0)
    with pytest.raises(IntegrityError):
        ScheduledRun.objects.create(schedule="wire", period=T0)


@pytest.mark.django_db
def test_the_next_period_fires_when_it_begins(task_queue, tick_file):
    schedule = every_minute()
    periodic.fire_due(schedule, now=T0)
    assert periodic.fire_due(schedule, now=T0 + datetime.timedelta(seconds=59)) == []
    fired = periodic.fire_due(schedule, now=T0 + datetime.timedelta(seconds=60))
    assert [run.period for run in fired] == [T0 + datetime.timedelta(minutes=1)]


@pytest.mark.django_db
def test_after_downtime_catch_up_runs_every_missed_period(task_queue, tick_file):
    schedule = every_minute(CATCH_UP)
    periodic.fire_due(schedule, now=T0)
    # No worker for five minutes; the first to come back finds periods 1-5.
    fired = periodic.fire_due(schedule, now=T0 + datetime.timedelta(minutes=5, seconds=10))
    assert [run.period for run in fired] == [
        T0 + datetime.timedelta(minutes=n) for n in range(1, 6)
    ]
    assert not any(run.is_skipped for run in fired)
    assert DBTaskResult.objects.count() == 6


@pytest.mark.django_db
def test_after_downtime_skip_records_late_periods_and_says_so(task_queue, tick_file, caplog):
    schedule = every_minute(SKIP)
    periodic.fire_due(schedule, now=T0)
    fired = periodic.fire_due(schedule, now=T0 + datetime.timedelta(minutes=5, seconds=10))
    # Periods 1-4 began more than the one-minute grace ago; period 5 is still on time.
    assert [run.is_skipped for run in fired] == [True, True, True, True, False]
    assert DBTaskResult.objects.count() == 2
    assert [run.result_id for run in fired if run.is_skipped] == [""] * 4
    assert "Skipped 4 period(s) of 'wire'" in caplog.text


@pytest.mark.django_db
def test_a_long_stop_looks_at_the_latest_periods_only(task_queue, tick_file):
    schedule = every_minute(SKIP)
    periodic.fire_due(schedule, now=T0)
    fired = periodic.fire_due(schedule, now=T0 + datetime.timedelta(days=3))
    assert len(fired) == periodic.MOST_MISSED_RUNS
    assert fired[-1].period == T0 + datetime.timedelta(days=3)


def test_daily_at_six_is_six_on_the_newsrooms_clock(settings):
    settings.TIME_ZONE = "Europe/Paris"
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    daily = DailyAt(datetime.time(6, 0))
    before_six = datetime.datetime(2026, 12, 2, 5, 59, tzinfo=paris)
    at_six = datetime.datetime(2026, 12, 2, 6, 0, tzinfo=paris)
    assert daily.period_at(before_six) == datetime.datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
    assert daily.period_at(at_six) == datetime.datetime(2026, 12, 2, 5, 0, tzinfo=UTC)
    # Summer time starts on 29 March 2026: 06:00 in Paris is then 04:00 UTC.
    assert daily.next_after(datetime.datetime(2026, 3, 28, 5, 0, tzinfo=UTC)) == (
        datetime.datetime(2026, 3, 29, 4, 0, tzinfo=UTC)
    )


@pytest.mark.django_db
def test_the_project_schedule_prunes_old_task_records(task_queue, settings):
    """The one periodic job today: old finished results and runs go, the latest run of
    each schedule stays (it is where the schedule stands)."""
    from newsroom.tasks import prune_task_records

    settings.TASKS_KEEP_DAYS = 14
    long_ago = datetime.datetime.now(UTC) - datetime.timedelta(days=30)
    ScheduledRun.objects.create(schedule="wire", period=long_ago)
    ScheduledRun.objects.create(schedule="wire", period=long_ago + datetime.timedelta(minutes=1))
    old = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}}, task_path="x.y", backend_name="default",
        status="SUCCESSFUL", finished_at=long_ago,
    )  # fmt: skip
    recent = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}}, task_path="x.y", backend_name="default",
        status="SUCCESSFUL", finished_at=datetime.datetime.now(UTC),
    )  # fmt: skip
    waiting = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}}, task_path="x.y", backend_name="default"
    )
    assert prune_task_records.call() == {"task results": 1, "scheduled runs": 1, "workers": 0}
    assert set(DBTaskResult.objects.values_list("pk", flat=True)) == {recent.pk, waiting.pk}
    assert not DBTaskResult.objects.filter(pk=old.pk).exists()
    assert ScheduledRun.objects.get().period == long_ago + datetime.timedelta(minutes=1)
    assert "newsroom.tasks.prune_task_records" in [entry.task for entry in periodic.SCHEDULE]
