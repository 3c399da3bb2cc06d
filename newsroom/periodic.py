"""Periodic work without cron: the schedule, and how workers fire it exactly once a period.

Every worker (``manage.py worker``, and the development server's thread) looks at the
schedule about once a second. For each entry it works out the periods that have begun since
the last one recorded and fires each: one ``ScheduledRun`` row per schedule and period,
under a unique constraint, inserted in the same transaction as the task is enqueued. When
two workers race for a period one insert wins and only it enqueues; the loser's transaction
enqueues nothing. The rows are in the database, so a restarted worker carries on where the
schedule stands, and periods that began while no worker ran are found on the next look:
``CATCH_UP`` runs each of them (the latest ``MOST_MISSED_RUNS``), ``SKIP`` records those
found later than ``grace`` as skipped and says so in the log.

Declare periodic work here, in ``SCHEDULE``: later issues hang wire polling, the daily
newsletter and cache housekeeping on it.
"""

import datetime
import logging
import zoneinfo
from dataclasses import dataclass, field
from typing import Literal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

logger = logging.getLogger("newsroom.periodic")

CATCH_UP = "catch up"
SKIP = "skip"
# After a long stop, no more than this many missed periods of one schedule are looked at.
MOST_MISSED_RUNS = 100


@dataclass(frozen=True)
class Every:
    """Periods of a fixed length, counted from the Unix epoch (every minute starts at :00)."""

    seconds: int

    def period_at(self, moment: datetime.datetime) -> datetime.datetime:
        start = int(moment.timestamp()) // self.seconds * self.seconds
        return datetime.datetime.fromtimestamp(start, datetime.UTC)

    def next_after(self, period: datetime.datetime) -> datetime.datetime:
        return period + datetime.timedelta(seconds=self.seconds)


@dataclass(frozen=True)
class DailyAt:
    """Once a day at a time of the newsroom's clock (TIME_ZONE), summer time included."""

    at: datetime.time

    def period_at(self, moment: datetime.datetime) -> datetime.datetime:
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        local = moment.astimezone(zone)
        start = datetime.datetime.combine(local.date(), self.at, tzinfo=zone)
        if start > local:
            start = datetime.datetime.combine(
                local.date() - datetime.timedelta(days=1), self.at, tzinfo=zone
            )
        return start.astimezone(datetime.UTC)

    def next_after(self, period: datetime.datetime) -> datetime.datetime:
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        day = period.astimezone(zone).date() + datetime.timedelta(days=1)
        return datetime.datetime.combine(day, self.at, tzinfo=zone).astimezone(datetime.UTC)


@dataclass(frozen=True)
class Periodic:
    """A task (taking no arguments) to run once in every period of `when`."""

    name: str
    task: str  # the task's dotted path, imported when it fires
    when: Every | DailyAt
    missed: Literal["catch up", "skip"] = CATCH_UP
    # A period fired later than this after its start counts as missed (for SKIP).
    grace: datetime.timedelta = field(default=datetime.timedelta(minutes=1))


SCHEDULE = [
    # (A scheduled story, banner or slot needs no job at its time: no cache keeps a page
    # past the next scheduled change, newsroom/pagecache.py.)
    Periodic(
        "prune task records",
        "newsroom.tasks.prune_task_records",
        DailyAt(datetime.time(4, 0)),
        missed=SKIP,
        grace=datetime.timedelta(hours=2),
    ),
    # Today's briefing, once a day however many workers run. A briefing found hours late
    # is old news: after its grace it is skipped (and logged), not sent at lunchtime.
    Periodic(
        "daily briefing",
        "newsletter.tasks.send_daily_briefing",
        DailyAt(settings.NEWSLETTER_BRIEFING_AT),
        missed=SKIP,
        grace=datetime.timedelta(hours=1),
    ),
    # Reads counted in the cache into StoryReads, and the most-read lists refreshed
    # (articles/reads.py). Each run reads the last few hours' buckets, so a missed run
    # needs no catching up: the next one does its work.
    Periodic(
        "roll up reads",
        "articles.reads.roll_up_reads",
        Every(5 * 60),
        missed=SKIP,
        grace=datetime.timedelta(minutes=2),
    ),
]


def due_periods(entry: Periodic, *, last: datetime.datetime | None, now: datetime.datetime):
    """The periods of `entry` begun after `last` (the latest recorded) and by `now`."""
    current = entry.when.period_at(now)
    if last is None:
        return [current]
    due = []
    period = entry.when.next_after(last)
    while period <= current:
        due.append(period)
        period = entry.when.next_after(period)
    return due[-MOST_MISSED_RUNS:]


def fire_due(schedule=None, *, worker_id: str = "", now=None) -> list:
    """Fire every period of the schedule that no worker has fired; returns the runs this
    call recorded (not those another worker won)."""
    from newsroom.models import ScheduledRun

    now = now or timezone.now()
    fired = []
    for entry in SCHEDULE if schedule is None else schedule:
        last = (
            ScheduledRun.objects.filter(schedule=entry.name)
            .order_by("-period")
            .values_list("period", flat=True)
            .first()
        )
        runs = [
            run
            for period in due_periods(entry, last=last, now=now)
            if (run := _fire(entry, period, now=now, worker_id=worker_id)) is not None
        ]
        skipped = [run.period for run in runs if run.is_skipped]
        if skipped:
            logger.warning(
                "Skipped %d period(s) of %r, %s to %s: found more than its grace of %s late.",
                len(skipped),
                entry.name,
                skipped[0].isoformat(timespec="seconds"),
                skipped[-1].isoformat(timespec="seconds"),
                entry.grace,
            )
        fired.extend(runs)
    return fired


def _fire(entry: Periodic, period, *, now, worker_id: str):
    from django.utils.module_loading import import_string

    from newsroom.models import ScheduledRun

    skipped = entry.missed == SKIP and now - period > entry.grace
    try:
        with transaction.atomic():
            run = ScheduledRun.objects.create(
                schedule=entry.name, period=period, is_skipped=skipped, worker_id=worker_id
            )
            if not skipped:
                # In this transaction: the run and its task are recorded together or not
                # at all (the database queue; see newsroom/background.py).
                result = import_string(entry.task).enqueue()
                run.result_id = str(result.id)
                run.save(update_fields=["result_id"])
    except IntegrityError:
        logger.debug("%r for %s: fired by another worker", entry.name, period.isoformat())
        return None
    return run
