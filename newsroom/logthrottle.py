"""A logging filter that keeps an outage from flooding the log.

While PostgreSQL is down every reader's request fails the same way, and Django's
`django.request` logger writes each 503 with its chained tracebacks (about 6 KB; 28 MB in
10 s at 2,500 requests a second). While Redis is down every thread's cache trips its own
circuit breaker and warns. The log needs to say what failed, once in full, how long it
lasted and when it ended, not to repeat it.

`ThrottleRepeats` sits on the log handler (LOGGING in settings), so it sees the records of
every logger in the process. For each kind of failure — a record with an exception, kinds
told apart by logger, message, exception class and the line that raised it — it lets
through:

- the first record, with its traceback;
- then one line per interval while the failure lasts, without the traceback, counting the
  records held back since the last line;
- the first record again in full once a kind has been quiet for a whole interval.

A record logged with `extra={"recovers": (SomeError, ...)}` ends every kind whose exception
is one of those classes, and passes once with how long the failure lasted; when nothing of
that kind was failing it is dropped, so many threads noticing the same recovery write one
line. Records without an exception pass untouched.

The counts are per process: each gunicorn worker writes its own lines.
"""

import logging
import threading
import time
from dataclasses import dataclass


@dataclass
class _Run:
    """One kind of failure while it lasts."""

    exc_type: type
    started_at: float
    last_at: float  # the latest record of this kind
    line_at: float  # the latest record let through
    held: int = 0  # held back since the latest line
    total: int = 1


class ThrottleRepeats(logging.Filter):
    def __init__(self, interval: float = 60.0, max_kinds: int = 1000, clock=time.monotonic):
        super().__init__()
        self.interval = interval
        self.clock = clock  # tests pass their own, so a busy machine cannot change a result
        self.max_kinds = max_kinds  # a bound on memory, however many distinct failures
        self._runs: dict[tuple, _Run] = {}
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        recovers = getattr(record, "recovers", None)
        if recovers is None and (not record.exc_info or record.exc_info[1] is None):
            return True
        try:
            if recovers is not None:
                return self._recovered(record, recovers)
            return self._failed(record)
        except Exception:  # logging must never break the code that logs
            return True

    def reset(self) -> None:
        """Forget every failure in progress (for tests)."""
        with self._lock:
            self._runs.clear()

    # ---------------------------------------------------------------------------------

    def _failed(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1]
        kind = (record.name, str(record.msg), type(exc), _raised_at(exc))
        now = self.clock()
        with self._lock:
            run = self._runs.get(kind)
            if run is None or now - run.last_at >= self.interval:
                if run is None and len(self._runs) >= self.max_kinds:
                    self._runs.clear()
                held_before = run.held if run else 0
                self._runs[kind] = _Run(type(exc), started_at=now, last_at=now, line_at=now)
                if held_before:
                    _append(record, f"[{held_before} more like this before it went quiet]")
                return True  # the first of a run: in full, traceback included
            run.last_at = now
            run.total += 1
            if now - run.line_at < self.interval:
                run.held += 1
                return False
            held, run.held, run.line_at = run.held, 0, now
            since = now - run.started_at
        _strip_traceback(record, exc)
        _append(record, f"[still failing after {since:.0f} s; {held} more like this not logged]")
        return True

    def _recovered(self, record: logging.LogRecord, recovers) -> bool:
        now = self.clock()
        with self._lock:
            ended = [kind for kind, run in self._runs.items() if issubclass(run.exc_type, recovers)]
            if not ended:
                return False
            runs = [self._runs.pop(kind) for kind in ended]
        lasted = now - min(run.started_at for run in runs)
        failures = sum(run.total for run in runs)
        _append(record, f"[after {lasted:.0f} s and {failures} failures]")
        return True


def _raised_at(exc: BaseException) -> tuple[str, int] | None:
    """The file and line where the exception was raised: the same error from two places in
    the code is two kinds of failure."""
    tb = exc.__traceback__
    if tb is None:
        return None
    while tb.tb_next is not None:
        tb = tb.tb_next
    return (tb.tb_frame.f_code.co_filename, tb.tb_lineno)


def _strip_traceback(record: logging.LogRecord, exc: BaseException) -> None:
    """Keep the failure on one line: its class and message instead of the traceback."""
    _append(record, f"({type(exc).__module__}.{type(exc).__qualname__}: {exc})".replace("\n", " "))
    record.exc_info = None
    record.exc_text = None
    record.stack_info = None


def _append(record: logging.LogRecord, text: str) -> None:
    record.msg = f"{record.getMessage()} {text}"
    record.args = None
