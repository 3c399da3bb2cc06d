"""The anonymous page cache: whole responses for readers, never stale.

How staleness is ruled out
  * `ContentVersion` (one database row) is bumped after every committed change readers
    could see (models register with `watch()`); a cached page records the version it was
    rendered at and any other version means stale.
  * The row also holds `next_change_at`: the next moment content changes by itself (a
    scheduled article going live, a front-page slot or banner expiring, photo rights
    lapsing). The first request after that moment bumps the version, so a scheduled
    article appears on every page at its time although nobody touched anything.
  * With Redis (shared by all workers) the version is mirrored there, so a cache hit costs
    one Redis round trip and no SQL. With the local-memory cache each process would have
    its own copy of the version, so it is read from the database instead (one query).
    The mirror lives STATE_MIRROR_SECONDS. If Redis is unreachable at the moment of a bump
    but keeps its data, the old mirror can outlive the change until that expiry: the one
    bounded window of staleness, and only while Redis is failing.

How a page that varies is kept apart
  * A response with `Vary` (GZipMiddleware adds `Vary: Accept-Encoding`) is stored per
    variant: the page's key holds `Variants` (the request headers it varies on) and each
    variant sits under a key made from those headers' values, as Django's own cache
    middleware does. Such a page costs a second round trip; a page that does not vary,
    one. `Vary: *` is never stored.

Conditional requests are answered by Django's `get_conditional_response` (weak ETags,
`If-Modified-Since`), on this path and on the fast path alike.

How a stampede is ruled out
  * One worker renders a missing or stale page (it holds a short lock in the cache); the
    others serve the previous copy while it only outlived its time-to-live, or wait briefly
    for the new one when content changed, and render themselves only if it does not come.
"""

import datetime
import hashlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date

from newsroom import replicas, surrogate

logger = logging.getLogger(__name__)

STATE_KEY = "pagecache:state"
STATE_MIRROR_SECONDS = 30
LOCK_SECONDS = 10
WAIT_FOR_RENDER_SECONDS = 2.0
CACHEABLE_TYPES = ("text/html", "application/rss+xml", "application/atom+xml", "application/xml",
                   "text/xml", "text/plain", "application/json")  # fmt: skip


@dataclass(frozen=True)
class State:
    version: int
    next_change_at: float | None  # a Unix time, or None when nothing is due


# --- when content changes -------------------------------------------------------------

_next_change_sources: list[Callable[[datetime.datetime], datetime.datetime | None]] = []


def register_next_change(source: Callable[[datetime.datetime], datetime.datetime | None]):
    """`source(now)` returns the next moment content changes by itself, or None."""
    _next_change_sources.append(source)


def _next_change_at(now: datetime.datetime) -> float | None:
    moments = [moment for source in _next_change_sources if (moment := source(now))]
    return min(moments).timestamp() if moments else None


def _bump(*, only_from: int | None = None) -> State | None:
    """Advance the version and recompute the next change; mirror it to the cache."""
    from newsroom.models import ContentVersion

    now = timezone.now()
    next_change = _next_change_at(now)
    rows = ContentVersion.objects.filter(pk=1)
    if only_from is not None:
        rows = rows.filter(version=only_from)
    updated = rows.update(
        version=F("version") + 1,
        changed_at=now,
        next_change_at=(
            datetime.datetime.fromtimestamp(next_change, tz=datetime.UTC) if next_change else None
        ),
    )
    if not updated and only_from is None:
        ContentVersion.objects.get_or_create(pk=1)
        return _bump()
    state = _load()
    cache.set(STATE_KEY, state, STATE_MIRROR_SECONDS)
    return state


def content_changed() -> None:
    """Every page rendered before now is stale once the current transaction commits.

    Bumping after commit (not before) means a page rendered in between shows the new
    content under the old version: at worst rendered twice, never stale. A transaction that
    changes many rows registers many callbacks; the first one to run bumps for all of them.
    """
    connection = transaction.get_connection()
    connection.pagecache_changes = getattr(connection, "pagecache_changes", 0) + 1
    ticket = connection.pagecache_changes

    def bump_once():
        if getattr(connection, "pagecache_bumped_upto", 0) >= ticket:
            return  # an earlier callback of the same commit already bumped
        connection.pagecache_bumped_upto = connection.pagecache_changes
        # Readers may read from replicas: the new version is announced only once none in
        # rotation is behind this commit, or a page rendered from a lagging one would be
        # stored under it (newsroom/replicas.py). Without replicas this returns at once.
        replicas.wait_for_replicas(replicas.primary_position())
        _bump()

    transaction.on_commit(bump_once, robust=True)


def watch(model, *, when: Callable | None = None) -> None:
    """Bump the content version whenever `model` is saved or deleted (or its many-to-many
    relations change), if `when(instance)` says readers could see the instance."""

    def receiver(sender, instance, **kwargs):
        # From the other side of a many-to-many relation `instance` is another model.
        if when is None or kwargs.get("reverse") or when(instance):
            content_changed()

    label = model._meta.label
    for signal in (post_save, post_delete):
        signal.connect(
            receiver, sender=model, weak=False, dispatch_uid=f"pagecache-{label}-{signal}"
        )
    for field in model._meta.many_to_many:
        through = getattr(field.remote_field, "through", None)
        if through is not None and through._meta.auto_created:
            m2m_changed.connect(
                receiver,
                sender=through,
                weak=False,
                dispatch_uid=f"pagecache-{through._meta.label}",
            )


# --- reading the version --------------------------------------------------------------


def _load() -> State:
    from newsroom.models import ContentVersion

    row, _ = ContentVersion.objects.get_or_create(pk=1)
    next_change = row.next_change_at.timestamp() if row.next_change_at else None
    return State(version=row.version, next_change_at=next_change)


def _version_in_cache() -> bool:
    return settings.PAGE_CACHE_SHARED_VERSION


def current_state(*, mirrored: State | None = None) -> State:
    """The content version now, advancing it if a scheduled change has come due."""
    if _version_in_cache():
        state = mirrored or cache.get(STATE_KEY)
        if state is None:
            state = _load()
            cache.add(STATE_KEY, state, STATE_MIRROR_SECONDS)
    else:
        state = _load()
    if is_due(state):
        # Something scheduled is due: one request moves the version on for everybody.
        state = _bump(only_from=state.version) or _load()
        cache.set(STATE_KEY, state, STATE_MIRROR_SECONDS)
    return state


def is_due(state: State) -> bool:
    """A scheduled change has come: every page rendered at this version is stale."""
    return state.next_change_at is not None and time.time() >= state.next_change_at


def seconds_until_next_change(state: State) -> float | None:
    if state.next_change_at is None:
        return None
    return max(0.0, state.next_change_at - time.time())


# --- the middleware -------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    version: int
    rendered_at: float
    status: int
    headers: tuple[tuple[str, str], ...]
    content: bytes
    etag: str


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


def lookup(key: str) -> dict:
    """The cached page under `key` and, with a shared version, the mirrored state, in one
    round trip: {STATE_KEY: State, key: Entry}, either missing when not cached."""
    return cache.get_many([STATE_KEY, key]) if _version_in_cache() else {key: cache.get(key)}


def entry_for(key: str, found: dict, meta) -> Entry | None:
    """The cached page that suits this request (`meta`: WSGI environ or request.META),
    from what lookup() found; one more round trip for a page that varies."""
    entry = found.get(key)
    if isinstance(entry, Variants):
        return cache.get(entry.variant_key(key, meta))
    return entry


def is_fresh(entry: Entry | None, state: State) -> bool:
    """Rendered at the current content version and within PAGE_CACHE_SECONDS."""
    return (
        entry is not None
        and entry.version == state.version
        and time.time() - entry.rendered_at < settings.PAGE_CACHE_SECONDS
    )


# What makes a request conditional (RFC 9110, section 13.1).
CONDITIONAL_HEADERS = frozenset({
    "HTTP_IF_MATCH", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE",
})  # fmt: skip


def served(request, entry: Entry, state: State, hit: str) -> HttpResponse:
    """The response to a request for a cached page: the page, or what its conditional
    headers call for (304, 412), decided by Django's get_conditional_response."""
    response = HttpResponse(entry.content, status=entry.status)
    for name, value in (*entry.headers, *served_headers(entry, state, hit)):
        response[name] = value
    if CONDITIONAL_HEADERS.isdisjoint(request.META):
        return response
    answer = get_conditional_response(
        request, etag=entry.etag, last_modified=int(entry.rendered_at), response=response
    )
    answer.setdefault("X-Page-Cache", hit)
    return answer


def public_cache_control(state: State | None) -> str:
    """Cache-Control for readers' pages: browsers, proxies and CDNs may keep them briefly
    (we cannot invalidate them), never past the next scheduled change."""
    max_age = settings.HTTP_CACHE_SECONDS
    if state is not None:
        remaining = seconds_until_next_change(state)
        if remaining is not None:
            max_age = min(max_age, int(remaining))
    stale = settings.PAGE_CACHE_STALE_SECONDS if max_age else 0
    return f"public, max-age={max_age}, s-maxage={max_age}, stale-while-revalidate={stale}"


def served_headers(entry: Entry, state: State, hit: str) -> list[tuple[str, str]]:
    """What a page served from the cache carries besides its own stored headers."""
    return [
        ("ETag", entry.etag),
        ("Last-Modified", http_date(entry.rendered_at)),
        ("X-Page-Cache", hit),
        ("Cache-Control", public_cache_control(state)),
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


def _to_entry(response, version: int) -> Entry:
    content = response.content
    headers = tuple(
        (name, value)
        for name, value in response.items()
        if name.lower() not in {"cache-control", "etag", "last-modified", "expires"}
    )
    etag = f'"{hashlib.md5(content, usedforsecurity=False).hexdigest()}"'
    return Entry(version, time.time(), response.status_code, headers, content, etag)


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

        if settings.PAGE_CACHE_SECONDS <= 0:
            return self._respond(request, self._render(request), None)

        key = page_key(request.path_info, request.META.get("QUERY_STRING", ""))
        found = lookup(key)
        state = current_state(mirrored=found.get(STATE_KEY))
        request.content_state = state  # for the views, so they need not look again
        entry = entry_for(key, found, request.META)

        if is_fresh(entry, state):
            return served(request, entry, state, "hit")
        lock = f"{key}:lock"
        if cache.add(lock, 1, LOCK_SECONDS):
            try:
                return self._render_and_store(request, key, state)
            finally:
                cache.delete(lock)
        if entry is not None and entry.version == state.version:
            # Only its time ran out, the content did not change: the previous copy is fine
            # while another worker renders the new one.
            return served(request, entry, state, "stale")
        rendered = self._wait_for(key, state.version, request.META)
        if rendered is not None:
            return served(request, rendered, state, "waited")
        return self._render_and_store(request, key, state)

    # --- helpers ---------------------------------------------------------------------

    def _render(self, request):
        """The view's response, naming what it shows (newsroom/surrogate.py) if a shared
        cache may keep it."""
        with surrogate.collecting() as shown:
            response = self.get_response(request)
        if _cacheable(response):
            surrogate.emit(response, shown)
        return response

    def _render_and_store(self, request, key: str, state: State):
        response = self._render(request)
        if not _cacheable(response):
            return self._respond(request, response, state)
        entry = _to_entry(response, state.version)
        kept = settings.PAGE_CACHE_SECONDS + settings.PAGE_CACHE_STALE_SECONDS
        vary = _vary(response)
        if vary:
            variants = Variants(vary)
            cache.set_many({key: variants, variants.variant_key(key, request.META): entry}, kept)
        else:
            cache.set(key, entry, kept)
        return served(request, entry, state, "miss")

    @staticmethod
    def _wait_for(key: str, version: int, meta) -> Entry | None:
        deadline = time.monotonic() + WAIT_FOR_RENDER_SECONDS
        delay = 0.01
        while time.monotonic() < deadline:
            time.sleep(delay)
            delay = min(delay * 2, 0.2)
            entry = entry_for(key, {key: cache.get(key)}, meta)
            if entry is not None and entry.version == version:
                return entry
        return None

    @staticmethod
    def _respond(request, response, state: State | None):
        """An uncached reader response: still conditional and publicly cacheable if it can be."""
        if _cacheable(response):
            entry = _to_entry(response, state.version if state else 0)
            response["ETag"] = entry.etag
            if not response.get("Cache-Control"):  # a view that set its own keeps it
                response["Cache-Control"] = public_cache_control(state)
            response = get_conditional_response(request, etag=entry.etag, response=response)
        return response
