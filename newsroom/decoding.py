"""The one thread per process where photos are decoded, at a lower CPU priority.

Decoding a big photo and making its renditions is most of a second of CPU. On the
request's own thread, ten uploads at once took the CPU from everyone else (issue 14). Here
the work runs on one thread per process, which the request waits for:

  * one image at a time, so a worker's memory is bounded by one image whatever its four
    threads are doing;
  * at nice +10 (Linux gives each thread its own priority), so a sign-in or a page served
    meanwhile gets the CPU first and the photos take what is left;
  * at most WAITING_LIMIT requests wait for it, so a gthread worker always keeps a thread
    for everyone else; another upload is told to try again in a minute (a form error,
    never a 5xx).

Since issue 16 a request decodes only what the upload gate needs (the cleaned original and
one fallback size); the renditions are made by a task (articles/photos.py), which waits
for the same thread (`run_when_free`) wherever it runs: in `manage.py worker`, or in the
request itself with the immediate backend.
"""

import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from newsroom.imaging import ImageRejected

NICENESS = 10
WAITING_LIMIT = 3  # of a gthread worker's four threads: one always stays free

_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_executor_pid: int | None = None
_waiting = 0


def run(function, /, *args, **kwargs):
    """function(*args, **kwargs) on the decoding thread; its result or its exception."""
    global _waiting
    with _lock:
        if _waiting >= WAITING_LIMIT:
            raise ImageRejected(
                "Many photos are being processed right now. Wait a minute and upload it again.",
                code="busy",
            )
        _waiting += 1
        executor = _the_executor()
    try:
        return executor.submit(function, *args, **kwargs).result()
    finally:
        with _lock:
            _waiting -= 1


def run_when_free(function, /, *args, **kwargs):
    """Like run(), but never refused: a task has nobody to ask to try again, and in a
    worker process it is what the process is for."""
    with _lock:
        executor = _the_executor()
    return executor.submit(function, *args, **kwargs).result()


def _the_executor() -> ThreadPoolExecutor:
    global _executor, _executor_pid
    # A thread does not survive fork(): each gunicorn worker starts its own.
    if _executor is None or _executor_pid != os.getpid():
        _executor = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix="decoding", initializer=_lower_priority
        )
        _executor_pid = os.getpid()
    return _executor


def _lower_priority() -> None:
    # Not on Linux: the same thread at the usual priority.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)
