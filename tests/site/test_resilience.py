"""The site keeps serving when parts fail: Redis down, PostgreSQL refusing or restarting.

Each test starts its own servers (tests/services.py); the machine's are never touched."""

import json
import secrets
import subprocess
import time

import pytest
from django.core.cache import caches

from tests.factories import make_article
from tests.services import postgres_server, redis_server
from tests.support import ROOT, clean_env, fetch, free_port, manage, wait_for_http
from tests.test_gunicorn import gunicorn_command

pytestmark = pytest.mark.django_db


def test_redis_going_down_costs_readers_nothing(client, settings, tmp_path, editor):
    with redis_server(tmp_path) as redis:
        settings.CACHES = {
            "default": {"BACKEND": "newsroom.cache.TolerantRedisCache", "LOCATION": redis.url,
                         "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5}},
        }  # fmt: skip
        settings.PAGE_CACHE_SECONDS = 300
        settings.PAGE_CACHE_SHARED_VERSION = True
        article = make_article("Still readable")
        assert client.get("/")["X-Page-Cache"] == "miss"
        assert client.get("/")["X-Page-Cache"] == "hit"  # Redis really is the cache
        redis.stop()

        started = time.monotonic()
        for url in ("/", article.get_absolute_url(), "/feed/", "/section/politics/"):
            response = client.get(url)
            assert response.status_code == 200, url
        assert time.monotonic() - started < 2.0  # no connect timeout per call
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.json()["checks"] == {"database": "ok", "cache": "unavailable"}

        login = client.post("/admin/login/", {"username": "editor", "password": "pw"})
        assert login.status_code == 302
        assert client.get("/admin/").status_code == 200
    caches["default"].close()


@pytest.fixture
def site_on_own_postgres(tmp_path):
    """gunicorn with production settings on a PostgreSQL cluster of its own."""
    with postgres_server(tmp_path / "pg") as postgres:
        env = clean_env(
            DEBUG="0",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="127.0.0.1",
            DATABASE_URL=postgres.url,
            SECURE_SSL_REDIRECT="0",
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
        server = subprocess.Popen(
            gunicorn_command(port), cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        try:
            wait_for_http(f"{base}/healthz", process=server)
            yield postgres, base
        finally:
            server.terminate()
            server.wait(30)


def test_healthz_opens_a_fresh_connection(site_on_own_postgres):
    postgres, base = site_on_own_postgres
    assert fetch(f"{base}/")[0] == 200  # the worker now holds a persistent connection
    # "smart" shutdown: existing sessions go on, new clients are refused.
    postgres.stop("smart", wait=False)
    status, _, body = fetch(f"{base}/healthz")
    assert status == 503
    assert json.loads(body)["checks"]["database"] == "unavailable"


def test_postgres_restart_fails_fast_and_recovers_by_itself(site_on_own_postgres):
    postgres, base = site_on_own_postgres
    assert fetch(f"{base}/")[0] == 200
    postgres.stop("fast")
    started = time.monotonic()
    status, headers, body = fetch(f"{base}/")
    assert status == 503, body[:300]
    assert headers["Retry-After"]
    assert time.monotonic() - started < 5  # fails fast, does not hang
    postgres.start()
    deadline = time.monotonic() + 15
    while fetch(f"{base}/")[0] != 200:  # no restart of the app
        assert time.monotonic() < deadline, "the site did not recover within 15 s"
        time.sleep(0.2)
    assert fetch(f"{base}/healthz")[0] == 200
