"""The anonymous page cache: whole responses for readers, purged by surrogate key.

For the embedded default and for sites without a proxy in front; with Varnish it is a
second layer purged by the same keys (newsroom/surrogate.py, articles/keys.py).

How staleness is ruled out
  * Every purge (a `keys_changed` after a commit) takes a number from one counter in the
    cache, the purge sequence, and writes it as the generation of each of its keys. A page
    is stored with the sequence read *before* it was rendered and the keys it shows (its
    Surrogate-Key header); it is purged once any of its keys has a later generation. A
    change that commits while a page renders may or may not be on that page, and its
    purge is numbered after the page's sequence: the page is rendered again, never kept.
    A hit costs one cache round trip (the page and the sequence) while no purge has come
    since the page was stored, two otherwise (then its keys' generations), and no SQL.
  * Nobody purges when a scheduled change comes due (a story going live, a slot or banner
    starting or ending, a photo's rights lapsing), so no page is kept past the next one:
    each entry is stored with that moment (`Entry.until`) and never served after it, not
    even during an outage, and the Cache-Control given to proxies and browsers stops there
    too. The moment is read from the database when a page renders after a purge or after
    the moment itself, and kept in the cache with the sequence it was read at.
  * The cache must be shared by every process that serves pages (Redis with
    REDIS_URL): a purge reaches the cache its process writes to. Local memory is for one
    process (`manage.py runserver`); gunicorn turns the page cache off without Redis.
  * If Redis is unreachable at the moment of a purge but keeps its data, pages it held
    can outlive the change until their lifetime runs out: the one bounded window of
    staleness, and only while Redis is failing.

How an outage is ridden out
  * A hit needs nothing but the cache. An entry stays in the cache PAGE_CACHE_KEEP_SECONDS
    after its lifetime; when the database is down (the page renders as a 5xx), an entry
    that no purge has touched and no scheduled change has overtaken is served instead
    ("stale-if-error"), for as long as the outage lasts. Only a page never cached is a 503.

How expiry is spread, and a stampede ruled out
  * Lifetimes are jittered (80–100 % of PAGE_CACHE_SECONDS, and of s-maxage), so a cache
    filled in one burst does not expire in one.
  * One worker renders a missing or expired page (it holds a short lock in the cache); the
    others serve the previous copy while it only outlived its lifetime by less than
    PAGE_CACHE_STALE_SECONDS, or wait briefly for the new one when it was purged, and
    render themselves only if it does not come.

How a page that varies is kept apart
  * A response with `Vary` (GZipMiddleware adds `Vary: Accept-Encoding`) is stored per
    variant: the page's key holds `Variants` (the request headers it varies on) and each
    variant sits under a key made from those headers' values, as Django's own cache
    middleware does. Such a page costs one more round trip. `Vary: *` is never stored.

Conditional requests are answered by Django's `get_conditional_response` (weak ETags,
`If-Modified-Since`).
"""

import datetime
import hashlib
import logging
import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.dispatch import receiver
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

from newsroom import surrogate
from newsroom.invalidation import keys_changed

logger = logging.getLogger(__name__)

SEQUENCE_KEY = "pagecache:sequence"
SCHEDULE_KEY = "pagecache:next-change"
GENERATION_PREFIX = "pagecache:key:"
LOCK_SECONDS = 10
WAIT_FOR_RENDER_SECONDS = 2.0
JITTER = (0.8, 1.0)  # a lifetime is this share of the configured one, chosen at random
CACHEABLE_TYPES = ("text/html", "application/rss+xml", "application/atom+xml", "application/xml",
                   "text/xml", "text/plain", "application/json",
                   "application/vnd.iptc.ninjs+json", "application/problem+json")  # fmt: skip


def jittered(seconds: float) -> float:
    return seconds * random.uniform(*JITTER)  # noqa: S311 - spreading expiry, not a secret


# --- purges ---------------------------------------------------------------------------


def sequence(found: dict | None = None) -> int:
    """The purge sequence now (from `found`, a get_many that asked for it, if given)."""
    value = (found or {}).get(SEQUENCE_KEY)
    if value is None:
        # Started from the clock in milliseconds: if the counter is ever lost (Redis
        # emptied), a new one still starts above every number already given out.
        cache.add(SEQUENCE_KEY, int(time.time() * 1000), None)
        value = cache.get(SEQUENCE_KEY, 0)
    return value


@receiver(keys_changed, dispatch_uid="newsroom.pagecache.purge")
def purge(sender, keys: Iterable[str], **kwargs) -> None:
    """Every stored page showing one of `keys` is stale from now on."""
    sequence()  # make sure the counter exists
    try:
        number = cache.incr(SEQUENCE_KEY)
    except ValueError:  # lost between the two calls
        number = None
    if number is None:
        logger.warning("Page cache purge not recorded (cache unavailable): %s", sorted(keys))
        return
    # Two purges of one key racing: whichever writes last writes the counter as it is by
    # then, never below the other's number.
    number = max(number, cache.get(SEQUENCE_KEY, 0))
    timeout = settings.PAGE_CACHE_SECONDS + settings.PAGE_CACHE_KEEP_SECONDS + 60
    cache.set_many({GENERATION_PREFIX + key: number for key in keys}, timeout)


def generations(keys: Iterable[str]) -> tuple[int, ...]:
    """The generation of each key (0: never purged), in the order given."""
    keys = list(keys)
    found = cache.get_many([GENERATION_PREFIX + key for key in keys])
    return tuple(found.get(GENERATION_PREFIX + key, 0) for key in keys)


def purged(entry: "Entry", at_sequence: int | None = None) -> bool:
    """Has a purge of one of its keys come after the entry's sequence? (No purge at all
    since, when the sequence now, `at_sequence`, is still the entry's: no round trip.)"""
    if not entry.keys or entry.sequence == at_sequence:
        return False
    generations = cache.get_many([GENERATION_PREFIX + key for key in entry.keys])
    return any(number > entry.sequence for number in generations.values())


# --- when content changes by itself ---------------------------------------------------

_next_change_sources: list[Callable[[datetime.datetime], datetime.datetime | None]] = []


def register_next_change(source: Callable[[datetime.datetime], datetime.datetime | None]):
    """`source(now)` returns the next moment content changes by itself, or None."""
    _next_change_sources.append(source)


def _read_next_change(now: datetime.datetime) -> float | None:
    moments = [moment for source in _next_change_sources if (moment := source(now))]
    return min(moments).timestamp() if moments else None


def next_change(at_sequence: int, found: dict | None = None) -> float | None:
    """The next scheduled change (a Unix time) or None: from the cache while no purge has
    happened since it was read and it has not come; otherwise from the database.
    `at_sequence` must be read before this call (a purge after it reads it again)."""
    kept = (found or {}).get(SCHEDULE_KEY) if found else cache.get(SCHEDULE_KEY)
    if kept is not None:
        read_at, moment = kept
        if read_at == at_sequence and (moment is None or moment > time.time()):
            return moment
    moment = _read_next_change(timezone.now())
    cache.set(SCHEDULE_KEY, (at_sequence, moment), None)
    return moment


def off_unless_shared(*, processes: int) -> bool:
    """Turn the page cache off when several processes serve pages from caches of their own
    (local memory): a purge reaches only the cache of the process that makes it. True if
    it was on and is now off (gunicorn.conf.py says so)."""
    shared = "locmem" not in settings.CACHES["default"]["BACKEND"].lower()
    if processes > 1 and not shared and settings.PAGE_CACHE_SECONDS > 0:
        settings.PAGE_CACHE_SECONDS = 0
        return True
    return False


# --- entries --------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    sequence: int  # the purge sequence before the page was rendered
    keys: tuple[str, ...]  # what it shows (its Surrogate-Key)
    rendered_at: float
    fresh_until: float  # its (jittered) lifetime
    until: float | None  # the next scheduled change: never served after it
    status: int
    headers: tuple[tuple[str, str], ...]
    content: bytes
    etag: str

    def before_schedule(self, now: float) -> bool:
        return self.until is None or now < self.until

    def is_fresh(self, now: float) -> bool:
        return now < self.fresh_until and self.before_schedule(now)

    def is_recent(self, now: float) -> bool:
        """Expired less than PAGE_CACHE_STALE_SECONDS ago: good enough while another
        worker renders the new copy."""
        return now < self.fresh_until + settings.PAGE_CACHE_STALE_SECONDS and (
            self.before_schedule(now)
        )


@dataclass(frozen=True)
class Variants:
    """Stored at a page's key when the page varies on request headers (its `Vary`): each
    variant is stored at variant_key(key, meta) of the request it was rendered for."""

    meta_names: tuple[str, ...]  # as in request.META: ("HTTP_ACCEPT_ENCODING",)

    def variant_key(self, key: str, meta) -> str:
        values = "\n".join(meta.get(name, "") for name in self.meta_names)
        return f"{key}:{hashlib.sha256(values.encode()).hexdigest()[:40]}"


def is_reader_request(method: str, cookies, path_info: str) -> bool:
    """A request that may be answered from, and stored in, the shared cache."""
    if method not in ("GET", "HEAD"):
        return False
    if settings.SESSION_COOKIE_NAME in cookies:
        return False  # possibly staff: never shared, never from the shared cache
    return not path_info.startswith(settings.PAGE_CACHE_EXCLUDED_PREFIXES)


def page_key(path_info: str, query_string: str) -> str:
    query = "&".join(sorted(query_string.split("&")))
    digest = hashlib.sha256(f"{path_info}?{query}".encode()).hexdigest()[:40]
    return f"page:{digest}"


def entry_for(key: str, found: dict, meta) -> Entry | None:
    """The cached page that suits this request (`meta`: request.META), from a get_many
    that asked for `key`; one more round trip for a page that varies."""
    entry = found.get(key)
    if isinstance(entry, Variants):
        return cache.get(entry.variant_key(key, meta))
    return entry


# What makes a request conditional (RFC 9110, section 13.1).
CONDITIONAL_HEADERS = frozenset({
    "HTTP_IF_MATCH", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE",
})  # fmt: skip


def served(request, entry: Entry, hit: str) -> HttpResponse:
    """The response to a request for a cached page: the page, or what its conditional
    headers call for (304, 412), decided by Django's get_conditional_response."""
    response = HttpResponse(entry.content, status=entry.status)
    for name, value in (*entry.headers, *served_headers(entry, hit)):
        response[name] = value
    if CONDITIONAL_HEADERS.isdisjoint(request.META):
        return response
    answer = get_conditional_response(
        request, etag=entry.etag, last_modified=int(entry.rendered_at), response=response
    )
    answer.setdefault("X-Page-Cache", hit)
    return answer


def public_cache_control(until: float | None) -> str:
    """Cache-Control for readers' pages. Proxies keep them SHARED_CACHE_SECONDS (jittered;
    purged by key before that when content changes), browsers HTTP_CACHE_SECONDS (no
    purge reaches a browser: an old headline stays there that long at most). None of
    them past the next scheduled change, stale copies included."""
    shared = int(jittered(settings.SHARED_CACHE_SECONDS))
    browser = settings.HTTP_CACHE_SECONDS
    stale = settings.PAGE_CACHE_STALE_SECONDS
    if_error = settings.PAGE_CACHE_KEEP_SECONDS
    if until is not None:
        remaining = max(0, int(until - time.time()))
        shared, browser = min(shared, remaining), min(browser, remaining)
        # Both stale allowances count from the end of s-maxage.
        stale, if_error = min(stale, remaining - shared), min(if_error, remaining - shared)
    return (
        f"public, max-age={browser}, s-maxage={shared}, stale-while-revalidate={stale}, "
        f"stale-if-error={if_error}"
    )


def lifetime_headers(until: float | None) -> list[tuple[str, str]]:
    """How long the caches downstream may keep a readers' page (`until`: the next scheduled
    change, or None), cached here or not."""
    return [("Cache-Control", public_cache_control(until))]


def served_headers(entry: Entry, hit: str) -> list[tuple[str, str]]:
    """What a page served from the cache carries besides its own stored headers."""
    return [
        ("ETag", entry.etag),
        ("Last-Modified", http_date(entry.rendered_at)),
        ("X-Page-Cache", hit),
        *lifetime_headers(entry.until),
    ]


def _vary(response) -> tuple[str, ...]:
    """The request headers a response varies on, as request.META names them."""
    names = (name.strip() for name in response.get("Vary", "").split(","))
    return tuple(sorted({"HTTP_" + name.upper().replace("-", "_") for name in names if name}))


def _cacheable(response) -> bool:
    # 404 and 410 are cached too: after an unpublish, the crowd gets the 404 from cache.
    if response.status_code not in (200, 301, 404, 410):
        return False
    if response.cookies or response.streaming:
        return False
    if "HTTP_*" in _vary(response):  # different for every request
        return False
    cache_control = response.get("Cache-Control", "")
    if "private" in cache_control or "no-store" in cache_control:
        return False
    return response.get("Content-Type", "").split(";")[0].strip() in CACHEABLE_TYPES


def _to_entry(response, at_sequence: int, until: float | None) -> Entry:
    content = response.content
    headers = tuple(
        (name, value)
        for name, value in response.items()
        if name.lower() not in {"cache-control", "etag", "last-modified", "expires"}
    )
    etag = f'"{hashlib.md5(content, usedforsecurity=False).hexdigest()}"'
    now = time.time()
    return Entry(
        sequence=at_sequence,
        keys=tuple(sorted(surrogate.keys_of(response))),
        rendered_at=now,
        fresh_until=now + jittered(settings.PAGE_CACHE_SECONDS),
        until=until,
        status=response.status_code,
        headers=headers,
        content=content,
        etag=etag,
    )


# --- the middleware -------------------------------------------------------------------


class PageCacheMiddleware:
    """Serve anonymous readers from the shared cache; see the module docstring."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return surrogate.for_client(request, self._answer(request))

    def _answer(self, request):
        if not is_reader_request(request.method, request.COOKIES, request.path_info):
            response = self.get_response(request)
            if settings.SESSION_COOKIE_NAME in request.COOKIES or response.cookies:
                patch_cache_control(response, private=True, no_cache=True)
            return response
        # Nothing before this middleware reads the Host, and a cached page must not be
        # answered for a host we do not serve: Django's check (DisallowedHost, a 400).
        request.get_host()

        if settings.PAGE_CACHE_SECONDS <= 0:
            at_sequence = sequence()
            response = self._render(request)
            return self._respond(request, response, at_sequence)

        key = page_key(request.path_info, request.META.get("QUERY_STRING", ""))
        found = cache.get_many([key, SEQUENCE_KEY, SCHEDULE_KEY])
        at_sequence = sequence(found)
        entry = entry_for(key, found, request.META)
        if entry is not None and purged(entry, at_sequence):
            entry = None  # never served again, not even during an outage
        now = time.time()
        if entry is not None and entry.is_fresh(now):
            return served(request, entry, "hit")
        lock = f"{key}:lock"
        if cache.add(lock, 1, LOCK_SECONDS):
            try:
                return self._render_and_store(request, key, at_sequence, found, entry)
            finally:
                cache.delete(lock)
        if entry is not None and entry.is_recent(now):
            # Only its time ran out, its content did not change: the previous copy is fine
            # while another worker renders the new one.
            return served(request, entry, "stale")
        rendered = self._wait_for(key, at_sequence, request.META)
        if rendered is not None:
            return served(request, rendered, "waited")
        return self._render_and_store(request, key, at_sequence, found, entry)

    # --- helpers ---------------------------------------------------------------------

    def _render(self, request):
        """The view's response, naming what it shows (newsroom/surrogate.py) if a shared
        cache may keep it."""
        with surrogate.collecting() as shown:
            response = self.get_response(request)
        if _cacheable(response):
            surrogate.emit(response, shown)
        return response

    def _render_and_store(self, request, key: str, at_sequence: int, found, kept: Entry | None):
        response = self._render(request)
        if response.status_code >= 500 and kept is not None and kept.before_schedule(time.time()):
            # The database (or something else) is down: the last copy no purge touched is
            # better than an error, for as long as it lasts.
            return served(request, kept, "stale-if-error")
        if not _cacheable(response):
            return self._respond(request, response, at_sequence)
        entry = _to_entry(response, at_sequence, next_change(at_sequence, found))
        stored = settings.PAGE_CACHE_SECONDS + settings.PAGE_CACHE_KEEP_SECONDS
        vary = _vary(response)
        if vary:
            variants = Variants(vary)
            cache.set_many({key: variants, variants.variant_key(key, request.META): entry}, stored)
        else:
            cache.set(key, entry, stored)
        return served(request, entry, "miss")

    @staticmethod
    def _wait_for(key: str, at_sequence: int, meta) -> Entry | None:
        deadline = time.monotonic() + WAIT_FOR_RENDER_SECONDS
        delay = 0.01
        while time.monotonic() < deadline:
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
            entry = entry_for(key, {key: cache.get(key)}, meta)
            if entry is not None and entry.sequence >= at_sequence and not purged(entry):
                return entry
        return None

    @staticmethod
    def _respond(request, response, at_sequence: int):
        """An uncached reader response: still conditional and publicly cacheable if it can be."""
        if _cacheable(response):
            entry = _to_entry(response, at_sequence, next_change(at_sequence))
            response["ETag"] = entry.etag
            if not response.get("Cache-Control"):  # a view that set its own keeps it
                for name, value in lifetime_headers(entry.until):
                    response[name] = value
            response = get_conditional_response(request, etag=entry.etag, response=response)
        return response
