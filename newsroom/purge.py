"""Purging the HTTP proxies in front (Varnish, deploy/varnish/default.vcl) by surrogate key.

A committed change sends ``keys_changed`` (newsroom/invalidation.py) with the keys it
affects; this module hands them to the task queue after the commit, and the task sends one
``PURGE`` with an ``xkey-purge`` header to every proxy in ``CACHE_PROXIES``. The VCL
removes every copy indexed under those keys (a hard purge: docs/decisions.md, "Varnish").
Nothing configured, nothing sent.

With read replicas, the task first waits until every replica has replayed the change (or
is held out of readers' rotation until it has, newsroom/replicas.py): otherwise a reader
could make the proxy fetch the page again from a replica still showing the old version,
and the purged copy would come straight back, stale.

A proxy that does not answer is tried again a few times within the task, then the task
fails (raises) naming it, so the queue records the failure (and retries it where the
backend retries). Purging is idempotent: a retry that purges the proxies that had already
answered costs them nothing but a lookup.
"""

import http.client
import logging
import time
import urllib.parse

from django.conf import settings
from django.dispatch import receiver
from django_tasks import task

from newsroom import replicas
from newsroom.background import enqueue_after_commit
from newsroom.invalidation import keys_changed

logger = logging.getLogger(__name__)

# Varnish refuses request headers over 8 KB (http_req_hdr_len): longer lists go in batches.
HEADER_BUDGET = 4000
ATTEMPTS = 3  # per proxy, within one run of the task
RETRY_DELAYS = (0.2, 1.0)  # seconds before the second and third attempts
TIMEOUT = 5.0


class PurgeFailed(Exception):
    """Some proxies could not be purged; their copies of the changed pages remain."""


@receiver(keys_changed, dispatch_uid="newsroom.purge")
def purge_after_change(sender, *, keys, **kwargs):
    if settings.CACHE_PROXIES and keys:
        # keys_changed is sent after the commit: the position includes the change.
        enqueue_after_commit(purge_proxies, sorted(keys), position=replicas.primary_position())


@task()
def purge_proxies(keys: list[str], position: str | None = None) -> dict[str, int]:
    """Purge `keys` from every proxy in CACHE_PROXIES, once the replicas have replayed the
    primary's WAL `position`; how many copies each proxy dropped."""
    replicas.wait_for_replicas(position)
    purged, failures = {}, []
    for proxy in settings.CACHE_PROXIES:
        try:
            purged[proxy] = _purge_with_retries(proxy, keys)
        except (OSError, http.client.HTTPException, PurgeFailed) as exc:
            failures.append(f"{proxy}: {exc}")
    if failures:
        raise PurgeFailed(f"could not purge {len(keys)} keys from " + "; ".join(failures))
    return purged


def _purge_with_retries(proxy: str, keys: list[str]) -> int:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return sum(send_purge(proxy, batch) for batch in batches(keys))
        except (OSError, http.client.HTTPException, PurgeFailed) as exc:
            if attempt == ATTEMPTS:
                raise
            logger.warning("Purging %s failed (attempt %d), retrying: %s", proxy, attempt, exc)
            time.sleep(RETRY_DELAYS[attempt - 1])


def batches(keys: list[str]) -> list[str]:
    """The keys as space-separated header values, each within HEADER_BUDGET."""
    out, current = [], ""
    for key in keys:
        if current and len(current) + 1 + len(key) > HEADER_BUDGET:
            out.append(current)
            current = ""
        current = f"{current} {key}" if current else key
    return [*out, current] if current else out


def send_purge(proxy: str, keys: str) -> int:
    """One PURGE of `keys` (space-separated) to `proxy`; how many copies it dropped."""
    parts = urllib.parse.urlsplit(proxy)
    connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=TIMEOUT)
    try:
        connection.request("PURGE", "/", headers={"xkey-purge": keys})
        response = connection.getresponse()
        response.read()
    finally:
        connection.close()
    if response.status != 200:
        raise PurgeFailed(f"answered {response.status} {response.reason}")
    return int(response.headers.get("X-Purged") or 0)
