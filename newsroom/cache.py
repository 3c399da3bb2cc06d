"""A Redis cache backend that degrades to "no cache" instead of failing requests.

Django's RedisCache raises ConnectionError on every call while Redis is down, which would
turn a cache outage into a site outage. This backend logs the first failure, then skips
Redis for a short cool-down (so each request does not wait for a connect timeout), and
answers as an empty cache would: reads miss, writes are dropped. The first call that works
again logs that Redis is back. Each thread has its own cache object, so many of them warn
about one outage: newsroom.logthrottle keeps that to a line per minute and one recovery.
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

COOL_DOWN_SECONDS = 2.0


class CacheUnavailable(Exception):
    """Redis did not answer (used by the health check)."""


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django builds a new redis.Redis object for every cache call, which costs more than
    the network round trip on a cached page. One client per connection pool is enough: the
    client is thread-safe and the pool does the connection handling."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[bool, object] = {}

    def get_client(self, key=None, *, write=False):
        client = self._clients.get(write)
        if client is None:
            client = self._clients[write] = super().get_client(key, write=write)
        return client


class TolerantRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        self._down_until = 0.0
        self._failing = False  # tripped since the last call that worked
        self._lock = threading.Lock()

    # --- circuit breaker ---------------------------------------------------------------

    def _available(self) -> bool:
        return time.monotonic() >= self._down_until

    def _trip(self, exc: Exception) -> None:
        with self._lock:
            first = self._available()
            self._down_until = time.monotonic() + COOL_DOWN_SECONDS
            self._failing = True
        if first:
            logger.warning("Redis unavailable, serving without cache: %s", exc, exc_info=exc)

    def _recovered(self) -> None:
        self._failing = False
        logger.info("Redis reachable again", extra={"recovers": RedisError})

    def _call(self, method: str, default, *args, **kwargs):
        if not self._available():
            return default
        try:
            result = getattr(super(), method)(*args, **kwargs)
        except RedisError as exc:
            self._trip(exc)
            return default
        if self._failing:
            self._recovered()
        return result

    def ping(self) -> None:
        """Raise CacheUnavailable unless Redis answers now (ignores the cool-down)."""
        try:
            self._cache.get_client(write=True).ping()
        except RedisError as exc:
            self._trip(exc)
            raise CacheUnavailable(str(exc)) from exc
        if self._failing:
            self._recovered()

    def validate_key(self, key):
        """Django warns about keys memcached would refuse (per character, per key); Redis
        takes any key, and a page-cache hit checks dozens of surrogate keys at once."""

    # --- the cache API, each call tolerant ---------------------------------------------

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        # Unreachable, Redis cannot hold anyone's lock either: report success, so a caller
        # using add() as a lock (the page cache) goes ahead instead of waiting for nobody.
        return self._call("add", True, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._call("set", None, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, key, version)

    def incr(self, key, delta=1, version=None):
        # A missing key raises ValueError in Django's API; an unreachable Redis must not
        # look like a missing key, so the caller sees None and decides.
        return self._call("incr", None, key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, keys, version)

    def clear(self):
        return self._call("clear", False)
