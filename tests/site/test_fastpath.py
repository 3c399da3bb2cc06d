"""Cached pages answered before Django builds a request (newsroom/fastpath.py): the same
response as the full path, and Django whenever any rule of the full path could apply."""

import dataclasses
import datetime
import gzip

import pytest
import time_machine
from django.core.cache import cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory
from django.utils import timezone

from articles import services
from articles.models import Status
from newsroom import fastpath, pagecache
from tests.factories import make_article, make_author, section

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 300
    settings.PAGE_CACHE_SHARED_VERSION = True  # one process: local memory is shared here
    settings.SECURE_SSL_REDIRECT = False


@pytest.fixture
def story():
    return make_article(
        "Harbour strike ends after nine days",
        authors=[make_author("Ines Duarte")],
        tags=["labour"],
        primary_section=section("world"),
    )


def environ(path="/", *, method="GET", secure=False, **headers):
    return RequestFactory().generic(method, path, secure=secure, headers=headers).environ


class Wsgi:
    """The deployed application (newsroom/wsgi.py), driven with plain WSGI environs."""

    def __init__(self):
        self.app = fastpath.ServeCachedPagesFirst(WSGIHandler())

    def __call__(self, env):
        seen = {}

        def start_response(status, headers, exc_info=None):
            seen["status"], seen["headers"] = status, dict(headers)

        # As Django's test client does: the test's transaction must outlive the request.
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            result = self.app(env, start_response)
            body = b"".join(result)
            getattr(result, "close", lambda: None)()
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)
        return seen["status"], seen["headers"], body


def test_a_fresh_hit_is_answered_exactly_as_the_full_path_answers_it(client, story):
    for url in ("/", story.get_absolute_url(), "/feed/", "/section/world/", "/no-such-page/"):
        first = client.get(url)
        assert first["X-Page-Cache"] == "miss", url
        full = client.get(url)  # a hit through every middleware
        assert full["X-Page-Cache"] == "hit"

        answer = fastpath.cached_answer(environ(url))

        assert answer is not None, url
        status, headers, body = answer
        assert int(status.split()[0]) == full.status_code
        assert dict(headers) == dict(full.items()), url
        assert body == full.content


def test_https_hits_carry_the_same_security_headers_as_the_full_path(client, settings, story):
    settings.SECURE_HSTS_SECONDS = 3600
    client.get("/", secure=True)
    full = client.get("/", secure=True)
    _status, headers, _body = fastpath.cached_answer(environ("/", secure=True))
    assert dict(headers) == dict(full.items())
    assert headers and dict(headers)["Strict-Transport-Security"].startswith("max-age=3600")
    assert "upgrade-insecure-requests" in dict(headers)["Content-Security-Policy"]
    # On plain HTTP there is no HSTS and no upgrade-insecure-requests, as with Django.
    client.get("/")
    full = client.get("/")
    _status, headers, _body = fastpath.cached_answer(environ("/"))
    assert dict(headers) == dict(full.items())
    assert "Strict-Transport-Security" not in dict(headers)
    assert "upgrade-insecure-requests" not in dict(headers)["Content-Security-Policy"]


def test_head_and_conditional_requests(client, story):
    client.get("/")
    status, headers, body = fastpath.cached_answer(environ("/", method="HEAD"))
    assert status == "200 OK" and body == b"" and int(dict(headers)["Content-Length"]) > 0
    etag = client.get("/")["ETag"]
    status, headers, body = fastpath.cached_answer(environ("/", If_None_Match=etag))
    assert status == "304 Not Modified" and body == b""
    assert dict(headers)["ETag"] == etag
    status, _headers, _body = fastpath.cached_answer(environ("/", If_None_Match='"other"'))
    assert status == "200 OK"


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (lambda etag, _rendered: {"If_None_Match": f"W/{etag}"}, 304),  # as nginx sends it
        (lambda etag, _rendered: {"If_None_Match": f'"other", W/{etag}'}, 304),
        (lambda _etag, rendered: {"If_Modified_Since": rendered}, 304),
        (lambda _etag, _rendered: {"If_None_Match": 'W/"other"'}, 200),
    ],
)
def test_conditional_requests_are_answered_as_the_full_path_answers_them(
    client, story, condition, expected
):
    first = client.get("/")
    headers = condition(first["ETag"], first["Last-Modified"])
    full = client.get("/", headers={name.replace("_", "-"): v for name, v in headers.items()})

    status, answer, body = fastpath.cached_answer(environ("/", **headers))

    assert int(status.split()[0]) == full.status_code == expected
    assert full["X-Page-Cache"] == "hit"
    assert dict(answer) == dict(full.items())
    assert body == full.content


def test_a_precondition_for_a_change_goes_to_django(client, story):
    etag = client.get("/")["ETag"]
    assert fastpath.cached_answer(environ("/", If_Match=etag)) is None


def test_each_client_gets_bytes_it_can_read_when_the_page_varies(client, settings, story):
    # GZipMiddleware behind the page cache: pages stored compressed for some clients.
    at = settings.MIDDLEWARE.index(fastpath.PAGE_CACHE_MIDDLEWARE) + 1
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE[:at], "django.middleware.gzip.GZipMiddleware",
        *settings.MIDDLEWARE[at:],
    ]  # fmt: skip
    client.get("/", headers={"Accept-Encoding": "gzip"})

    assert fastpath.cached_answer(environ("/")) is None  # not rendered for this client yet
    plain = client.get("/")
    full_zipped = client.get("/", headers={"Accept-Encoding": "gzip"})
    _status, headers, body = fastpath.cached_answer(environ("/"))
    _status, zipped_headers, zipped = fastpath.cached_answer(environ("/", Accept_Encoding="gzip"))

    assert "Content-Encoding" not in dict(headers) and body == plain.content
    assert b"Harbour strike ends" in body
    assert dict(zipped_headers) == dict(full_zipped.items())
    assert dict(zipped_headers)["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped) == body


@pytest.mark.parametrize(
    ("reason", "env"),
    [
        ("a form post", lambda: environ("/", method="POST")),
        ("a signed-in editor", lambda: environ("/", Cookie="sessionid=abc")),
        ("the admin", lambda: environ("/admin/")),
        ("an unknown host", lambda: environ("/", Host="evil.example.com")),
    ],
)
def test_django_answers_whatever_the_cache_must_not(client, story, reason, env):
    client.get("/")
    client.get("/admin/")
    assert fastpath.cached_answer(env()) is None, reason


def test_plain_http_goes_to_django_when_https_is_required(client, settings, story):
    client.get("/", secure=True)
    settings.SECURE_SSL_REDIRECT = True
    assert fastpath.cached_answer(environ("/")) is None  # Django redirects it
    assert fastpath.cached_answer(environ("/", secure=True)) is not None


def test_https_claimed_by_a_proxy_counts_only_from_a_trusted_proxy(client, settings, story):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    client.get("/", secure=True)
    settings.SECURE_SSL_REDIRECT = True
    from_proxy = environ("/", X_Forwarded_Proto="https")
    from_proxy["REMOTE_ADDR"] = "10.0.0.1"
    assert fastpath.cached_answer(from_proxy) is not None
    from_anyone = environ("/", X_Forwarded_Proto="https")
    from_anyone["REMOTE_ADDR"] = "203.0.113.9"
    assert fastpath.cached_answer(from_anyone) is None


def test_an_edit_is_served_by_django_at_the_next_request(
    client, editor, story, django_capture_on_commit_callbacks
):
    wsgi = Wsgi()
    url = story.get_absolute_url()
    wsgi(environ(url))
    assert wsgi(environ(url))[1]["X-Page-Cache"] == "hit"
    assert fastpath.cached_answer(environ(url)) is not None
    story.headline = "Harbour strike ends after ten days"
    with django_capture_on_commit_callbacks(execute=True):
        services.save_article(story, by=editor)

    assert fastpath.cached_answer(environ(url)) is None
    status, headers, body = wsgi(environ(url))
    assert status == "200 OK" and headers["X-Page-Cache"] == "miss"
    assert b"ten days" in body


def test_a_scheduled_change_that_is_due_goes_to_django(
    client, editor, django_capture_on_commit_callbacks
):
    scheduled = make_article("Budget vote at noon", status=Status.DRAFT,
                             primary_section=section("world"))  # fmt: skip
    at = timezone.now() + datetime.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.publish(scheduled, by=editor, at=at)
    wsgi = Wsgi()
    wsgi(environ("/"))
    assert fastpath.cached_answer(environ("/")) is not None
    with time_machine.travel(at + datetime.timedelta(seconds=1), tick=False):
        assert fastpath.cached_answer(environ("/")) is None
        assert b"Budget vote at noon" in wsgi(environ("/"))[2]


def test_without_a_shared_version_django_answers(client, settings, story):
    client.get("/")
    settings.PAGE_CACHE_SHARED_VERSION = False
    assert fastpath.cached_answer(environ("/")) is None


def test_stepping_aside_costs_no_second_cache_lookup(client, story, monkeypatch):
    calls = []
    real_lookup = pagecache.lookup

    def counting_lookup(key):
        calls.append(key)
        return real_lookup(key)

    monkeypatch.setattr(pagecache, "lookup", counting_lookup)
    status, headers, _body = Wsgi()(environ("/"))
    assert headers["X-Page-Cache"] == "miss"
    assert len(calls) == 1


def test_a_failure_in_the_fast_path_leaves_the_request_to_django(client, story, monkeypatch):
    def broken(environ):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(fastpath, "cached_answer", broken)
    status, headers, body = Wsgi()(environ("/"))
    assert status == "200 OK" and headers["X-Page-Cache"] == "miss"
    assert b"Harbour strike ends" in body


def test_a_header_the_page_sets_itself_is_not_sent_twice(client, story):
    client.get("/")
    key = pagecache.page_key("/", "")
    entry = cache.get(key)
    own = (("Referrer-Policy", "no-referrer"), ("Content-Security-Policy", "default-src 'none'"))
    cache.set(key, dataclasses.replace(entry, headers=entry.headers + own), 300)

    _status, headers, _body = fastpath.cached_answer(environ("/"))

    names = [name.lower() for name, _value in headers]
    assert names.count("referrer-policy") == 1 and names.count("content-security-policy") == 1
    assert dict(headers)["Referrer-Policy"] == "no-referrer"  # the page's own, as in Django
    assert "X-Content-Type-Options" in dict(headers)  # the others are still added


def test_unknown_middleware_in_front_of_the_page_cache_turns_the_fast_path_off(
    client, settings, story
):
    client.get("/")
    assert fastpath.cached_answer(environ("/")) is not None
    # Something that might answer requests itself (a maintenance switch, a rate limiter).
    settings.MIDDLEWARE = ["django.middleware.gzip.GZipMiddleware", *settings.MIDDLEWARE]
    assert fastpath.cached_answer(environ("/")) is None
