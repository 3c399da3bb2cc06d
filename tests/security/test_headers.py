"""Security headers on every response, cookies, CSRF, media served as images only."""

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import make_article

pytestmark = pytest.mark.django_db


def test_public_pages_allow_no_script_at_all(client):
    article = make_article()
    for url in ("/", article.get_absolute_url(), "/nope/", "/feed/"):
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        assert "script-src 'none'" in policy, url
        assert "frame-ancestors 'none'" in policy
        assert "object-src 'none'" in policy
        assert "unsafe-inline" not in policy
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert "geolocation=()" in response["Permissions-Policy"]
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        assert response["X-Frame-Options"] == "DENY"


def test_media_on_another_host_is_allowed_as_images_only(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    settings.MEDIA_URL = "https://media.example.org/newsroom/"
    policy = client.get("/")["Content-Security-Policy"]
    parts = [part.strip() for part in policy.split(";")]
    directives = dict(part.split(" ", 1) for part in parts if " " in part)
    assert directives["img-src"] == "'self' data: https://media.example.org"
    assert directives["script-src"] == "'none'"
    assert "media.example.org" not in directives["default-src"]


def test_admin_scripts_need_our_origin_or_this_responses_nonce(editor_client):
    article = make_article()
    response = editor_client.get(reverse("admin:articles_article_change", args=[article.pk]))
    policy = response["Content-Security-Policy"]
    nonce = policy.split("'nonce-")[1].split("'")[0]
    html = response.content.decode()
    assert f'<script type="importmap" nonce="{nonce}">' in html
    assert "script-src 'self' 'nonce-" in policy and "unsafe-inline" not in policy.split(";")[1]
    other = editor_client.get(reverse("admin:articles_article_change", args=[article.pk]))
    assert nonce not in other["Content-Security-Policy"]  # a new nonce every time


@pytest.mark.parametrize("url", ["/", "/feed/", "/nope/", "/admin/login/"])
def test_upgrade_insecure_requests_only_on_pages_served_over_https(client, settings, url):
    # Over plain HTTP (`make serve`) the directive sent browsers to TLS on a port without it.
    settings.PAGE_CACHE_SECONDS = 0
    settings.SECURE_SSL_REDIRECT = False
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    make_article()
    plain = client.get(url)["Content-Security-Policy"]
    assert "upgrade-insecure-requests" not in plain
    assert "default-src 'self'" in plain
    assert "upgrade-insecure-requests" in client.get(url, secure=True)["Content-Security-Policy"]
    proxied = client.get(url, headers={"X-Forwarded-Proto": "https"})
    assert "upgrade-insecure-requests" in proxied["Content-Security-Policy"]
    # Claimed by anyone but our proxy, HTTPS does not count.
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    spoofed = Client().get(url, headers={"X-Forwarded-Proto": "https"})
    assert "upgrade-insecure-requests" not in spoofed["Content-Security-Policy"]


def test_hsts_in_production_over_https(client, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_production_cookies_are_secure_httponly_samesite(client, settings, editor):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    page = client.get(reverse("admin:login"), secure=True)
    csrf = page.cookies["csrftoken"]
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"
    token = csrf.value
    response = client.post(
        reverse("admin:login"),
        {"username": "editor", "password": "pw", "csrfmiddlewaretoken": token},
        secure=True,
        headers={"Referer": "https://testserver/admin/login/"},
    )
    session = response.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


def test_state_changes_need_a_csrf_token(editor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    article = make_article()
    url = reverse("admin:articles_article_unpublish", args=[article.pk])
    assert client.post(url, {"note": ""}).status_code == 403
    article.refresh_from_db()
    assert article.status == "published"


def test_media_is_served_as_images_only_with_a_sandbox(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "x.jpg").write_bytes(b"\xff\xd8\xff\xe0fake")
    (tmp_path / "photos" / "evil.html").write_text("<script>alert(1)</script>")
    (tmp_path / "photos" / "evil.svg").write_text("<svg onload=alert(1)>")
    response = client.get("/media/photos/x.jpg")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert client.get("/media/photos/evil.html").status_code == 404
    assert client.get("/media/photos/evil.svg").status_code == 404
    assert client.get("/media/../settings.py").status_code == 404


def test_unknown_host_header_is_refused(client):
    assert client.get("/", headers={"Host": "evil.example.com"}).status_code == 400


def test_500_page_renders_with_database_and_cache_both_down(rf, settings, django_db_blocker):
    """No database access allowed (pytest-django raises if tried) and a dead Redis."""
    from newsroom.views import server_error

    settings.CACHES = {
        "default": {
            "BACKEND": "newsroom.cache.TolerantRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    with django_db_blocker.block():
        response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content


def test_database_failure_answers_503_with_retry_after(rf):
    import sys

    from django.db import OperationalError

    from newsroom.views import server_error

    try:
        raise OperationalError("connection refused")
    except OperationalError:
        assert sys.exc_info()[0] is OperationalError
        response = server_error(rf.get("/"))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"


def test_static_admin_assets_exist_for_the_rich_text_editor():
    from django.contrib.staticfiles import finders

    for asset in ("django_prose_editor/editor.js", "admin/js/article_editor.js"):
        assert finders.find(asset), asset
    assert Path(finders.find("css/site.css")).stat().st_size > 1000
