"""Throw-away Redis and PostgreSQL servers for fault tests, on free loopback ports.

The machine's own services are never stopped: each test starts, breaks and restarts its
own. Tests that need the server binaries are skipped, saying why, where they are missing
(CI has them)."""

import contextlib
import glob
import json
import os
import secrets
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import ROOT, clean_env, free_port, manage, wait_for_http


def _wait_for_port(port: int, *, up: bool = True, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            if up:
                return
        except OSError:
            if not up:
                return
        time.sleep(0.05)
    raise AssertionError(f"port {port} did not go {'up' if up else 'down'} in {timeout} s")


class RedisServer:
    def __init__(self, workdir: Path):
        self.port = free_port()
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        _wait_for_port(self.port)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        _wait_for_port(self.port, up=False)


@contextmanager
def redis_server(tmp_path: Path):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed here")
    server = RedisServer(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name)]
    return found[-1] if found and found[-1] else None


class PostgresServer:
    """A cluster of our own: initdb in a temporary folder, pg_ctl to start and stop it."""

    def __init__(self, root: Path):
        self.port = free_port()
        self.data = root / "pgdata"
        self.log = root / "postgres.log"
        self.as_postgres = os.geteuid() == 0  # initdb refuses to run as root

    def _run(self, *command: str) -> None:
        if self.as_postgres:
            command = ("runuser", "-u", "postgres", "--", *command)
        try:
            subprocess.run(command, check=True, capture_output=True, text=True, timeout=120)
        except subprocess.CalledProcessError as exc:
            exc.add_note(f"{exc.stdout}{exc.stderr}".strip())  # pg_ctl says why
            raise

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def _make_root(self) -> None:
        self.data.parent.mkdir(parents=True, exist_ok=True)
        if self.as_postgres:
            shutil.chown(self.data.parent, "postgres")
            os.chmod(self.data.parent, 0o755)
            for parent in self.data.parents:
                if str(parent) in ("/", "/tmp"):
                    break
                os.chmod(parent, os.stat(parent).st_mode | 0o005)

    def init(self) -> None:
        self._make_root()
        self._run(_pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust",
                  "--no-sync")  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data.parent} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(_pg_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options,
                  "-w", "start")  # fmt: skip
        _wait_for_port(self.port)

    def stop(self, mode: str = "fast", *, wait: bool = True) -> None:
        command = [_pg_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "stop"]
        if not wait:
            command.insert(-1, "-W")
        self._run(*command)


class StreamingReplica(PostgresServer):
    """A hot standby of `primary`: pg_basebackup -R (streaming replication, the standby
    signal and primary_conninfo written for it), replaying `delay` behind the primary
    (recovery_min_apply_delay), so that its lag is real and long enough to observe."""

    def __init__(self, root: Path, primary: PostgresServer, delay: str):
        super().__init__(root)
        self.primary = primary
        self.delay = delay

    def init(self) -> None:
        self._make_root()
        self._run(_pg_bin("pg_basebackup"), "-D", str(self.data), "-R", "-X", "stream",
                  "-c", "fast", "--no-sync", "-h", "127.0.0.1", "-p", str(self.primary.port),
                  "-U", "postgres")  # fmt: skip
        with (self.data / "postgresql.auto.conf").open("a") as conf:
            conf.write(f"recovery_min_apply_delay = '{self.delay}'\n")


def _needs_binaries(*names: str) -> None:
    missing = [name for name in names if not _pg_bin(name)]
    if missing:
        pytest.skip(f"PostgreSQL server binaries ({', '.join(missing)}) are not installed here")


@contextmanager
def streaming_pair(root: Path, *, delay: str, before_backup=None):
    """A primary of our own and a streaming replica of it, `delay` behind;
    `before_backup(primary)` runs before the replica is made (to migrate, say)."""
    _needs_binaries("initdb", "pg_ctl", "pg_basebackup")
    with postgres_server(root / "primary") as primary:
        if before_backup is not None:
            before_backup(primary)
        replica = StreamingReplica(root / "replica", primary, delay)
        replica.init()
        replica.start()
        try:
            yield primary, replica
        finally:
            with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
                replica.stop("immediate")


@contextmanager
def postgres_server(tmp_path: Path):
    if not _pg_bin("initdb") or not _pg_bin("pg_ctl"):
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed here")
    server = PostgresServer(tmp_path)
    server.init()
    server.start()
    try:
        yield server
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            server.stop("immediate")


@dataclass
class OwnSite:
    """The site served by gunicorn with production settings on a PostgreSQL of its own."""

    postgres: PostgresServer
    base: str  # the site's address
    env: dict[str, str]  # for manage.py against the same database
    log: Path  # what gunicorn and the site wrote to stderr

    def run(self, code: str):
        """Run `code` in `manage.py shell` against the site's database (with
        `tests.factories` imported as `factories`); return what it leaves in `result`."""
        script = f"import json\nfrom tests import factories\n{code}\nprint(json.dumps(result))"
        done = manage("shell", "-c", script, env=self.env)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])


@contextmanager
def site_on_postgres(tmp_path: Path):
    """gunicorn with production settings (over plain HTTP) on a PostgreSQL cluster of its own."""
    from tests.test_gunicorn import gunicorn_command

    with postgres_server(tmp_path / "pg") as postgres:
        env = clean_env(
            DEBUG="0",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="127.0.0.1",
            DATABASE_URL=postgres.url,
            SECURE_SSL_REDIRECT="0",
            SESSION_COOKIE_SECURE="0",  # plain HTTP: a browser would not send them back
            CSRF_COOKIE_SECURE="0",
            PAGE_CACHE_SECONDS="0",
            STATIC_ROOT=str(tmp_path / "static"),
            MEDIA_ROOT=str(tmp_path / "media"),
            GUNICORN_WORKERS="1",
            GUNICORN_ACCESSLOG="",
        )
        for command in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"]):
            result = manage(*command, env=env, timeout=300)
            assert result.returncode == 0, result.stderr
        port = free_port()
        log = tmp_path / "gunicorn.log"
        with log.open("w") as stderr:
            server = subprocess.Popen(
                gunicorn_command(port), cwd=ROOT, env=env,
                stdout=subprocess.DEVNULL, stderr=stderr, text=True,
            )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for_http(f"{base}/healthz", process=server, log=log)
            yield OwnSite(postgres, base, env, log)
        finally:
            server.terminate()
            server.wait(30)
