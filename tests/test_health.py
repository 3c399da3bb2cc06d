"""`/healthz` reports whether the database and the cache answer."""

import pytest
from django.db.utils import ConnectionHandler

from newsroom import health
from newsroom.cache import TolerantRedisCache
from tests.support import free_port

pytestmark = pytest.mark.django_db


def test_healthz_is_ok_when_database_and_cache_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_names_the_database_when_it_is_unreachable(client, monkeypatch):
    unreachable = ConnectionHandler(
        {
            "default": {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "newsroom",
                "USER": "postgres",
                "HOST": "127.0.0.1",
                "PORT": free_port(),  # nothing listens here
                "OPTIONS": {"connect_timeout": 2},
            }
        }
    )
    monkeypatch.setattr(health, "connections", unreachable)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "unavailable", "cache": "ok"}


def test_healthz_names_the_cache_when_redis_is_unreachable(client, monkeypatch):
    dead_redis = TolerantRedisCache(f"redis://127.0.0.1:{free_port()}/0", {})
    monkeypatch.setattr(health, "cache", dead_redis)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "cache": "unavailable"}


def test_healthz_refuses_writes(client):
    assert client.post("/healthz").status_code == 405
