"""Varnish in front (deploy/varnish/default.vcl), tested against a real varnishd started by
deploy/varnish/run.sh in front of real gunicorn web nodes with production settings.

The web nodes share an SQLite database of their own (the proxy's behaviour does not depend
on the database, and content is changed through `manage.py shell`, as the desk would, so
the test run's own transactions are not involved)."""

import re
import socket
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from http.server import ThreadingHTTPServer

import pytest
from django.conf import settings

from tests import varnish as proxy
from tests.support import fetch, free_port

pytestmark = pytest.mark.skipif(bool(proxy.missing()), reason=proxy.missing() or "")

TTL = 2  # HTTP_CACHE_SECONDS of the test site: s-maxage, so expiry is quick to reach


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    # The proxy is what is tested: the web node's own page cache is off, since content is
    # changed from another process (`manage.py shell`), whose purges could not reach the
    # node's local memory (with Redis they would: tests/site/test_page_cache.py).
    site = proxy.Site(
        tmp_path_factory.mktemp("varnish-site"),
        HTTP_CACHE_SECONDS=str(TTL),
        SHARED_CACHE_SECONDS=str(TTL),
        PAGE_CACHE_SECONDS="0",
    )
    site.prepare()
    site.stories = site.run(
        "stories = [factories.make_article(f'Story {n}', tags=[f'tag{n}']) for n in range(3)]\n"
        "result = [s.get_absolute_url() for s in stories]"
    )
    return site


@pytest.fixture(scope="module")
def node(site):
    with site.node() as node:
        yield node


@pytest.fixture(scope="module")
def front(node, tmp_path_factory):
    with proxy.Varnish(tmp_path_factory.mktemp("varnish") / "front", [node.address]) as front:
        yield front


def get(url: str, headers: dict | None = None):
    status, response_headers, body = fetch(url, headers)
    return status, response_headers.get("X-Cache"), response_headers, body


def backend_requests(front) -> int:
    return sum(front.backend_requests().values())


def test_vcl_passes_djangos_session_and_csrf_cookies_by_their_configured_names():
    vcl = proxy.RUN.with_name("default.vcl").read_text()
    names = re.search(r'Cookie ~ "\(\^\|;\\s\*\)\(([^)]*)\)="', vcl)[1].split("|")
    assert {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME} == set(names)


def test_an_anonymous_page_is_served_from_the_cache_the_second_time(site, front):
    url = front.base + site.stories[0]
    status, first, headers, body = get(url)
    assert (status, first) == (200, "MISS")
    assert b"Story 0" in body
    before = backend_requests(front)
    status, second, headers, again = get(url)
    assert (status, second, again) == (200, "HIT", body)
    assert backend_requests(front) == before
    # Shared caches are told the site's lifetime, jittered down by at most a fifth.
    s_maxage = int(re.search(r"s-maxage=(\d+)", headers["Cache-Control"])[1])
    assert TTL * 0.8 - 1 <= s_maxage <= TTL
    assert headers["ETag"]


def test_feeds_and_sitemaps_are_cached_too(front):
    for path in ("/feed/", "/sitemap.xml"):
        get(front.base + path)
        status, cache, _, _ = get(front.base + path)
        assert (path, status, cache) == (path, 200, "HIT")


def test_tracking_parameters_and_their_order_share_one_copy(site, front):
    url = front.base + "/search/?q=story&page=1"
    get(url)
    before = backend_requests(front)
    for variant in (
        "/search/?utm_source=news&q=story&page=1&utm_campaign=x",
        "/search/?page=1&fbclid=abc&q=story&gclid=1",
        "/search/?page=1&q=story&mc_cid=9",
    ):
        status, cache, _, _ = get(front.base + variant)
        assert (variant, status, cache) == (variant, 200, "HIT")
    assert backend_requests(front) == before
    # A parameter that matters is still its own page.
    status, cache, _, _ = get(front.base + "/search/?q=other&page=1&utm_source=news")
    assert cache == "MISS"


def test_other_cookies_are_dropped_so_the_reader_shares_the_copy(site, front):
    url = front.base + site.stories[1]
    get(url)
    status, cache, headers, _ = get(url, {"Cookie": "_ga=GA1.2.3; consent=yes"})
    assert (status, cache) == (200, "HIT")


@pytest.mark.parametrize(
    "headers",
    [{"Cookie": "sessionid=abc"}, {"Cookie": "_ga=1; csrftoken=abc"},
     {"Authorization": "Basic eDp5"}],
    ids=["session cookie", "csrf cookie", "authorization"],
)  # fmt: skip
def test_someone_who_may_be_from_the_desk_is_never_served_or_stored_a_shared_copy(
    site, front, headers
):
    url = front.base + site.stories[2]
    get(url)  # in the cache for readers
    before = backend_requests(front)
    for _ in range(2):
        status, cache, response, _ = get(url, headers)
        assert (status, cache) == (200, "PASS")
    assert backend_requests(front) == before + 2


def test_the_desk_previews_and_posts_always_reach_a_web_node(front):
    for method, path, expected in [
        ("GET", "/admin/login/", 200),
        ("GET", "/preview/not-a-valid-token/", 404),
        ("POST", "/search/?q=story", 403),  # refused by the CSRF check, on a node
    ]:
        before = backend_requests(front)
        for _ in range(2):
            request = urllib.request.Request(
                front.base + path, method=method, data=b"" if method == "POST" else None
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    status, cache = response.status, response.headers["X-Cache"]
            except urllib.error.HTTPError as error:
                status, cache = error.code, error.headers["X-Cache"]
            assert (path, status, cache) == (path, expected, "PASS")
        assert backend_requests(front) == before + 2


def test_a_draft_shown_by_preview_link_is_never_kept_by_the_proxy(site, front):
    path = site.run(
        "from articles import previews\n"
        "draft = factories.make_article('Secret draft', status='draft', slug='secret-draft')\n"
        "result = previews.make_link(draft)[0]"
    )
    for _ in range(2):
        status, cache, headers, body = get(front.base + path)
        assert (status, cache) == (200, "PASS")
        assert b"Secret draft" in body
        assert "no-store" in headers["Cache-Control"]
    # Nothing about it is left for a reader who asks for the story's own address.
    status, _, _, body = get(front.base + "/search/?q=Secret")
    assert b"Secret draft" not in body


def test_surrogate_keys_stay_between_the_application_and_the_proxy(site, node, front):
    for path in ("/", site.stories[0], "/feed/"):
        assert "all" in keys_of(node, path)  # the node names them to its proxy…
        _, _, headers, _ = get(front.base + path)
        assert "Surrogate-Key" not in headers and "xkey" not in headers  # …who keeps them
        assert "X-Fetch-Started" not in headers


def keys_of(node, path: str) -> set[str]:
    """The surrogate keys a web node gives a page (this test talks to it from 127.0.0.1,
    one of TRUSTED_PROXIES, so it sees them as Varnish does)."""
    _, headers, _ = fetch(f"http://{node.address}{path}")
    return set(headers["Surrogate-Key"].split())


def test_a_change_purges_exactly_the_pages_that_show_it(site, node, front):
    """A correction, through the service, as the desk makes it: its keys go through the
    task queue to Varnish (CACHE_PROXIES); the pages that show the story are fetched again,
    every other page is still a hit."""
    story, other = site.run(
        "a = factories.make_article('Corrected story', slug='corrected-story', tags=['alpha'])\n"
        "b = factories.make_article('Untouched story', slug='untouched-story', tags=['beta'])\n"
        "result = [a.get_absolute_url(), b.get_absolute_url()]"
    )
    pages = [story, other, "/", "/tags/alpha/", "/tags/beta/", "/corrections/", "/feed/"]
    shown = {path: keys_of(node, path) for path in pages}
    for path in pages:  # a fresh copy of each (an older one may be refreshing)
        wait_until(lambda path=path: get(front.base + path)[1] == "HIT")

    changed = site.run(
        "from articles import services\n"
        "from articles.models import Article\n"
        "from newsroom.invalidation import keys_changed\n"
        "sent = []\n"
        "keys_changed.connect(lambda sender, keys, **kw: sent.append(sorted(keys)), weak=False)\n"
        "editor = factories.make_user('desk', 'Editor')\n"
        "story = Article.objects.get(slug='corrected-story')\n"
        "services.add_correction(story, by=editor, text='The vote was on Tuesday.')\n"
        "result = sent",
        CACHE_PROXIES=front.base,
    )
    assert len(changed) == 1
    keys = set(changed[0])
    for path in pages:
        status, cache, _, body = get(front.base + path)
        # Purged: fetched again. Not purged: the copy is still there (expired by now,
        # TTL being 2 s here, so served while it is refreshed).
        expected = {"MISS"} if shown[path] & keys else {"HIT", "STALE"}
        assert (path, status, cache in expected) == (path, 200, True), cache
    assert {p for p in pages if shown[p] & keys} >= {story, "/corrections/"}
    # (The other story's page lists the corrected one among its related stories.)
    assert {p for p in pages if not shown[p] & keys} >= {"/tags/beta/"}
    assert b"The vote was on Tuesday." in get(front.base + story)[3]


def test_an_unpublished_story_is_gone_from_the_front_at_once(site, node, front):
    path = site.run(
        "a = factories.make_article('Withdrawn story', slug='withdrawn-story', tags=['gamma'])\n"
        "result = a.get_absolute_url()"
    )
    for url in (path, "/tags/gamma/"):
        get(front.base + url)
        status, cache, _, body = get(front.base + url)
        assert (status, cache) == (200, "HIT") and b"Withdrawn story" in body
    site.run(
        "from articles import services\n"
        "from articles.models import Article\n"
        "editor = factories.make_user('desk2', 'Editor')\n"
        "services.unpublish(Article.objects.get(slug='withdrawn-story'), by=editor)\n"
        "result = None",
        CACHE_PROXIES=front.base,
    )
    status, _, _, body = get(front.base + path)
    assert status in (404, 410) and b"Withdrawn story" not in body
    status, _, _, body = get(front.base + "/tags/gamma/")
    assert b"Withdrawn story" not in body


def test_purge_is_refused_from_an_address_outside_the_acl(front):
    refused = proxy.purge(front.base, "front", source="127.0.0.2")
    assert refused == (403, "")
    assert proxy.purge(front.base, "front")[0] == 200


def test_a_sick_node_leaves_the_rotation(site, tmp_path):
    with (
        site.node() as healthy,
        site.node() as failing,
        proxy.Varnish(tmp_path / "rr", [healthy.address, failing.address]) as front,
    ):
        # Passed requests (a session cookie) reach a node every time: both take turns.
        for _ in range(4):
            assert get(front.base + "/", {"Cookie": "sessionid=x"})[0] == 200
        assert front.backend_requests() == {"web1": 2, "web2": 2}
        failing.stop()
        wait_until(lambda: not front.healthy("web2"))
        statuses = [get(front.base + "/", {"Cookie": "sessionid=x"})[0] for _ in range(10)]
        assert statuses == [200] * 10
        assert front.backend_requests()["web2"] == 2


def test_a_node_that_refuses_connections_before_the_probe_notices_costs_readers_nothing(
    tmp_path,
):
    """A node just died (nothing listens on its port) and is still in the rotation (its
    probes have not failed 3 times yet): a reader's page it was asked for is fetched from
    the next node instead of answered 503 (tests/test_several_nodes.py, under load)."""
    proxy.StandInBackend.version, proxy.StandInBackend.failing = 1, False
    server = ThreadingHTTPServer(("127.0.0.1", 0), proxy.StandInBackend)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    dead = f"127.0.0.1:{free_port()}"  # nothing listens there
    alive = f"127.0.0.1:{server.server_address[1]}"
    try:
        with proxy.Varnish(tmp_path / "dead", [dead, alive], probe_interval="60s") as front:
            answers = [get(f"{front.base}/never-cached-{n}?ttl=0")[0] for n in range(10)]
            assert front.healthy("web1")  # still in the rotation all along
            assert answers == [200] * 10
            assert front.backend_requests()["web2"] == 10
    finally:
        server.shutdown()
        server.server_close()


def test_when_every_node_is_down_cached_pages_are_served_stale_and_others_get_503(site, tmp_path):
    with site.node() as node, proxy.Varnish(tmp_path / "grace", [node.address]) as front:
        status, cache, _, body = get(front.base + site.stories[0])
        assert (status, cache) == (200, "MISS")
        node.stop()
        wait_until(lambda: not front.healthy("web1"))
        time.sleep(TTL + 0.5)  # the copy's s-maxage is over: only grace can serve it
        for _ in range(3):
            status, cache, _, stale = get(front.base + site.stories[0])
            assert (status, cache, stale) == (200, "STALE", body)
        status, _, headers, _ = get(front.base + site.stories[1])  # never cached
        assert status == 503


def test_while_a_node_is_healthy_an_expired_page_is_refreshed_in_the_background(site, front):
    url = front.base + site.stories[1]
    wait_until(lambda: get(url)[1] == "HIT")  # a fresh copy (an older one may be refreshing)
    time.sleep(TTL + 0.5)
    before = backend_requests(front)
    status, cache, _, _ = get(url)  # the old copy, at once; a fetch starts behind it
    assert (status, cache) == (200, "STALE")
    wait_until(lambda: get(url)[1] == "HIT")
    # One fetch, in the background: the reader did not wait for it.
    assert backend_requests(front) == before + 1
    assert int(get(url)[2]["Age"]) < TTL


def slow_client(port: int, stop: threading.Event) -> None:
    """Open a connection and send a request's headers a few bytes at a time, forever."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            while not stop.wait(0.3):
                sock.sendall(b"X-a: b\r\n")
    except OSError:
        pass  # Varnish hung up on us (timeout_req): what we want


def test_slow_clients_do_not_stall_readers(site, front):
    """50 connections dribbling their headers, more than the node's threads (1 worker of 4
    here): readers and the web node's health stay answered quickly meanwhile."""
    get(front.base + site.stories[0])
    stop = threading.Event()
    slow = [threading.Thread(target=slow_client, args=(front.port, stop)) for _ in range(50)]
    for thread in slow:
        thread.start()
    try:
        time.sleep(0.5)
        timings = []
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            for path, headers in ((site.stories[0], {}), ("/", {"Cookie": "sessionid=x"})):
                started = time.monotonic()
                status, _, _, _ = get(front.base + path, headers)
                timings.append((status, time.monotonic() - started))
    finally:
        stop.set()
        for thread in slow:
            thread.join()
    assert len(timings) > 20
    assert {status for status, _ in timings} == {200}
    assert max(seconds for _, seconds in timings) < 1.0


@pytest.fixture
def stand_in(tmp_path):
    with proxy.stand_in_front(tmp_path) as front:
        yield front


def test_a_page_fetched_across_a_purge_is_not_kept(stand_in):
    """A fetch that began before a change committed can carry the old content; arriving
    after the purge, it must not become the cached copy."""
    url = stand_in.base + "/page?keys=story-1&slow=1"
    with ThreadPoolExecutor(1) as pool:
        early = pool.submit(get, url)
        time.sleep(0.3)  # the fetch has begun and read version 1
        proxy.StandInBackend.version = 2  # the change commits…
        assert proxy.purge(stand_in.base, "story-1")[0] == 200  # …and is purged
        assert b"version 1" in early.result()[3]  # asked before the purge: fine
    status, cache, _, body = get(url)
    assert (cache, body.endswith(b"version 2")) == ("MISS", True)
    status, cache, _, body = get(url)
    assert (cache, body.endswith(b"version 2")) == ("HIT", True)


def test_a_node_failing_to_render_does_not_replace_the_cached_copy(stand_in):
    """The database has just gone down and the probes have not noticed yet: the node
    answers 503, and readers keep getting the copy the front holds."""
    url = stand_in.base + "/page?ttl=1"
    status, cache, _, page = get(url)
    assert (status, cache) == (200, "MISS")
    time.sleep(1.3)  # expired: the next reader gets it while it is refreshed
    proxy.StandInBackend.failing = True
    for _ in range(3):
        status, cache, _, body = get(url)
        assert (status, cache, body) == (200, "STALE", page)
        time.sleep(0.2)  # the refresh has failed by now; the copy is still there
    status, _, headers, _ = get(stand_in.base + "/never-cached")
    assert (status, headers["Retry-After"]) == (503, "5")


def wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.1)
