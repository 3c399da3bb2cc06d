"""Most read through the real Varnish (deploy/varnish/default.vcl): a page served from the
proxy's cache is still counted, once per view, and a prefetch or a crawler is not
(articles/reads.py).

The count is made in the web node's cache and rolled up from another process (`manage.py
shell`, as the worker would), so the two must share a cache: Redis db 15, under a prefix
of this run's own."""

import re
import secrets
import socket

import pytest

from tests import varnish as proxy
from tests.support import fetch

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
REDIS = ("127.0.0.1", 6379)


def _redis_missing() -> str | None:
    try:
        socket.create_connection(REDIS, timeout=1).close()
    except OSError:
        return "needs Redis on 127.0.0.1:6379: the web node and the roll-up share the counts"
    return None


pytestmark = [
    pytest.mark.skipif(bool(proxy.missing()), reason=proxy.missing() or ""),
    pytest.mark.skipif(bool(_redis_missing()), reason=_redis_missing() or ""),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    site = proxy.Site(
        tmp_path_factory.mktemp("reads-site"),
        HTTP_CACHE_SECONDS="60",
        SHARED_CACHE_SECONDS="60",
        PAGE_CACHE_SECONDS="0",
        REDIS_URL="redis://127.0.0.1:6379/15",
        CACHE_KEY_PREFIX=f"reads-test-{secrets.token_hex(6)}",
    )
    site.prepare()
    site.story = site.run(
        "story = factories.make_article('Read me')\n"
        "result = {'pk': story.pk, 'url': story.get_absolute_url()}"
    )
    return site


@pytest.fixture(scope="module")
def front(site, tmp_path_factory):
    with (
        site.node() as node,
        proxy.Varnish(tmp_path_factory.mktemp("varnish") / "front", [node.address]) as front,
    ):
        yield front


def counted(site) -> int:
    return site.run(
        "from articles import reads\n"
        "from articles.models import StoryReads\n"
        "reads.roll_up()\n"
        f"result = sum(StoryReads.objects.filter(article_id={site.story['pk']})"
        ".values_list('count', flat=True))"
    )


def view(front, site, **headers) -> tuple[str, str]:
    """A browser's view of the article: the page, then the beacon it names. Returns how
    each was answered (X-Cache)."""
    headers = {"User-Agent": BROWSER, **headers}
    status, page_headers, body = fetch(front.base + site.story["url"], headers)
    assert status == 200
    beacon = re.search(rb'<img class="read-beacon" src="([^"]+)"', body)[1].decode()
    assert beacon == f"/r/{site.story['pk']}.gif"
    status, beacon_headers, pixel = fetch(front.base + beacon, headers)
    assert (status, beacon_headers["Content-Type"]) == (200, "image/gif")
    assert beacon_headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in beacon_headers
    return page_headers["X-Cache"], beacon_headers["X-Cache"]


def test_cached_page_views_are_each_counted_once_and_prefetches_not(site, front):
    assert view(front, site) == ("MISS", "PASS")
    assert view(front, site, Cookie="_ga=GA1.1.1") == ("HIT", "PASS")
    assert counted(site) == 2
    # A prefetched or prerendered page, and a crawler: served, not counted.
    assert view(front, site, **{"Sec-Purpose": "prefetch"})[1] == "PASS"
    assert view(front, site, **{"Sec-Purpose": "prefetch;prerender"})[1] == "PASS"
    assert view(front, site, Purpose="prefetch")[1] == "PASS"
    assert view(front, site, **{"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1)"})
    assert counted(site) == 2
    # Rolled up again with nothing new: the same count.
    assert counted(site) == 2
