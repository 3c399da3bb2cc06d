"""`/healthz`: is this instance able to serve? Cheap, never cached."""

import logging

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connections
from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_safe

from newsroom import storage

logger = logging.getLogger(__name__)


def check_database() -> None:
    # A fresh connection, not the request's: a persistent connection that is still open
    # would stay green while PostgreSQL refuses new clients.
    connection = connections.create_connection("default")
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        connection.close()


def check_cache() -> None:
    ping = getattr(cache, "ping", None)
    if ping is not None:
        ping()
        return
    cache.set("healthz", "ok", 5)
    if cache.get("healthz") != "ok":
        raise RuntimeError("cache did not return what was stored")


def check_media() -> None:
    # A write, read and delete: a full disk, a read-only folder or an unreachable bucket
    # all fail here, as they would fail the next upload.
    storage.check_writable(default_storage)


CHECKS = {"database": check_database, "cache": check_cache, "media": check_media}
# Readers' pages need only media URLs, never a write: media that cannot be written is
# reported ("degraded", for alerting) without taking the node out of the load balancer,
# which would stop the reading for an upload problem (docs/decisions.md).
SERVING_NEEDS = {"database", "cache"}


@require_safe
def healthz(request):
    results = {}
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # Any failure of a part means "not healthy"; say which.
            logger.warning("Health check %s failed: %s", name, exc)
            results[name] = "unavailable"
        else:
            results[name] = "ok"
    serving = all(results[name] == "ok" for name in SERVING_NEEDS)
    if not serving:
        status = "unavailable"
    elif all(result == "ok" for result in results.values()):
        status = "ok"
    else:
        status = "degraded"
    response = JsonResponse({"status": status, "checks": results}, status=200 if serving else 503)
    add_never_cache_headers(response)
    return response
