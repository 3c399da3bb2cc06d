"""The container's command — gunicorn with production settings — really serves the site."""

import json
import os
import re
import secrets
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support import (
    ROOT,
    VENV_BIN,
    clean_env,
    database_url_for_subprocess,
    fetch,
    free_port,
    manage,
    wait_for_http,
)


def gunicorn_command(port: int) -> list[str]:
    """The container's command, bound to a free loopback port."""
    return [
        str(VENV_BIN / "gunicorn"),
        "--config",
        "gunicorn.conf.py",
        "--bind",
        f"127.0.0.1:{port}",
    ]


def database_handle(database_url: str) -> str:
    """How an open database shows among a process's handles (see held_open)."""
    parts = urlsplit(database_url)
    return (
        f"tcp:{parts.port or 5432}"
        if parts.scheme.startswith("postgres")
        else "/" + parts.path.lstrip("/")
    )


def held_open(pid: int) -> set[str]:
    """A process's open files (paths) and TCP connections ("tcp:<peer port>"), from /proc."""
    peers = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            peers[fields[9]] = f"tcp:{int(fields[2].rsplit(':', 1)[1], 16)}"
    handles = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue  # closed meanwhile
        if target.startswith("socket:["):
            target = peers.get(target[8:-1], target)
        handles.add(target)
    return handles


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


@pytest.fixture
def production_env(tmp_path, django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        database_url = database_url_for_subprocess(tmp_path)
    env = clean_env(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        STATIC_ROOT=str(tmp_path / "static"),
        MEDIA_ROOT=str(tmp_path / "media"),
        SECURE_SSL_REDIRECT="0",
        GUNICORN_WORKERS="2",
    )
    for command in (["collectstatic", "--noinput", "-v0"], ["migrate", "--noinput", "-v0"]):
        result = manage(*command, env=env, timeout=300)
        assert result.returncode == 0, result.stderr
    return env


def test_gunicorn_serves_healthz_and_hashed_static_files_with_production_settings(
    production_env, tmp_path
):
    port = free_port()
    server = subprocess.Popen(
        gunicorn_command(port),
        cwd=ROOT,
        env=production_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_http(f"{base}/healthz", process=server)

        status, headers, body = fetch(f"{base}/healthz")
        assert status == 200
        assert json.loads(body)["status"] == "ok"

        manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
        hashed = manifest["paths"]["css/site.css"]
        assert hashed != "css/site.css"
        status, headers, _ = fetch(f"{base}/static/{hashed}", {"Accept-Encoding": "gzip"})
        assert status == 200
        assert headers["Content-Encoding"] == "gzip"  # WhiteNoise's pre-compressed copy
        assert "immutable" in headers["Cache-Control"]

        # Production mode: no debug pages, unknown hosts refused.
        status, _, body = fetch(f"{base}/no-such-page/")
        assert status == 404
        assert b"Traceback" not in body and b"URLconf" not in body
        status, _, _ = fetch(f"{base}/healthz", {"Host": "evil.example.com"})
        assert status == 400

        # Workers fork from a master that loaded the application (preload_app); it must
        # not hold the database, which every worker would then share. The workers do hold
        # it (persistent connections), which shows the check can see it.
        status, _, _ = fetch(f"{base}/")
        assert status == 200
        database = database_handle(production_env["DATABASE_URL"])
        assert database not in held_open(server.pid)
        assert any(database in held_open(worker) for worker in children(server.pid))
    finally:
        server.terminate()
        server.wait(timeout=30)
    # gthread workers, as the benchmarks and docs/decisions.md say.
    assert "Using worker: gthread" in server.stderr.read()


def refused_start(env) -> str:
    """gunicorn's error output, after checking it refused to start in one plain line."""
    result = subprocess.run(
        gunicorn_command(free_port()), cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    return result.stderr


def test_gunicorn_refuses_to_start_without_a_secret_key(production_env):
    stderr = refused_start({**production_env, "SECRET_KEY": ""})
    assert "Configuration error: SECRET_KEY" in stderr


def test_gunicorn_refuses_a_preload_setting_it_cannot_read(production_env):
    stderr = refused_start({**production_env, "GUNICORN_PRELOAD": "sometimes"})
    assert "Configuration error: GUNICORN_PRELOAD must be true or false" in stderr


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is the answer we want to see


def post_form(base: str, path: str, fields: dict[str, str]) -> int:
    """POST a form the way a browser does (its page first, for the CSRF cookie and token);
    the answer's status. Each call is a new connection, so gunicorn may hand it to any
    worker."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(), NoRedirects())
    with opener.open(f"{base}{path}", timeout=10) as page:
        token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.read())[1]
    body = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token.decode()}).encode()
    request = urllib.request.Request(f"{base}{path}", data=body, headers={"Referer": base})
    try:
        with opener.open(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_password_reset_limit_holds_across_gunicorn_workers(production_env):
    """Without Redis every worker has its own local cache; the limit must still be the
    documented one for the whole site, not per worker."""
    limit = 5
    env = {
        **production_env,
        "PASSWORD_RESET_LIMIT": str(limit),
        "GUNICORN_WORKERS": "4",
        "GUNICORN_THREADS": "1",
        "CSRF_COOKIE_SECURE": "0",
    }
    port = free_port()
    server = subprocess.Popen(
        gunicorn_command(port), cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for_http(f"{base}/healthz", process=server)
        # Unknown addresses: nothing is mailed, but every request counts for the client
        # address. Sent eight at a time so that every worker takes some.
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(
                pool.map(
                    lambda n: post_form(
                        base, "/admin/password_reset/", {"email": f"nobody{n}@example.com"}
                    ),
                    range(limit * 6),
                )
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert sorted(statuses) == [302] * limit + [429] * (limit * 5)


# PostgreSQL's default max_connections is 100 (97 after the superuser's reserve): two web
# nodes and about 10 for management commands must fit (docs/deployment.md).
CONNECTIONS_PER_NODE = 32


def gunicorn_config(monkeypatch, *, cores: int, **env: str) -> dict:
    """The values gunicorn.conf.py computes on a host with this many cores."""
    import multiprocessing
    import runpy

    for name in ("GUNICORN_WORKERS", "GUNICORN_THREADS", "GUNICORN_WORKER_CLASS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(multiprocessing, "cpu_count", lambda: cores)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


@pytest.mark.parametrize("cores", [1, 2, 4, 16, 64])
def test_default_workers_stay_within_a_nodes_connection_budget(monkeypatch, cores):
    config = gunicorn_config(monkeypatch, cores=cores)
    # One connection per thread (DB_CONN_MAX_AGE keeps it), none in the master.
    assert config["workers"] * config["threads"] <= CONNECTIONS_PER_NODE
    assert 2 * CONNECTIONS_PER_NODE + 10 < 100 - 3
    assert config["workers"] == min(2 * cores + 1, 8)  # small hosts still get 2×cores+1


def test_an_explicit_worker_count_is_taken_as_given(monkeypatch):
    config = gunicorn_config(monkeypatch, cores=16, GUNICORN_WORKERS="12", GUNICORN_THREADS="2")
    assert (config["workers"], config["threads"]) == (12, 2)
