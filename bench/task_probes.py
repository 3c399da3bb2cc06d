"""Tasks bench/tasks.py enqueues: each appends a line to a file when it starts."""

import os
import time

from django_tasks import task


def _note(path: str, line: str) -> None:
    with open(path, "a") as file:
        file.write(line + "\n")


@task()
def probe(path: str, sent: float) -> None:
    _note(path, f"{sent} {time.time()}")


@task()
def nap(path: str, seconds: float) -> None:
    _note(path, f"started {os.getpid()}")
    time.sleep(seconds)
    _note(path, "finished")
