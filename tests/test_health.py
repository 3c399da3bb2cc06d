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
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "media": "ok"},
    }
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
    assert response.json()["checks"] == {"database": "unavailable", "cache": "ok", "media": "ok"}


def test_healthz_names_the_cache_when_redis_is_unreachable(client, monkeypatch):
    dead_redis = TolerantRedisCache(f"redis://127.0.0.1:{free_port()}/0", {})
    monkeypatch.setattr(health, "cache", dead_redis)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "cache": "unavailable", "media": "ok"}


def test_healthz_refuses_writes(client):
    assert client.post("/healthz").status_code == 405


def test_healthz_reports_media_that_cannot_be_written_without_failing_readers(
    client, settings, tmp_path
):
    # A plain file where the media folder should be: every write fails, as on a read-only
    # or missing mount, for root too (tests/articles/test_storage_faults.py).
    (tmp_path / "a-file").write_text("not a folder")
    settings.MEDIA_ROOT = tmp_path / "a-file" / "media"
    response = client.get("/healthz")
    # Readers' pages need no write: the node stays in the load balancer, alerting sees it.
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "cache": "ok", "media": "unavailable"},
    }


def test_healthz_checks_the_s3_bucket(client, settings, s3_endpoint):
    from tests import s3

    bucket = s3.Bucket(s3_endpoint)
    settings.STORAGES = {**settings.STORAGES, "default": bucket.storage()}
    assert client.get("/healthz").json()["checks"]["media"] == "ok"
    assert bucket.keys() == set()  # its test file is gone
    dead = f"http://127.0.0.1:{free_port()}"
    settings.STORAGES = {**settings.STORAGES, "default": bucket.storage(endpoint=dead)}
    assert client.get("/healthz").json()["checks"]["media"] == "unavailable"


def test_healthz_leaves_no_file_in_the_media_folder(client, settings):
    assert client.get("/healthz").json()["checks"]["media"] == "ok"
    assert [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()] == []
