"""Most read: counting reads without knowing readers, and the lists pages show.

Counting. Each article page carries a 1×1 image, `/r/<story id>.gif` (the beacon), which
every proxy passes, so a page served from Varnish's cache is still counted. The beacon adds
one to the story's bucket of the hour in the cache (`cache.incr`, or `cache.add` for the
hour's first read: any Django cache backend). Nothing about the reader is stored, or read
beyond two headers: a prefetch or prerender (`Sec-Purpose`, `Purpose`) and a known
crawler (`User-Agent`, CRAWLERS) are not counted. The beacon answers the same bytes to every
request, whatever the id, so it never tells whether a draft exists.

Rolling up. Every few minutes (newsroom/periodic.py) `roll_up` copies the buckets of the
last ROLL_HOURS hours of every story *published now* into `StoryReads` rows (one per story
and hour). A bucket holds the hour's whole count so far, so a row is set to it, never
added to: rolling a bucket twice writes the same number (a bucket lost with the cache
never lowers a row either). Ids that are not published stories (drafts, unknown, deleted)
are never read back: they count nothing.

Lists. `roll_up` then ranks the stories published now by their reads in the last 24
hours, the paper's list and each section's (by primary section), and stores the places
(`MostRead`). Only a list that changed is rewritten, and its surrogate key (`mostread`,
`mostread-s<id>`) is sent after the commit: the pages showing that list are purged, the
others stay cached. Pages read the list with `published()`, so a story unpublished since
the roll-up is left out at once (its own key purges the pages that showed it).
"""

import datetime
import re

from django.core.cache import cache
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django_tasks import task

from articles import cards, keys
from articles.models import Article, MostRead, StoryReads
from newsroom import surrogate

HOUR = 3600
# A bucket outlives its hour long enough for a roll-up after a short stop of the workers.
BUCKET_SECONDS = 6 * HOUR
# Each roll-up reads the buckets of this many hours (the current one and those before it:
# the reads that came in after the last roll-up of a finished hour).
ROLL_HOURS = 3
WINDOW = datetime.timedelta(hours=24)
SHOWN = 5  # places a page shows
KEPT = 10  # places stored: room for stories unpublished between two roll-ups
READ_BACK = 1000  # buckets asked of the cache at once
LARGEST_ID = 2**63 - 1

# Requests that are not a person reading: a prefetch or prerender (the page may never be
# looked at), link previews and crawlers. The one list of them.
PREFETCH = re.compile(r"prefetch|prerender|preview", re.IGNORECASE)
CRAWLERS = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|archiver|facebookexternalhit|embedly|"
    r"headless|lighthouse|pagespeed|curl/|wget/|python-|go-http-client|okhttp|java/|"
    r"feedfetcher|mediapartners",
    re.IGNORECASE,
)


# --- counting -------------------------------------------------------------------------


def hour_of(moment: datetime.datetime) -> int:
    """Hours since the Unix epoch: the bucket a moment falls in."""
    return int(moment.timestamp()) // HOUR


def bucket_key(article_id: int, hour: int) -> str:
    return f"reads:{hour}:{article_id}"


def is_a_read(request) -> bool:
    """Whether a beacon request is someone reading (not a prefetch, not a crawler)."""
    if request.method != "GET":
        return False
    purpose = " ".join(
        request.headers.get(name, "") for name in ("Sec-Purpose", "Purpose", "X-Purpose", "X-Moz")
    )
    if PREFETCH.search(purpose):
        return False
    agent = request.headers.get("User-Agent", "")
    return bool(agent) and not CRAWLERS.search(agent)


def count_read(article_id: int, *, now: datetime.datetime | None = None) -> None:
    """One more read of the story in this hour's bucket (ids of no published story are
    counted too, and never rolled up: checking them here would cost a query a view)."""
    if not 0 < article_id <= LARGEST_ID:
        return
    key = bucket_key(article_id, hour_of(now or timezone.now()))
    # incr first: most views find their bucket there (two Redis round trips with Django's
    # backend, against three for add, then incr).
    try:
        cache.incr(key)
    except ValueError:  # the hour's first read (or two first reads at once)
        if not cache.add(key, 1, BUCKET_SECONDS):
            cache.incr(key)


# --- rolling up -----------------------------------------------------------------------


def _hour_start(hour: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(hour * HOUR, datetime.UTC)


def roll_up(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Copy the recent buckets of published stories into StoryReads, then refresh the
    most-read lists. Safe to run again (a retried task): buckets are set, never added.
    Two runs at the same moment are not guarded against (the schedule fires one a period)."""
    now = now or timezone.now()
    current = hour_of(now)
    hours = range(current - ROLL_HOURS + 1, current + 1)
    ids = list(Article.objects.published(at=now).values_list("pk", flat=True))
    counted: dict[tuple[int, int], int] = {}
    for start in range(0, len(ids), READ_BACK):
        chunk = ids[start : start + READ_BACK]
        wanted = {bucket_key(pk, hour): (pk, hour) for pk in chunk for hour in hours}
        for key, count in cache.get_many(list(wanted)).items():
            if isinstance(count, int) and count > 0:
                counted[wanted[key]] = count
    with transaction.atomic():
        had = {
            (row.article_id, hour_of(row.hour)): row.count
            for row in StoryReads.objects.filter(
                hour__gte=_hour_start(hours[0]), article_id__in={pk for pk, _ in counted}
            )
        }
        rows = [
            StoryReads(article_id=pk, hour=_hour_start(hour), count=count)
            for (pk, hour), count in counted.items()
            if count > had.get((pk, hour), 0)
        ]
        StoryReads.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["article", "hour"], update_fields=["count"]
        )
        changed = refresh_lists(now=now)
    return {"rows written": len(rows), "lists changed": changed}


def ranking(*, now: datetime.datetime) -> dict[int | None, list[int]]:
    """The stories published now, most read first over the last 24 hours: the paper's
    list (None) and each section's, by primary section."""
    since = _hour_start(hour_of(now - WINDOW) + 1)
    totals = (
        StoryReads.objects.filter(hour__gte=since, article__in=Article.objects.published(at=now))
        .values_list("article_id", "article__primary_section_id")
        .annotate(total=Sum("count"))
        .order_by("-total", "-article_id")
    )
    lists: dict[int | None, list[int]] = {None: []}
    for article_id, section_id, _total in totals:
        for name in (None, section_id):
            places = lists.setdefault(name, [])
            if len(places) < KEPT:
                places.append(article_id)
    return lists


def refresh_lists(*, now: datetime.datetime) -> int:
    """Store each list that changed and purge the pages showing it; returns how many."""
    new = ranking(now=now)
    old: dict[int | None, list[int]] = {}
    for section_id, article_id in MostRead.objects.values_list("section_id", "article_id"):
        old.setdefault(section_id, []).append(article_id)
    changed = [name for name in new.keys() | old.keys() if new.get(name, []) != old.get(name, [])]
    for name in changed:
        MostRead.objects.filter(section_id=name).delete()  # section_id=None: IS NULL
        MostRead.objects.bulk_create(
            MostRead(section_id=name, position=place, article_id=article_id)
            for place, article_id in enumerate(new.get(name, []), start=1)
        )
    surrogate.changed(keys.most_read(name) for name in changed)
    return len(changed)


@task()
def roll_up_reads() -> dict[str, int]:
    """The periodic roll-up (newsroom/periodic.py)."""
    return roll_up()


# --- what pages show --------------------------------------------------------------------


def most_read(*, section_id: int | None = None, now: datetime.datetime | None = None):
    """The list's stories that are published now, in order (one query)."""
    keys.show(keys.most_read(section_id))
    now = now or timezone.now()
    if section_id is None:
        return cards.load(
            lambda p: (
                Article.objects.published(at=p.now)
                # (A place with no section: without the position test, a story on no list.)
                .filter(most_read_places__position__gt=0, most_read_places__section__isnull=True)
                .order_by("most_read_places__position")
            ),
            stop=SHOWN,
            authors=None,
            now=now,
        )
    return cards.load(
        lambda p: (
            Article.objects.published(at=p.now)
            .filter(most_read_places__section=p.section)
            .order_by("most_read_places__position")
        ),
        stop=SHOWN,
        authors=None,
        now=now,
        section=section_id,
    )
