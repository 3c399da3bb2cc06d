"""Read replicas: readers' reads on PostgreSQL streaming replicas, the desk on the primary,
and no page rendered from a replica that has not replayed a change yet.

Where reads go (`ReplicaRouter`, `ReplicaMiddleware`)
  * A reader's request — what the page cache calls one (`pagecache.is_reader_request`: GET
    or HEAD, no session cookie, not under /admin/ or /preview/) — reads from one replica
    in rotation, chosen when it first reads. Everything else reads from the primary: the
    desk and anyone signed in (so a person who just saved reads their own write, on every
    later page too), previews, every POST, management commands, tasks, and any read inside
    a transaction (select_for_update included). Every write goes to the primary, and
    migrations run there only.
  * A replica that cannot be reached, or whose connection fails under a query, is out of
    this process's rotation for REPLICA_RETRY_SECONDS; the page is answered from the
    primary (a reader's request whose replica failed half-way is answered again).

A change and the caches (`primary_position`, `wait_for_replicas`)
  A replica replays the primary's changes a little later. A page rendered from it just
  after a publish shows the old story; if a cache stores that page after it was told of
  the change (a purge, a new content version), the old story stays until the copy expires.
  So whoever tells a cache about a change first captures the primary's position after the
  commit and waits until every replica has replayed past it:

      position = replicas.primary_position()      # after the commit
      waited = replicas.wait_for_replicas(position)
      purge(...)                                  # now no replica in rotation is older

  A replica still behind after REPLICA_WAIT_SECONDS (or unreachable, or already held for
  an earlier change) is held: a row in `ReplicaHold` on the primary takes it out of every
  process's rotation until it has replayed that position. Before a reader's read, a
  process whose copy of the holds is older than HOLD_REFRESH_SECONDS reads them again, and
  wait_for_replicas returns only that long after holding, so when it returns no process
  will start reading from a held replica.

With no replica configured none of this runs: no router, no middleware, and
primary_position() returns None without a query.
"""

import contextlib
import logging
import random
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connections
from django.db.models import F, Value
from django.db.models.functions import Greatest

from newsroom import pagecache

logger = logging.getLogger(__name__)

PRIMARY = DEFAULT_DB_ALIAS
# How stale a process's copy of the holds may be; wait_for_replicas sleeps this long after
# holding a replica, so that every process has seen the hold when it returns.
HOLD_REFRESH_SECONDS = 1.0


def replica_aliases() -> tuple[str, ...]:
    """The database aliases of the read replicas (settings.DATABASE_REPLICAS)."""
    return tuple(settings.DATABASE_REPLICAS)


def lsn(position: str) -> int:
    """A WAL position as PostgreSQL writes it ('16/B374D848') as a number."""
    high, low = position.split("/")
    return (int(high, 16) << 32) | int(low, 16)


# --- the lag-safe handover to caches --------------------------------------------------


@dataclass(frozen=True)
class Waited:
    """What wait_for_replicas found: the replicas that replayed the position in time, and
    those now held out of readers' rotation until they do."""

    caught_up: tuple[str, ...]
    held: tuple[str, ...]


def primary_position() -> str | None:
    """The primary's WAL position now ('0/3000148'), or None without replicas.

    Call it after the commit (in an on_commit callback, a keys_changed receiver or a task),
    never inside a transaction: the commit would not be included."""
    primary = connections[PRIMARY]
    if not replica_aliases() or primary.vendor != "postgresql":
        # (Only tests put a replica's alias on SQLite: the same file, nothing to wait for.)
        return None
    if primary.in_atomic_block:
        raise RuntimeError("primary_position() inside a transaction misses its commit.")
    with primary.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return cursor.fetchone()[0]


def wait_for_replicas(position: str | None, *, timeout: float | None = None) -> Waited:
    """Return once every replica has replayed `position` (from primary_position()), or is
    held out of readers' rotation until it has; at most `timeout` seconds
    (REPLICA_WAIT_SECONDS) plus HOLD_REFRESH_SECONDS. A replica that is unreachable, or
    already held for an earlier change, is held at once: no waiting for one known to be
    behind. None (no replicas) returns at once."""
    if position is None or not replica_aliases():
        return Waited((), ())
    if connections[PRIMARY].in_atomic_block:
        # A hold written in a transaction would reach other processes only at its commit.
        raise RuntimeError("wait_for_replicas() inside a transaction cannot hold a replica.")
    from newsroom.models import ReplicaHold

    target = lsn(position)
    wait = settings.REPLICA_WAIT_SECONDS if timeout is None else timeout
    deadline = time.monotonic() + wait
    already_held = set(ReplicaHold.objects.using(PRIMARY).values_list("alias", flat=True))
    pending, caught_up, held = list(replica_aliases()), [], []
    delay = 0.005
    while pending:
        for alias in list(pending):
            replayed = _replayed(alias)
            if replayed is not None and replayed >= target:
                pending.remove(alias)
                caught_up.append(alias)
            elif replayed is None or alias in already_held:
                pending.remove(alias)
                held.append(alias)
        remaining = deadline - time.monotonic()
        if not pending or remaining <= 0:
            break
        time.sleep(min(delay, remaining))
        delay = min(delay * 2, 0.1)
    held += pending
    for alias in held:
        _hold(alias, target)
    if held:
        logger.warning("Replicas %s held out of rotation until they replay %s", held, position)
        time.sleep(HOLD_REFRESH_SECONDS)  # every process re-reads the holds meanwhile
    return Waited(tuple(caught_up), tuple(held))


def _replayed(alias: str) -> int | None:
    """How far the replica has replayed, or None when it cannot say (unreachable).

    A server that is not in recovery is a primary, complete up to its own position: the
    primary itself under another alias (as tests mirror it)."""
    if rotation.failing(alias):
        return None  # not again before REPLICA_RETRY_SECONDS: a connect can take seconds
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()"
                " ELSE pg_current_wal_lsn() END)::text"
            )
            found = cursor.fetchone()[0]
    except DatabaseError as exc:
        rotation.fail(alias, exc)
        _close(alias)
        return None
    # NULL: a standby that has replayed nothing yet (still restoring its base backup).
    return lsn(found) if found else None


def _hold(alias: str, target: int) -> None:
    from newsroom.models import ReplicaHold

    # Greatest: a slower wait for an older position never shortens a newer hold.
    ReplicaHold.objects.using(PRIMARY).update_or_create(
        alias=alias,
        create_defaults={"position": target},
        defaults={"position": Greatest(F("position"), Value(target))},
    )
    rotation.holds = {**rotation.holds, alias: max(target, rotation.holds.get(alias, 0))}


# --- which replicas readers may use -----------------------------------------------------


class Rotation:
    """This process's view of the replicas readers may use: those not failing here
    (REPLICA_RETRY_SECONDS after a failure) and not held (ReplicaHold, re-read at least
    once a HOLD_REFRESH_SECONDS)."""

    def __init__(self):
        self.failed_until: dict[str, float] = {}
        self.holds: dict[str, int] = {}
        self.holds_read_at = float("-inf")
        self._lock = threading.Lock()

    def available(self) -> list[str]:
        self._refresh_holds()
        return [
            alias
            for alias in replica_aliases()
            if alias not in self.holds and not self.failing(alias)
        ]

    def fail(self, alias: str, exc: Exception) -> None:
        if self.failed_until.get(alias, 0) <= time.monotonic():
            logger.warning(
                "Replica %s out of rotation for %s s: %s",
                alias,
                settings.REPLICA_RETRY_SECONDS,
                str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__,
            )
        self.failed_until[alias] = time.monotonic() + settings.REPLICA_RETRY_SECONDS

    def failing(self, alias: str) -> bool:
        return self.failed_until.get(alias, 0) > time.monotonic()

    def forget(self) -> None:
        """Start again: no failures, holds read again on the next read (for tests)."""
        self.failed_until.clear()
        self.holds = {}
        self.holds_read_at = float("-inf")

    def _refresh_holds(self) -> None:
        if time.monotonic() - self.holds_read_at < HOLD_REFRESH_SECONDS:
            return
        with self._lock:
            started = time.monotonic()
            if started - self.holds_read_at < HOLD_REFRESH_SECONDS:
                return  # another thread read them while this one waited
            from newsroom.models import ReplicaHold

            holds = dict(ReplicaHold.objects.using(PRIMARY).values_list("alias", "position"))
            for alias, position in list(holds.items()):
                if alias not in replica_aliases():
                    del holds[alias]
                    continue
                replayed = _replayed(alias)
                if replayed is not None and replayed >= position:
                    # Caught up: back in rotation for everyone (a newer hold stays).
                    ReplicaHold.objects.using(PRIMARY).filter(
                        alias=alias, position__lte=replayed
                    ).delete()
                    del holds[alias]
                    logger.info("Replica %s replayed past its hold: back in rotation", alias)
            self.holds = holds
            # When the read started, not ended: a hold written meanwhile may be missing.
            self.holds_read_at = started


rotation = Rotation()


def _usable(alias: str) -> bool:
    """Whether the replica answers now (a fresh or health-checked connection)."""
    connection = connections[alias]
    try:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except DatabaseError as exc:
        rotation.fail(alias, exc)
        _close(alias)
        return False
    return True


def _close(alias: str) -> None:
    # A broken connection would otherwise be reused by this thread's next question.
    with contextlib.suppress(DatabaseError):
        connections[alias].close()


# --- the request and the router -------------------------------------------------------


class ReaderReads:
    """A reader's request: the replica it reads from, chosen at its first read."""

    def __init__(self):
        self.alias: str | None = None
        self.failed = False

    def database(self) -> str:
        if self.alias is None:
            candidates = rotation.available()
            random.shuffle(candidates)
            self.alias = next((alias for alias in candidates if _usable(alias)), PRIMARY)
        return self.alias


_reader: ContextVar[ReaderReads | None] = ContextVar("newsroom_reader_reads", default=None)


class ReplicaRouter:
    """Readers' reads to a replica in rotation, everything else to the primary."""

    def db_for_read(self, model, **hints):
        reads = _reader.get()
        if reads is None or connections[PRIMARY].in_atomic_block:
            return PRIMARY
        return reads.database()

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True  # every alias holds the same data

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY  # replicas get the schema by replaying the primary


class ReplicaMiddleware:
    """Marks readers' requests, whose reads the router may send to a replica (placed after
    PageCacheMiddleware, whose content version is read from the primary)."""

    def __init__(self, get_response):
        if not replica_aliases():
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        if not pagecache.is_reader_request(request.method, request.COOKIES, request.path_info):
            return self.get_response(request)
        reads = ReaderReads()
        token = _reader.set(reads)
        try:
            with contextlib.ExitStack() as watching:
                for alias in replica_aliases():
                    watching.enter_context(
                        connections[alias].execute_wrapper(_FailureWatch(alias, reads))
                    )
                response = self.get_response(request)
        finally:
            _reader.reset(token)
        if reads.failed and response.status_code >= 500:
            # Its replica failed under it and is out of rotation now: ask the primary. A
            # reader's request is a GET or HEAD, which may be answered twice.
            response = self.get_response(request)
        return response


class _FailureWatch:
    """An execute wrapper: a replica whose query fails is taken out of rotation."""

    def __init__(self, alias: str, reads: ReaderReads):
        self.alias = alias
        self.reads = reads

    def __call__(self, execute, sql, params, many, context):
        try:
            return execute(sql, params, many, context)
        except (OperationalError, InterfaceError) as exc:
            self.reads.failed = True
            rotation.fail(self.alias, exc)
            raise
