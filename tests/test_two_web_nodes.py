"""Two web nodes — two gunicorn processes with their own working directories and media
folders — sharing PostgreSQL, Redis and the S3 endpoint: what one stores, the other shows.

PostgreSQL only: the nodes must share the test run's database, and on SQLite that is an
in-memory database no other process can open.
"""

import re
import secrets
import subprocess
from dataclasses import dataclass
from html import unescape
from importlib import import_module
from pathlib import Path

import pytest
import requests
from django.apps import apps
from django.db import connection

from articles.models import Photo
from tests import s3
from tests.factories import jpeg_bytes, make_agency, make_article, make_user
from tests.services import redis_server
from tests.support import (
    ROOT,
    VENV_BIN,
    clean_env,
    database_url_for_subprocess,
    free_port,
    manage,
    wait_for_http,
)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="two processes share the test database only on PostgreSQL (see the module)",
    ),
]


@dataclass
class Node:
    process: subprocess.Popen
    base: str
    log: Path

    def wait(self) -> None:
        # Generous: two nodes boot side by side on a CI machine that runs other tests too.
        wait_for_http(f"{self.base}/healthz", process=self.process, log=self.log, timeout=120)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def start_node(name: str, env: dict[str, str], tmp_path: Path) -> Node:
    """gunicorn as the container runs it, from a working directory of its own."""
    workdir = tmp_path / name
    (workdir / "media").mkdir(parents=True)
    port = free_port()
    log = workdir / "gunicorn.log"
    process = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py"),
         "--bind", f"127.0.0.1:{port}"],
        cwd=workdir,
        env={**env, "MEDIA_ROOT": str(workdir / "media"), "PYTHONPATH": str(ROOT)},
        stdout=subprocess.DEVNULL, stderr=log.open("w"),
    )  # fmt: skip
    return Node(process, f"http://127.0.0.1:{port}", log)


def csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]


def signed_in(base: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/admin/login/", timeout=60)
    response = session.post(
        f"{base}/admin/login/",
        data={"username": username, "password": "pw", "csrfmiddlewaretoken": csrf_token(page.text),
              "next": "/admin/"},
        headers={"Referer": f"{base}/admin/login/"},
        timeout=60,
    )  # fmt: skip
    assert response.url == f"{base}/admin/", response.text[:500]
    return session


@pytest.fixture
def reference_data(transactional_db):
    """What the data migrations create (sections, roles), back after an earlier
    transactional test's flush."""
    import_module("articles.migrations.0002_sections_and_roles").seed(apps)


def test_a_photo_uploaded_on_one_node_is_shown_by_the_other(
    tmp_path, settings, s3_endpoint, reference_data
):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]  # the nodes'
    editor = make_user("editor", "Editor")
    agency = make_agency("AP", photo_credit="AP Photo")
    bucket = s3.Bucket(s3_endpoint)
    with redis_server(tmp_path) as redis:
        env = clean_env(
            DEBUG="0",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="127.0.0.1",
            DATABASE_URL=database_url_for_subprocess(tmp_path),
            REDIS_URL=redis.url,
            STATIC_ROOT=str(tmp_path / "static"),
            SECURE_SSL_REDIRECT="0",
            SESSION_COOKIE_SECURE="0",
            CSRF_COOKIE_SECURE="0",
            GUNICORN_WORKERS="1",
            GUNICORN_TIMEOUT="120",  # a loaded CI machine, not the code, would hit 30 s
            GUNICORN_ACCESSLOG="",
            MEDIA_STORAGE="s3",
            S3_ENDPOINT_URL=s3_endpoint,
            S3_BUCKET=bucket.name,
            S3_REGION=s3.REGION,
            S3_ACCESS_KEY_ID=s3.ACCESS_KEY,
            S3_SECRET_ACCESS_KEY=s3.SECRET_KEY,
            # The renditions task runs in the uploading node's request, after its commit:
            # this test is about the bucket; a worker making them is tested elsewhere
            # (tests/articles/test_rendition_task.py).
            TASKS_BACKEND="immediate",
        )
        collected = manage("collectstatic", "--noinput", "-v0", env=env, timeout=300)
        assert collected.returncode == 0, collected.stderr
        nodes = [start_node(name, env, tmp_path) for name in ("node-a", "node-b")]
        base_a, base_b = (node.base for node in nodes)
        try:
            for node in nodes:  # started together, they boot side by side
                node.wait()
            desk = signed_in(base_a, editor.username)
            form = desk.get(f"{base_a}/admin/articles/photo/add/", timeout=60)
            response = desk.post(
                f"{base_a}/admin/articles/photo/add/",
                data={"csrfmiddlewaretoken": csrf_token(form.text), "alt_text": "Boats at dawn",
                      "caption": "", "credit": "", "agency": agency.pk, "rights": "agency",
                      "licence": "", "usable_until": "", "focal_x": "0.5", "focal_y": "0.5"},
                files={"image": ("boats.jpg", jpeg_bytes((1600, 1000)), "image/jpeg")},
                headers={"Referer": form.url},
                timeout=60,
            )  # fmt: skip
            assert response.status_code == 200 and "was added successfully" in response.text
            photo = Photo.objects.get()
            article = make_article("Boats return to the harbour", lead_photo=photo)

            page = requests.get(f"{base_b}{article.get_absolute_url()}", timeout=60)
            assert page.status_code == 200
            srcset = unescape(
                re.search(r'<source type="image/webp" srcset="([^"]+)"', page.text)[1]
            )
            urls = [candidate.strip().split(" ")[0] for candidate in srcset.split(",")]
            assert urls and all(url.startswith(bucket.media_url) for url in urls)
            for url in urls:
                answer = requests.get(url, timeout=60)
                assert answer.status_code == 200 and answer.headers["Content-Type"] == "image/webp"
        finally:
            for node in nodes:
                node.stop()
                print(f"--- {node.log}\n{node.log.read_text()}")  # shown when the test fails
    # Nothing was written to either node's own disk.
    assert [p for p in tmp_path.glob("node-*/media/**/*") if p.is_file()] == []
