"""Tasks the background-task tests enqueue, in worker processes too (they import this).

Each notes what it did as a line in a file, since a worker process shares no memory with
the test."""

import os
import time

from django_tasks import task

from newsroom.periodic import Every, Periodic


def note(path: str, line: str) -> None:
    with open(path, "a") as file:
        file.write(line + "\n")


@task()
def succeed(path: str, text: str) -> str:
    note(path, text)
    return text


@task()
def fail(path: str) -> None:
    note(path, "failing")
    raise RuntimeError("The wire service answered 503")


@task()
def fail_once(path: str) -> str:
    """Fails the first time, succeeds after."""
    if not os.path.exists(path):
        note(path, "failing")
        raise RuntimeError("first attempt fails")
    note(path, "succeeded")
    return "done"


@task()
def hang_once(path: str) -> str:
    """The first run hangs (to be killed); later runs finish at once."""
    first = not os.path.exists(path)
    note(path, f"started {os.getpid()}")
    if first:
        time.sleep(60)
    note(path, "finished")
    return "done"


@task()
def nap(path: str, seconds: float) -> str:
    note(path, "started")
    time.sleep(seconds)
    note(path, "finished")
    return "rested"


@task(takes_context=True)
def tick(context) -> None:
    """A periodic task: notes which queue result ran."""
    note(os.environ["PROBE_FILE"], str(context.task_result.id))


# A schedule for tests: every second, so a test sees several periods in a few seconds.
EVERY_SECOND = [Periodic("tick", "tests.task_probes.tick", Every(1))]
NO_SCHEDULE = []
