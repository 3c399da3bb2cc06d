"""The readers' site: every URL, with published, scheduled, draft and unpublished stories."""

import datetime
import json
import re
import xml.etree.ElementTree as ET

import feedparser
import pytest
import time_machine
from django.utils import timezone

from articles import services
from articles.models import ArticleRedirect, BreakingNews, Correction, FrontPageSlot, Status
from tests.factories import make_agency, make_article, make_author, make_photo, section

pytestmark = pytest.mark.django_db

HIDDEN = ["Scheduled secret", "Draft secret", "Review secret", "Unpublished secret"]


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 0  # this module tests the pages, not the cache


@pytest.fixture
def newsroom(editor):
    """One story of every kind, sharing an author, a tag and a section."""
    author = make_author("Leila Haddad", job_title="Middle East correspondent",
                         bio="Leila reports from Beirut.")  # fmt: skip
    second = make_author("Yusuf Demir", job_title="Senior reporter")
    ap, aj = make_agency("AP", photo_credit="AP Photo"), make_agency("Al Jazeera")
    photo = make_photo(agency=ap, credit="", caption="Trucks at the crossing.")
    common = {"authors": [author], "tags": ["borders"], "primary_section": section("middle-east")}
    live = make_article(
        "Jordan opens a second crossing", authors=[author, second], tags=["borders", "aid"],
        primary_section=section("middle-east"), sections=[section("world")],
        agencies=[ap, aj], lead_photo=photo, standfirst="Aid trucks can now cross day and night.",
        body="<h2>Night shifts</h2><p>The crossing near Maan will run all night.</p>",
    )  # fmt: skip
    Correction.objects.create(
        article=live, kind="correction", text="It opened on Sunday.", created_by=editor
    )
    other_live = make_article("Second live story", **common)
    make_article("Scheduled secret", published_at=timezone.now() + datetime.timedelta(hours=1),
                 body="<p>scheduledword</p>", **common)  # fmt: skip
    make_article("Draft secret", status=Status.DRAFT, body="<p>draftword</p>", **common)
    make_article("Review secret", status=Status.REVIEW, body="<p>reviewword</p>", **common)
    gone = make_article("Unpublished secret", body="<p>goneword</p>", **common)
    gone_url = gone.get_absolute_url()
    services.unpublish(gone, by=editor)
    return {"live": live, "other": other_live, "author": author, "gone_url": gone_url}


def assert_no_secrets(content: bytes):
    for headline in HIDDEN:
        assert headline.encode() not in content, headline


PAGES = [
    "/",
    "/section/middle-east/",
    "/authors/leila-haddad/",
    "/tags/borders/",
    "/corrections/",
    "/search/?q=secret",
    "/search/?q=scheduledword",
]


@pytest.mark.parametrize("url", PAGES)
def test_pages_show_only_published_stories(client, newsroom, url):
    response = client.get(url)
    assert response.status_code == 200
    assert_no_secrets(response.content)


@pytest.mark.parametrize(
    "url", ["/", "/section/middle-east/", "/authors/leila-haddad/", "/tags/borders/"]
)
def test_lists_show_the_published_story(client, newsroom, url):
    assert b"Jordan opens a second crossing" in client.get(url).content


def test_article_page_in_reading_order(client, newsroom):
    html = client.get(newsroom["live"].get_absolute_url()).content.decode()
    order = [
        'class="article__sections"',
        ">Middle East<",
        ">World<",
        "<h1",
        "Jordan opens a second crossing",
        "Aid trucks can now cross day and night.",
        "<figure",
        "Trucks at the crossing.",
        "Source: AP Photo",
        'rel="author"',
        "<h2>Night shifts</h2>",
        "With input from AP and Al Jazeera",
        "It opened on Sunday.",
        'rel="tag"',
        'class="bio"',
        "Middle East correspondent",
        "Related stories",
        "Second live story",
    ]
    position = html.index("<main")
    for marker in order:  # each comes after the one before
        position = html.index(marker, position)
    assert html.count("<h1") == 1
    assert_no_secrets(html.encode())
    assert re.search(r'<time datetime="[0-9T:+-]+">', html)


def test_article_page_meta_and_social_tags(client, newsroom):
    live = newsroom["live"]
    live.lead_photo = make_photo(agency=live.lead_photo.agency, renditions=True, size=(1600, 1000))
    live.save()
    html = client.get(live.get_absolute_url()).content.decode()
    url = f"http://127.0.0.1:8000{newsroom['live'].get_absolute_url()}"
    assert f'<link rel="canonical" href="{url}">' in html
    assert '<meta property="og:type" content="article">' in html
    assert re.search(
        r'<meta property="og:image" content="http://127.0.0.1:8000/media/[^"]+-1200\.jpg">', html
    )
    assert '<meta property="og:image:width" content="1200">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert '<meta name="description" content="Aid trucks can now cross day and night.">' in html


def test_article_json_ld_has_every_field(client, newsroom):
    html = client.get(newsroom["live"].get_absolute_url()).content.decode()
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1)
    data = json.loads(block)
    assert data["@type"] == "NewsArticle"
    assert data["headline"] == "Jordan opens a second crossing"
    assert [a["name"] for a in data["author"]] == ["Leila Haddad", "Yusuf Demir"]
    assert all(a["url"].startswith("http://127.0.0.1:8000/authors/") for a in data["author"])
    assert data["image"][0]["creditText"] == "Source: AP Photo"
    assert data["image"][0]["copyrightNotice"] == "AP Photo"
    assert [s["name"] for s in data["sourceOrganization"]] == ["AP", "Al Jazeera"]
    assert data["publisher"]["logo"]["url"].endswith(".png")
    assert data["articleSection"] == ["Middle East", "World"]
    assert set(data["keywords"]) == {"borders", "aid"}
    assert data["correction"][0]["text"] == "Correction: It opened on Sunday."
    assert data["datePublished"] and data["dateModified"]


@pytest.mark.parametrize("headline", HIDDEN)
def test_hidden_articles_answer_404(client, newsroom, headline):
    from articles.models import Article

    article = Article.objects.get(headline=headline)
    if article.published_at:
        assert client.get(article.get_absolute_url()).status_code == 404
    assert client.get(f"/2026/01/01/{article.slug}/").status_code == 404


def test_unpublished_url_is_gone(client, newsroom):
    response = client.get(newsroom["gone_url"])
    assert response.status_code == 404
    assert b"Unpublished secret" not in response.content


def test_scheduled_article_appears_at_its_time_without_anyone_acting(client, newsroom):
    from articles.models import Article

    scheduled = Article.objects.get(headline="Scheduled secret")
    assert client.get(scheduled.get_absolute_url()).status_code == 404
    Article.objects.filter(pk=scheduled.pk).update(
        published_at=timezone.now() - datetime.timedelta(seconds=1)
    )  # its time has come
    scheduled.refresh_from_db()
    assert client.get(scheduled.get_absolute_url()).status_code == 200
    assert b"Scheduled secret" in client.get("/").content


@pytest.mark.parametrize(
    "url",
    [
        "/2026/02/30/anything/",
        "/2026/13/01/anything/",
        "/0000/00/00/anything/",
        "/section/no-such-section/",
        "/authors/nobody/",
        "/tags/no-such-tag/",
        "/section/middle-east/?page=0",
        "/section/middle-east/?page=abc",
        "/section/middle-east/?page=999999",
        "/tags/borders/?page=-1",
        "/search/?q=x&page=9999",
        "/corrections/?page=zz",
        "/section/no-such-section/feed/",
        "/authors/nobody/feed/",
        "/tags/nope/feed/",
        "/sitemap-nothing.xml",
    ],
)
def test_bad_input_is_a_styled_404_never_a_500(client, newsroom, url):
    response = client.get(url)
    assert response.status_code == 404
    if response["Content-Type"].startswith("text/html"):
        assert b'role="search"' in response.content


def test_wrong_date_and_old_slug_redirect_permanently(client, newsroom, editor):
    live = newsroom["live"]
    wrong_date = f"/2001/01/01/{live.slug}/"
    response = client.get(wrong_date)
    assert response.status_code == 301 and response["Location"] == live.get_absolute_url()
    old = live.get_absolute_url()
    live.slug = "jordan-crossing-renamed"
    services.save_article(live, by=editor)
    assert ArticleRedirect.objects.filter(old_path=old).exists()
    response = client.get(old)
    assert response.status_code == 301
    assert response["Location"].endswith("/jordan-crossing-renamed/")


SEARCHES = [
    "", "a", "x" * 2000, '"quoted phrase', "& | ! : * ( )", "crossing & | !:*()",
    "الحدود", "🔥🌍", "'; DROP TABLE articles_article; --", "<script>alert(1)</script>",
    "a:*", "!!!", "-", "OR", "\\",
]  # fmt: skip


@pytest.mark.parametrize("query", SEARCHES)
def test_any_search_query_returns_a_page(client, newsroom, query):
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.content
    assert_no_secrets(response.content)


def test_a_search_with_a_nul_byte_is_a_bad_request(client, newsroom):
    # No page has one (newsroom.security.RefuseNulBytesMiddleware): 400, never a 500.
    response = client.get("/search/", {"q": "\x00null"})
    assert response.status_code == 400
    assert b"no page can have" in response.content


def test_search_finds_published_words_and_highlights_them(client, newsroom):
    response = client.get("/search/", {"q": "crossing night"})
    html = response.content.decode()
    assert "Jordan opens a second" in html
    assert "<mark>" in html
    assert b"Nothing matched" in client.get("/search/", {"q": "draftword"}).content


def test_feeds_parse_and_carry_only_published_items(client, newsroom):
    for url in ("/feed/", "/section/middle-east/feed/", "/authors/leila-haddad/feed/",
                "/tags/borders/feed/"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/rss+xml")
        feed = feedparser.parse(response.content)
        assert not feed.bozo, (url, feed.bozo_exception)
        titles = [entry.title for entry in feed.entries]
        assert "Jordan opens a second crossing" in titles
        assert not set(titles) & set(HIDDEN)
    entry = next(e for e in feedparser.parse(client.get("/feed/").content).entries
                 if e.title == "Jordan opens a second crossing")  # fmt: skip
    assert entry.link == f"http://127.0.0.1:8000{newsroom['live'].get_absolute_url()}"
    assert {t.term for t in entry.tags} >= {"Middle East", "World", "borders", "aid"}
    assert [a.name for a in entry.authors] == ["Leila Haddad", "Yusuf Demir"]
    assert entry.media_credit[0]["content"] == "Source: AP Photo"
    assert "Night shifts" in entry.content[0].value


def test_corrections_page_and_feed(client, newsroom):
    page = client.get("/corrections/")
    assert b"It opened on Sunday." in page.content
    feed = feedparser.parse(client.get("/corrections/feed/").content)
    assert not feed.bozo
    assert feed.entries[0].title == "Correction: Jordan opens a second crossing"


def _locations(xml: bytes) -> list[str]:
    root = ET.fromstring(xml)
    return [loc.text for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]


def test_sitemaps_are_valid_and_list_only_published_addresses(client, newsroom):
    index = _locations(client.get("/sitemap.xml").content)
    assert index and all(url.startswith("http://127.0.0.1:8000/sitemap-") for url in index)
    urls = []
    for sitemap in index:
        urls += _locations(client.get(sitemap.replace("http://127.0.0.1:8000", "")).content)
    assert f"http://127.0.0.1:8000{newsroom['live'].get_absolute_url()}" in urls
    assert "http://127.0.0.1:8000/tags/borders/" in urls
    assert "http://127.0.0.1:8000/authors/leila-haddad/" in urls
    assert newsroom["gone_url"] not in " ".join(urls)
    assert not any("secret" in url for url in urls)


def test_news_sitemap_lists_the_last_48_hours_only(client, newsroom):
    old = make_article("Old news", published_at=timezone.now() - datetime.timedelta(days=3))
    xml = client.get("/news-sitemap.xml").content
    root = ET.fromstring(xml)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9",
          "n": "http://www.google.com/schemas/sitemap-news/0.9"}  # fmt: skip
    titles = [t.text for t in root.findall("s:url/n:news/n:title", ns)]
    assert "Jordan opens a second crossing" in titles
    assert old.headline not in titles
    assert not set(titles) & set(HIDDEN)
    assert root.find("s:url/n:news/n:publication/n:name", ns).text == "The Newsroom"


def test_robots_txt_points_at_the_sitemaps(client):
    text = client.get("/robots.txt").content.decode()
    assert "Disallow: /admin/" in text
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in text
    assert "Sitemap: http://127.0.0.1:8000/news-sitemap.xml" in text


def test_breaking_banner_shows_until_it_expires(
    client, newsroom, django_capture_on_commit_callbacks
):
    ends = timezone.now() + datetime.timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        BreakingNews.objects.create(
            text="Earthquake hits the coast", link="/section/world/", ends_at=ends
        )
    for url in ("/", "/section/middle-east/", newsroom["live"].get_absolute_url(), "/nope/"):
        assert b"Earthquake hits the coast" in client.get(url).content, url
    with time_machine.travel(ends + datetime.timedelta(seconds=1), tick=False):
        assert b"Earthquake hits the coast" not in client.get("/").content


def test_front_page_slots_pin_stories_and_never_repeat_one(client, editor):
    stories = [make_article(f"Story {i}") for i in range(12)]
    pinned = stories[-1]  # the oldest
    FrontPageSlot.objects.create(position=1, article=pinned)
    FrontPageSlot.objects.create(
        position=2,
        article=stories[-2],
        ends_at=timezone.now() - datetime.timedelta(minutes=1),
        starts_at=timezone.now() - datetime.timedelta(hours=1),
    )  # expired: ignored
    from articles import frontpage

    page = frontpage.build()
    assert page.lead == pinned
    shown = [page.lead.pk, *(a.pk for a in page.top)]
    shown += [a.pk for block in page.blocks for a in block.articles]
    assert len(shown) == len(set(shown))
    assert page.top[0] == stories[0]  # the rest fills with the latest
    html = client.get("/").content.decode()
    lead = html.index('class="card card--lead')
    assert html.index(pinned.headline, lead) < html.index(stories[0].headline, lead)
    for story in stories:
        assert html.count(f">{story.headline}<") <= 1, story.headline


def test_front_page_never_pins_an_unpublished_story(client, newsroom):
    from articles.models import Article

    draft = Article.objects.get(headline="Draft secret")
    FrontPageSlot.objects.create(position=1, article=draft)
    assert_no_secrets(client.get("/").content)


def test_pages_are_accessible_landmarks_and_one_h1(client, newsroom):
    pages = ["/", "/section/middle-east/", "/authors/leila-haddad/", "/tags/borders/",
             "/search/?q=aid", "/corrections/", newsroom["live"].get_absolute_url()]  # fmt: skip
    for url in pages:
        html = client.get(url).content.decode()
        assert '<html lang="en">' in html
        assert 'class="skip-link" href="#content"' in html
        assert "<main" in html and "<nav" in html and "<header" in html and "<footer" in html
        assert html.count("<h1") == 1, url
        for img in re.findall(r"<img [^>]+>", html):
            assert " alt=" in img and " width=" in img and " height=" in img, img


def test_scheduled_story_via_service_stays_hidden_until_due(client, editor):
    article = make_article("Due later", status=Status.DRAFT)
    services.publish(article, by=editor, at=timezone.now() + datetime.timedelta(minutes=30))
    assert b"Due later" not in client.get("/").content
    assert b"Due later" not in client.get("/feed/").content
