"""Helpers for tests that run the project in a subprocess (settings, gunicorn)."""

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
# Real-world inputs (WordPress's export test data, IPTC ninjs items and schemas), read by
# path where they sit beside the checkout and never copied into it; SHARED_FIXTURES names
# them for a checkout elsewhere (.ci/run sets it for a clone outside the workspace).
SHARED_FIXTURES = Path(os.environ.get("SHARED_FIXTURES") or ROOT.parent / "shared" / "fixtures")
VENV_BIN = Path(sys.executable).parent


def clean_env(**overrides: str) -> dict[str, str]:
    """The current environment without any Newsroom configuration, plus `overrides`."""
    names = {
        "DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "DATABASE_URL",
        "REDIS_URL", "MEDIA_ROOT", "STATIC_ROOT", "TIME_ZONE", "SITE_URL", "SITE_NAME",
        "SECURE_SSL_REDIRECT", "SQLITE_PATH", "PAGE_CACHE_SECONDS", "DATABASE_REPLICA_URLS",
        "REPLICA_WAIT_SECONDS", "REPLICA_RETRY_SECONDS", "MEDIA_STORAGE", "MEDIA_URL",
        "S3_ENDPOINT_URL", "S3_BUCKET", "S3_REGION", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY",
        "S3_DEFAULT_ACL", "S3_SIGNED_URLS", "S3_URL_EXPIRY", "S3_TIMEOUT",
    }  # fmt: skip
    # DJANGO_ALLOW_ASYNC_UNSAFE is set for the browser tests only (tests/e2e/conftest.py).
    names.add("DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in names}
    env["ENV_FILE"] = ""
    env["DJANGO_SETTINGS_MODULE"] = "newsroom.settings"
    env.update(overrides)
    return env


def manage(*args: str, env: dict[str, str], timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url_for_subprocess(tmp_path: Path) -> str:
    """A URL a subprocess can use to reach the database this test run uses."""
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        user = settings["USER"] or "postgres"
        password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
        host = settings["HOST"] or "127.0.0.1"
        port = settings["PORT"] or 5432
        return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"
    return f"sqlite:///{tmp_path / 'subprocess.sqlite3'}"


def wait_for_http(
    url: str, *, timeout: float = 30.0, process=None, log: Path | None = None
) -> None:
    """Wait until `url` answers; `process` is the server, writing to its stderr pipe or to
    the file `log`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            said = log.read_text() if log else process.stderr.read()
            raise AssertionError(f"server exited early: {said}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            return  # it answered
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def fetch(url: str, headers: dict[str, str] | None = None):
    """(status, headers, body) for a GET, without raising on 4xx/5xx."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def start_worker(env: dict[str, str], *args: str, log: Path) -> subprocess.Popen:
    """`manage.py worker` (the container's worker command) as a process of its own, writing
    to the file `log`."""
    return subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--no-startup-delay", "-v", "2", *args],
        cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT,
    )  # fmt: skip


def stop_process(process: subprocess.Popen, *, timeout: float = 10) -> None:
    """SIGTERM (a worker finishes its task in hand), then SIGKILL if it will not go."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until(condition, *, timeout: float, what: str, log: Path | None = None):
    """Poll `condition` until it returns something true; fail naming `what` (and showing
    the end of `log`) if it does not within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    said = log.read_text()[-3000:] if log and log.exists() else ""
    raise AssertionError(f"{what} did not happen within {timeout} s\n{said}")


def run_queued_tasks() -> None:
    """Run every task of the database queue that is due, in this process, then return:
    `manage.py worker --batch`. Its worker closes "old" connections between tasks, which
    inside a test's transaction would close the test's own connection: not here."""
    from unittest import mock

    from django.core.management import call_command

    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("worker", "--batch", "--no-startup-delay", verbosity=0)
