"""With no configuration the development server runs the queue in a thread of its own (no
other process); gunicorn, the worker and other commands never do."""

import pytest

from newsroom.apps import serving_for_development
from tests import task_probes
from tests.support import (
    ROOT,
    clean_env,
    database_url_for_subprocess,
    free_port,
    stop_process,
    wait_until,
)


@pytest.mark.parametrize(
    ("argv", "run_main", "expected"),
    [
        (["manage.py", "runserver"], "true", True),  # the autoreloader's child serves
        (["manage.py", "runserver"], None, False),  # its parent only watches files
        (["manage.py", "runserver", "--noreload"], None, True),
        (["gunicorn", "--config", "gunicorn.conf.py"], None, False),
        (["manage.py", "worker"], None, False),
        (["manage.py", "migrate"], "true", False),
    ],
)
def test_only_the_development_server_runs_tasks_itself(
    argv, run_main, expected, monkeypatch, task_queue, settings
):
    settings.TASKS_EMBEDDED_WORKER = True
    monkeypatch.setattr("sys.argv", argv)
    if run_main:
        monkeypatch.setenv("RUN_MAIN", run_main)
    else:
        monkeypatch.delenv("RUN_MAIN", raising=False)
    assert serving_for_development() is expected


def test_no_embedded_worker_when_turned_off_or_without_the_queue(monkeypatch, settings):
    monkeypatch.setattr("sys.argv", ["manage.py", "runserver", "--noreload"])
    settings.TASKS_EMBEDDED_WORKER = True
    assert serving_for_development() is False  # the immediate backend (tests' default)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.TASKS_EMBEDDED_WORKER = False
    assert serving_for_development() is False


def test_the_development_server_runs_queued_tasks(task_worker, tmp_path):
    """`make run`'s server (runserver, no configuration but the database) runs a queued
    task by itself. `task_worker` only for its PostgreSQL test database."""
    import subprocess
    import sys

    log = tmp_path / "log"
    task_probes.succeed.enqueue(str(log), "ran in the development server")
    port = free_port()
    server_log = tmp_path / "runserver.log"
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=clean_env(DATABASE_URL=database_url_for_subprocess(tmp_path)),
        stdout=server_log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        wait_until(log.exists, timeout=30, what="the task running", log=server_log)
        assert log.read_text() == "ran in the development server\n"
    finally:
        stop_process(server)
