"""The anonymous page cache: fast, shared, never stale, never for staff, no stampede."""

import datetime
import gzip
import threading

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles import services
from articles.models import Status
from newsroom import pagecache
from tests.factories import make_article, make_author, section

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _cache_on(settings):
    settings.PAGE_CACHE_SECONDS = 300
    settings.PAGE_CACHE_SHARED_VERSION = True  # one process: local memory is shared here


@pytest.fixture
def story():
    author = make_author("Maya Lindqvist")
    return make_article(
        "Senate passes the budget", authors=[author], tags=["budget"],
        primary_section=section("usa"),
    )  # fmt: skip


def get(client, url, **headers):
    return client.get(url, headers=headers)


def test_second_reader_is_served_from_the_cache_with_no_sql(client, story):
    first = client.get("/")
    assert first["X-Page-Cache"] == "miss"
    with CaptureQueriesContext(connection) as queries:
        second = client.get("/")
    assert second["X-Page-Cache"] == "hit"
    assert len(queries.captured_queries) == 0
    assert second.content == first.content


def test_without_a_shared_cache_the_version_costs_one_query(client, settings, story):
    settings.PAGE_CACHE_SHARED_VERSION = False
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/")["X-Page-Cache"] == "hit"
    assert len(queries.captured_queries) == 1


def test_anonymous_pages_are_public_and_set_no_cookies(client, story):
    for url in ("/", story.get_absolute_url(), "/feed/", "/sitemap.xml"):
        response = client.get(url)
        assert not response.cookies, url
        control = response["Cache-Control"]
        assert "public" in control and "s-maxage" in control, url
        assert "stale-while-revalidate" in control
        assert response["ETag"] and response["Last-Modified"]


def test_conditional_get_answers_304(client, story):
    etag = client.get("/")["ETag"]
    assert client.get("/", headers={"If-None-Match": etag}).status_code == 304
    assert client.get("/", headers={"If-None-Match": '"other"'}).status_code == 200


def test_weak_etags_and_if_modified_since_answer_304(client, story):
    # nginx turns an ETag weak when it compresses: browsers then send W/"…" back.
    first = client.get("/")
    etag, rendered = first["ETag"], first["Last-Modified"]
    for headers in (
        {"If-None-Match": f"W/{etag}"},
        {"If-None-Match": f'"other", W/{etag}'},
        {"If-Modified-Since": rendered},
    ):
        answer = client.get("/", headers=headers)
        assert answer.status_code == 304, headers
        assert (answer["ETag"], answer["X-Page-Cache"]) == (etag, "hit")
        assert "public" in answer["Cache-Control"]
    assert client.get("/", headers={"If-None-Match": 'W/"other"'}).status_code == 200


@pytest.fixture
def gzip_behind_the_page_cache(settings):
    """GZipMiddleware after the page cache: the page it stores is compressed or not as
    the request that rendered it accepted, and says so with Vary: Accept-Encoding."""
    at = settings.MIDDLEWARE.index("newsroom.pagecache.PageCacheMiddleware") + 1
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE[:at], "django.middleware.gzip.GZipMiddleware",
        *settings.MIDDLEWARE[at:],
    ]  # fmt: skip


def readable(response) -> bytes:
    """The page as the client that asked for it reads it."""
    if response.get("Content-Encoding") == "gzip":
        return gzip.decompress(response.content)
    return response.content


@pytest.mark.usefixtures("gzip_behind_the_page_cache")
def test_each_client_gets_a_page_it_can_read_when_the_page_varies(client, story):
    zipped = client.get("/", headers={"Accept-Encoding": "gzip"})
    plain = client.get("/")
    assert zipped["Content-Encoding"] == "gzip" and zipped["X-Page-Cache"] == "miss"
    assert "Content-Encoding" not in plain, "gzip bytes for a client that did not ask for them"
    assert plain["X-Page-Cache"] == "miss"  # its own variant, rendered once
    assert readable(zipped) == readable(plain) and b"Senate passes the budget" in plain.content

    again_plain = client.get("/")
    again_zipped = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert (again_plain["X-Page-Cache"], again_zipped["X-Page-Cache"]) == ("hit", "hit")
    assert again_plain.content == plain.content and "Content-Encoding" not in again_plain
    assert again_zipped["Content-Encoding"] == "gzip"
    assert readable(again_zipped) == readable(plain)
    assert "Accept-Encoding" in again_plain["Vary"] and "Accept-Encoding" in again_zipped["Vary"]


class VaryStar:
    """A middleware that says its response differs for every request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response["Vary"] = "*"
        return response


def test_a_page_that_varies_on_everything_is_not_stored(client, settings, story):
    at = settings.MIDDLEWARE.index("newsroom.pagecache.PageCacheMiddleware") + 1
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE[:at], f"{__name__}.VaryStar", *settings.MIDDLEWARE[at:]
    ]  # fmt: skip
    for _ in range(2):
        response = client.get("/")
        assert response.status_code == 200 and response["Vary"] == "*"
        assert "X-Page-Cache" not in response  # rendered each time, never stored


def test_conditional_get_works_with_the_cache_off(client, settings, story):
    settings.PAGE_CACHE_SECONDS = 0
    etag = client.get("/")["ETag"]
    assert client.get("/", headers={"If-None-Match": etag}).status_code == 304


def test_staff_pages_never_enter_or_come_from_the_shared_cache(client, editor, story):
    client.force_login(editor)
    staff = client.get("/")
    assert "X-Page-Cache" not in staff
    assert "private" in staff["Cache-Control"]
    client.logout()
    assert client.get("/")["X-Page-Cache"] == "miss"  # nothing the editor saw was stored


def test_admin_and_previews_are_private_no_store(client, editor, story):
    client.force_login(editor)
    assert "private" in client.get("/admin/")["Cache-Control"]
    preview = client.get(f"/admin/articles/article/{story.pk}/preview/")
    assert "private" in preview["Cache-Control"] and "no-store" in preview["Cache-Control"]


URLS = ["/", "/section/usa/", "/authors/maya-lindqvist/", "/tags/budget/", "/feed/",
        "/section/usa/feed/", "/sitemap-articles.xml", "/news-sitemap.xml"]  # fmt: skip


def warm(client, urls):
    for url in urls:
        client.get(url)
        assert client.get(url)["X-Page-Cache"] == "hit", url


def test_an_edit_is_on_every_page_at_the_next_request(
    client, editor, story, django_capture_on_commit_callbacks
):
    urls = [*URLS, story.get_absolute_url()]
    warm(client, urls)
    story.headline = "Senate passes the budget at dawn"
    with django_capture_on_commit_callbacks(execute=True):
        services.save_article(story, by=editor)
    for url in urls:
        if "sitemap-articles" in url:
            continue  # lists addresses, not headlines
        response = client.get(url)
        assert b"at dawn" in response.content, url
        assert response["X-Page-Cache"] == "miss"


def test_unpublish_is_on_every_page_at_the_next_request(
    client, editor, story, django_capture_on_commit_callbacks
):
    urls = [*URLS, story.get_absolute_url()]
    warm(client, urls)
    with django_capture_on_commit_callbacks(execute=True):
        services.unpublish(story, by=editor)
    assert client.get(story.get_absolute_url()).status_code == 404
    for url in URLS:
        assert b"Senate passes the budget" not in client.get(url).content, url
        assert story.slug.encode() not in client.get(url).content, url


def test_a_correction_is_visible_at_once(client, editor, story, django_capture_on_commit_callbacks):
    warm(client, [story.get_absolute_url()])
    with django_capture_on_commit_callbacks(execute=True):
        services.add_correction(story, by=editor, text="The vote was 51 to 49.")
    assert b"The vote was 51 to 49." in client.get(story.get_absolute_url()).content


def test_drafts_saved_by_journalists_do_not_flush_the_cache(
    client, journalist, story, django_capture_on_commit_callbacks
):
    warm(client, ["/"])
    draft = make_article("Quiet draft", status=Status.DRAFT, created_by=journalist)
    draft.headline = "Quiet draft, edited"
    with django_capture_on_commit_callbacks(execute=True):
        services.save_article(draft, by=journalist)
    assert client.get("/")["X-Page-Cache"] == "hit"


def test_a_scheduled_article_appears_at_its_time_with_nobody_touching_anything(
    client, editor, django_capture_on_commit_callbacks
):
    make_article("Already live", primary_section=section("usa"))
    scheduled = make_article("Goes out at noon", status=Status.DRAFT,
                             primary_section=section("usa"))  # fmt: skip
    at = timezone.now() + datetime.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.publish(scheduled, by=editor, at=at)
    warm(client, ["/", "/section/usa/", "/feed/"])
    assert b"Goes out at noon" not in client.get("/").content
    # Browsers and proxies are told not to keep the page past that moment either.
    max_age = int(client.get("/")["Cache-Control"].split("max-age=")[1].split(",")[0])
    assert max_age <= 3600
    with time_machine.travel(at + datetime.timedelta(seconds=1), tick=False):
        for url in ("/", "/section/usa/", "/feed/"):
            assert b"Goes out at noon" in client.get(url).content, url


def test_a_banner_disappears_when_it_expires(client, editor, django_capture_on_commit_callbacks):
    from articles.models import BreakingNews

    ends = timezone.now() + datetime.timedelta(minutes=10)
    with django_capture_on_commit_callbacks(execute=True):
        BreakingNews.objects.create(text="Polls have closed", ends_at=ends)
    warm(client, ["/"])
    assert b"Polls have closed" in client.get("/").content
    with time_machine.travel(ends + datetime.timedelta(seconds=1), tick=False):
        assert b"Polls have closed" not in client.get("/").content


def test_an_expired_copy_is_served_while_another_worker_renders(client, story, settings):
    client.get("/")
    settings.PAGE_CACHE_SECONDS = 1
    key = pagecache.page_key("/", "")
    cache.add(f"{key}:lock", 1, 10)  # another worker is rendering
    with time_machine.travel(timezone.now() + datetime.timedelta(seconds=5), tick=False):
        response = client.get("/")
    assert response["X-Page-Cache"] == "stale"


def test_no_stampede_one_render_for_many_concurrent_readers(settings, monkeypatch):
    """Twenty readers ask for the same missing page at once: it is rendered once."""
    readers = 20
    renders = []
    waiting = []
    all_others_waiting = threading.Event()
    wait_for = pagecache.PageCacheMiddleware._wait_for

    def counted_wait_for(key, version, meta):
        waiting.append(1)
        if len(waiting) == readers - 1:
            all_others_waiting.set()
        return wait_for(key, version, meta)

    monkeypatch.setattr(pagecache.PageCacheMiddleware, "_wait_for", staticmethod(counted_wait_for))

    def slow_view(request):
        renders.append(1)
        # A slow page: it is still rendering when every other reader has arrived and is
        # waiting for it (a condition, not a guess at how long the others take).
        all_others_waiting.wait(timeout=5)
        return HttpResponse("<p>page</p>", content_type="text/html")

    middleware = pagecache.PageCacheMiddleware(slow_view)
    responses = []
    start = threading.Barrier(readers)

    def reader():
        start.wait()
        responses.append(middleware(RequestFactory().get("/stampede/")))

    threads = [threading.Thread(target=reader) for _ in range(readers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all_others_waiting.is_set()
    assert len(renders) == 1
    assert len(responses) == readers and all(r.status_code == 200 for r in responses)
    assert sorted(r["X-Page-Cache"] for r in responses) == ["miss"] + ["waited"] * (readers - 1)


def test_cache_off_means_every_request_renders(client, settings, story):
    settings.PAGE_CACHE_SECONDS = 0
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/")
    assert "X-Page-Cache" not in response
    assert len(queries.captured_queries) > 0


def test_query_strings_are_cached_separately(client, story):
    assert client.get("/search/?q=budget")["X-Page-Cache"] == "miss"
    assert client.get("/search/?q=senate")["X-Page-Cache"] == "miss"
    assert client.get("/search/?q=budget")["X-Page-Cache"] == "hit"
