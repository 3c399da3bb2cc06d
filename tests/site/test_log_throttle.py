"""An outage writes a few lines, not a flood (issue 14, item 17).

The database's side — 503s from gunicorn with PostgreSQL stopped — is in
tests/site/test_resilience.py; here Redis going away, and the filter's rules."""

import io
import logging
import re
import time

import pytest

from newsroom import cache as tolerant
from newsroom.logthrottle import ThrottleRepeats
from tests.services import redis_server


@pytest.fixture
def console_log():
    """What the configured console handler (LOGGING in settings) writes, from a clean
    start of its filters."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    for each in handler.filters:
        if hasattr(each, "reset"):
            each.reset()
    written = io.StringIO()
    stream = handler.setStream(written)
    try:
        yield written
    finally:
        handler.setStream(stream)


def records(log: str) -> list[str]:
    """The records in what the console handler wrote: each begins with its time."""
    return re.findall(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ .*$", log, flags=re.MULTILINE)


def test_redis_outage_writes_one_warning_in_full_and_one_line_when_it_is_back(
    console_log, tmp_path, monkeypatch
):
    monkeypatch.setattr(tolerant, "COOL_DOWN_SECONDS", 0.05)
    with redis_server(tmp_path) as redis:
        # Django gives each thread its own cache object: a worker's threads, and more.
        params = {"OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5}}
        threads = [tolerant.TolerantRedisCache(redis.url, params) for _ in range(100)]
        assert threads[0].set("k", "v") is None and threads[0].get("k") == "v"
        redis.stop()
        for each in threads:
            assert each.get("k") is None  # each one trips, and warns
        during = console_log.getvalue()
        assert len(records(during)) == 1  # 100 warnings before (issue 14, item 17)
        assert "WARNING newsroom.cache: Redis unavailable, serving without cache" in during
        assert "Traceback (most recent call last)" in during  # in full, once

        redis.start()  # same port, empty
        time.sleep(0.1)  # past every cool-down: each one's next call reaches Redis
        for each in threads:
            assert each.set("k", "again") is None and each.get("k") == "again"
    back = records(console_log.getvalue()[len(during) :])
    assert len(back) == 1, back
    assert "INFO newsroom.cache: Redis reachable again [after" in back[0]
    assert "100 failures]" in back[0]
    for each in threads:
        each.close()


class Clock:
    """Time that passes only when a test says so: a loaded machine cannot stretch a gap
    between two failures past the interval."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class Kept(logging.Handler):
    """The records a handler with the filter lets through, formatted."""

    def __init__(self, interval: float, clock: Clock):
        super().__init__()
        self.addFilter(ThrottleRepeats(interval=interval, clock=clock))
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def kept(clock):
    logger = logging.getLogger("tests.outage")
    handler = Kept(interval=0.3, clock=clock)
    logger.addHandler(handler)
    logger.propagate = False
    yield logger, handler.lines
    logger.removeHandler(handler)
    logger.propagate = True


def fail(logger, path="/", error=ConnectionError, message="refused"):
    try:
        raise error(message)
    except error:
        logger.error("Service Unavailable: %s", path, exc_info=True)


def test_one_line_per_interval_while_a_failure_lasts_and_one_when_it_ends(kept, clock):
    logger, lines = kept
    for number in range(100):
        fail(logger, f"/story-{number}/")
    assert len(lines) == 1
    assert lines[0].startswith("ERROR tests.outage: Service Unavailable: /story-0/\nTraceback")

    failures = 100
    for _ in range(35):  # the interval passes while it still fails
        clock.sleep(0.01)
        fail(logger, "/later/")
        failures += 1
    assert len(lines) == 2
    assert re.fullmatch(
        r"ERROR tests.outage: Service Unavailable: /later/ \(builtins.ConnectionError: refused\)"
        r" \[still failing after 0 s; (\d+) more like this not logged\]",
        lines[1],
    )

    logger.info("Back", extra={"recovers": (ConnectionError,)})
    logger.info("Back", extra={"recovers": (ConnectionError,)})  # another thread noticed it too
    assert lines[2:] == [f"INFO tests.outage: Back [after 0 s and {failures} failures]"]

    fail(logger)  # a new outage: in full again
    assert len(lines) == 4 and "Traceback" in lines[3]


def test_a_failure_quiet_for_an_interval_is_logged_in_full_again(kept, clock):
    logger, lines = kept
    fail(logger)
    fail(logger)
    clock.sleep(0.35)
    fail(logger)
    assert len(lines) == 2
    assert "Traceback" in lines[1] and "[1 more like this before it went quiet]" in lines[1]


def test_each_kind_of_failure_has_its_own_traceback(kept):
    logger, lines = kept
    for _ in range(5):
        fail(logger)
        fail(logger, error=TimeoutError, message="slow")  # another class
        try:
            raise ConnectionError("refused")  # the same class, raised from another line
        except ConnectionError:
            logger.error("Service Unavailable: %s", "/", exc_info=True)
    assert len(lines) == 3
    assert all("Traceback" in line for line in lines)
    logger.warning("Something to say, without an exception")
    logger.warning("Something to say, without an exception")
    assert lines[3:] == ["WARNING tests.outage: Something to say, without an exception"] * 2


def test_a_recovery_from_nothing_is_not_logged(kept):
    logger, lines = kept
    fail(logger, error=TimeoutError, message="slow")
    logger.info("Redis reachable again", extra={"recovers": (ConnectionRefusedError,)})
    assert len(lines) == 1


def test_a_record_the_filter_cannot_read_is_let_through_not_raised():
    """The formatter reports a broken record; the filter must not raise at the call."""
    throttle = ThrottleRepeats(interval=60)
    try:
        raise ConnectionError("refused")
    except ConnectionError as error:
        failing = logging.LogRecord(
            "tests.outage", logging.ERROR, __file__, 1, "Down", None, (ConnectionError, error, None)
        )
    assert throttle.filter(failing) is True
    broken = logging.LogRecord(
        "tests.outage", logging.INFO, __file__, 1, "Back %s %s", ("one argument short",), None
    )
    broken.recovers = (ConnectionError,)
    assert throttle.filter(broken) is True
