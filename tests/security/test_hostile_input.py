"""An XSS corpus in every text field staff can fill stays inert on every page, feed,
JSON-LD block and admin page."""

import html
import json
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import feedparser
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from taggit.models import Tag

from articles.models import BreakingNews, Correction, Section
from authors.models import AuthorLink
from tests.factories import make_agency, make_article, make_author, make_photo

pytestmark = pytest.mark.django_db

PAYLOADS = [
    '<script>alert("xss-script")</script>',
    '<img src=x onerror=alert("xss-img")>',
    '"><svg onload=alert("xss-svg")>',
    "javascript:alert('xss-js')",
    '<a href="javascript:alert(1)">xss-link</a>',
    "</title><script>alert(1)</script>",
    "</script><script>alert('xss-jsonld')</script>",
    "<iframe src=//evil.example></iframe>",
    "<b onmouseover=alert(1)>broken",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
]
EVIL = " ".join(PAYLOADS)
DANGEROUS_SCHEMES = ("javascript:", "vbscript:", "data:text")


class Inspector(HTMLParser):
    """Collects everything in a page that could run script."""

    def __init__(self, *, admin: bool = False):
        super().__init__()
        self.admin = admin
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            allowed = attributes.get("type") in ("application/ld+json", "importmap") or (
                attributes.get("src", "").startswith(("/static/", "/admin/jsi18n/"))
            )
            if not allowed:
                self.problems.append(f"script element {attrs}")
        # The admin draws its own icons with inline SVG; readers' pages have none.
        if tag in ("iframe", "object", "embed", "math", "base") or (
            tag == "svg" and not self.admin
        ):
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name}={value!r} on <{tag}>")
            link = name in ("href", "src", "action", "formaction", "srcset")
            if link and value and value.strip().lower().startswith(DANGEROUS_SCHEMES):
                self.problems.append(f"{name}={value!r} on <{tag}>")


def assert_inert(html: str, where: str, *, admin: bool = False):
    inspector = Inspector(admin=admin)
    inspector.feed(html)
    assert not inspector.problems, (where, inspector.problems)
    for block in re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S):
        json.loads(block)  # the whole block is one JSON value: nothing broke out of it


@pytest.fixture
def hostile(editor):
    agency = make_agency(EVIL[:80], photo_credit=EVIL[:80], website="https://agency.example")
    author = make_author(EVIL[:120], job_title=EVIL[:120], bio=EVIL)
    AuthorLink.objects.create(author=author, label=EVIL[:60], url="javascript:alert(1)")
    photo = make_photo(alt_text=EVIL[:250], caption=EVIL, credit=EVIL[:200], agency=agency)
    article = make_article(
        EVIL[:200], standfirst=EVIL[:400], body=EVIL, authors=[author], agencies=[agency],
        lead_photo=photo, tags=[PAYLOADS[0], PAYLOADS[1]],
    )  # fmt: skip
    Correction.objects.create(article=article, text=EVIL, created_by=editor)
    BreakingNews.objects.create(text=EVIL[:200], link="javascript:alert(1)")
    Section.objects.filter(slug="world").update(description=EVIL)
    return {"article": article, "author": author, "photo": photo, "agency": agency}


def public_urls(hostile):
    tag = Tag.objects.get(name=PAYLOADS[0])
    return [
        "/", "/section/politics/", "/section/world/", hostile["article"].get_absolute_url(),
        hostile["author"].get_absolute_url(), f"/tags/{tag.slug}/", "/corrections/",
        "/search/?q=alert", "/search/?q=" + PAYLOADS[0], "/nope/",
    ]  # fmt: skip


def test_public_pages_render_the_corpus_inert(client, settings, hostile):
    settings.PAGE_CACHE_SECONDS = 0
    for url in public_urls(hostile):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert_inert(response.content.decode(), url)


def test_feeds_and_sitemaps_stay_well_formed_and_inert(client, hostile):
    for url in ("/feed/", "/corrections/feed/", f"{hostile['author'].get_absolute_url()}feed/",
                "/section/politics/feed/", "/news-sitemap.xml", "/sitemap-articles.xml",
                "/sitemap-authors.xml", "/sitemap-tags.xml"):  # fmt: skip
        response = client.get(url)
        assert response.status_code == 200, url
        root = ET.fromstring(response.content)  # raises if anything broke the XML
        for element in root.iter("{http://purl.org/rss/1.0/modules/content/}encoded"):
            assert_inert(element.text or "", url)


class Elements(HTMLParser):
    """The elements an HTML reading of a text finds."""

    def __init__(self, text: str):
        super().__init__()
        self.found: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.found.append(tag)


def feed_urls(hostile) -> list[str]:
    tag = Tag.objects.get(name=PAYLOADS[1])
    return ["/feed/", "/section/politics/feed/", f"{hostile['author'].get_absolute_url()}feed/",
            f"/tags/{tag.slug}/feed/", "/corrections/feed/"]  # fmt: skip


def test_plain_text_reaches_feed_readers_as_text_in_every_feed(client, hostile):
    media = "{http://search.yahoo.com/mrss/}"
    for url in feed_urls(hostile):
        content = client.get(url).content
        # What a feed reader gets: <description> and <media:description> are read as HTML.
        root = ET.fromstring(content)
        fields = [*root.iter("description"), *root.iter(f"{media}description")]
        assert len(fields) > 1, url
        for element in fields:
            assert Elements(element.text or "").found == [], (url, element.tag, element.text)
        typed = [e.text for e in root.iter("description") if "alert" in (e.text or "")]
        assert typed, url
        assert all(html.unescape(text).startswith(("<script>", "<img")) for text in typed), url
        # And what feedparser makes of it: no field it treats as HTML holds an element,
        # except content:encoded, the sanitised body.
        feed = feedparser.parse(content)
        assert not feed.bozo, (url, feed.bozo_exception)
        assert feed.entries, url
        for entry in feed.entries:
            details = [entry.get("summary_detail"), entry.get("title_detail"),
                       *entry.get("content", [])[1:]]  # fmt: skip
            for detail in filter(None, details):
                if detail.type == "text/html":
                    assert Elements(detail.value).found == [], (url, detail.value)
        body = next((e.content[0].value for e in feed.entries if e.get("content")), None)
        if url != "/corrections/feed/":
            assert body is not None, url
            assert_inert(body, url)


def test_admin_pages_render_the_corpus_inert(editor_client, hostile):
    article, photo = hostile["article"], hostile["photo"]
    for url in (
        reverse("admin:articles_article_changelist"),
        reverse("admin:articles_article_change", args=[article.pk]),
        reverse("admin:articles_article_history", args=[article.pk]),
        reverse("admin:articles_article_correct", args=[article.pk]),
        reverse("admin:articles_article_preview", args=[article.pk]),
        reverse("admin:articles_photo_changelist"),
        reverse("admin:articles_photo_change", args=[photo.pk]),
        reverse("admin:authors_author_change", args=[hostile["author"].pk]),
        reverse("admin:articles_agency_changelist"),
        reverse("admin:taggit_tag_changelist"),
        reverse("admin:articles_breakingnews_changelist"),
    ):
        response = editor_client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.content.decode(), url, admin=True)


def test_links_staff_type_cannot_be_javascript(editor_client):
    author = make_author("Safe links")
    url = reverse("admin:authors_author_change", args=[author.pk])
    data = {
        "name": "Safe links", "slug": author.slug, "job_title": "", "bio": "", "user": "",
        "is_active": "on",
        "links-TOTAL_FORMS": "1", "links-INITIAL_FORMS": "0",
        "links-MIN_NUM_FORMS": "0", "links-MAX_NUM_FORMS": "1000",
        "links-0-label": "Site", "links-0-url": "javascript:alert(1)", "links-0-position": "0",
    }  # fmt: skip
    response = editor_client.post(url, data)
    assert response.status_code == 200
    assert b"Links must start with https://" in response.content
    assert not AuthorLink.objects.exists()


@pytest.mark.parametrize(
    "arguments",
    [["--articles", "abc"], ["--articles", "-3"], ["--articles", "0"], ["--authors", "99999999"],
     ["--articles", "2000000"]],
)  # fmt: skip
def test_management_command_refuses_bad_input_with_a_message(arguments):
    with pytest.raises(CommandError) as error:
        call_command("seed_demo", *arguments)
    assert "number" in str(error.value).lower()


# Markup that feedparser (like many readers) takes for HTML in a plain-text field: no
# "</script>" in it to make feedparser fall back to reading it as text.
HTML_LIKE = ["<img src=x onerror=alert(1)><b>B</b>", "<a href=https://evil.example>x</a>"]
ORDINARY = "AT&T: 3 < 5"
MEDIA = "{http://search.yahoo.com/mrss/}"


def plain_text_fields(content: bytes) -> list[tuple[str, str, str]]:
    """(where, type, value) for every field feedparser finds that is not content:encoded,
    and every <description> and <media:description> as XML holds them (feedparser keeps
    only the last of these per item), which readers read as HTML."""
    root = ET.fromstring(content)
    descriptions = [*root.iter("description"), *root.iter(f"{MEDIA}description")]
    fields = [("description", "text/html", element.text or "") for element in descriptions]
    parsed = feedparser.parse(content)
    assert not parsed.bozo, parsed.bozo_exception
    fields += [("channel title", parsed.feed.title_detail.type, parsed.feed.title)]
    if parsed.feed.get("subtitle_detail"):
        fields.append(("channel description", parsed.feed.subtitle_detail.type,
                       parsed.feed.subtitle))  # fmt: skip
    for entry in parsed.entries:
        fields.append(("title", entry.title_detail.type, entry.title))
        if entry.get("summary_detail"):
            fields.append(("description", entry.summary_detail.type, entry.summary))
        for detail in entry.get("content", [])[1:]:  # [0] is content:encoded, the body
            fields.append(("content", detail.type, detail.value))
        fields += [("category", "text/plain", tag.term) for tag in entry.get("tags", [])]
        fields += [
            ("dc:creator", "text/plain", a.get("name", "")) for a in entry.get("authors", [])
        ]
        fields += [("media:credit", "text/plain", c.get("content", ""))
                   for c in entry.get("media_credit", [])]  # fmt: skip
    return fields


def as_read(kind: str, value: str) -> str:
    """The text a reader shows for a field of this type."""
    return html.unescape(value) if kind == "text/html" else value


def story_feeds(article, author, tag: str) -> list[str]:
    return ["/feed/", f"/section/{article.primary_section.slug}/feed/",
            f"{author.get_absolute_url()}feed/", f"/tags/{Tag.objects.get(name=tag).slug}/feed/",
            "/corrections/feed/"]  # fmt: skip


def story_in_every_field(editor, text: str):
    author = make_author(f"A {text}")
    photo = make_photo(alt_text=f"P {text}", credit=f"C {text}")
    article = make_article(f"H {text}", standfirst=f"S {text}", authors=[author],
                           lead_photo=photo, tags=[f"T {text}"])  # fmt: skip
    Correction.objects.create(article=article, text=f"K {text}", created_by=editor)
    return article, author


@pytest.mark.parametrize("payload", HTML_LIKE)
def test_markup_that_feed_readers_take_for_html_reaches_them_with_no_element(
    client, editor, payload
):
    article, author = story_in_every_field(editor, payload)
    for url in story_feeds(article, author, f"T {payload}"):
        response = client.get(url)
        assert response.status_code == 200, url
        fields = plain_text_fields(response.content)
        for where, kind, value in fields:
            # Whatever type feedparser gives it, an HTML reading finds no element, and the
            # text a reader shows has none either.
            assert Elements(value).found == [], (url, where, kind, value)
            if kind == "text/plain":
                assert "<" not in value and "evil.example" not in value, (url, where, value)
        wheres = {where for where, _kind, _value in fields}
        expected = {"channel title", "title", "description"}
        if url != "/corrections/feed/":
            expected |= {"category", "dc:creator", "media:credit"}
        assert expected <= wheres, (url, wheres)
    # The journalist's words are still there, without the markup.
    parsed = feedparser.parse(client.get(f"{author.get_absolute_url()}feed/").content)
    words = "B" if "<b>" in payload else "x"
    assert parsed.feed.title.startswith(f"A {words}")
    assert parsed.entries[0].title == f"H {words}"


def test_ordinary_characters_in_feeds_read_back_as_typed(client, editor, settings):
    article, author = story_in_every_field(editor, ORDINARY)
    expected = {
        "title": {f"H {ORDINARY}", f"Correction: H {ORDINARY}"},
        "description": {
            f"S {ORDINARY}",
            f"K {ORDINARY}",
            f"P {ORDINARY}",
            f"The latest stories from {settings.SITE_NAME}.",
            "Every correction, clarification and update, newest first.",
        },
        "category": {f"T {ORDINARY}", article.primary_section.name},
        "dc:creator": {f"A {ORDINARY}"},
        "media:credit": {f"Source: C {ORDINARY}"},
    }
    for url in story_feeds(article, author, f"T {ORDINARY}"):
        fields = plain_text_fields(client.get(url).content)
        assert {"title", "description"} <= {where for where, _kind, _value in fields}, url
        for where, kind, value in fields:
            if where in expected:
                assert as_read(kind, value) in expected[where], (url, where, kind, value)
    author_feed, tag_feed = story_feeds(article, author, f"T {ORDINARY}")[2:4]
    assert feedparser.parse(client.get(author_feed).content).feed.title.startswith(
        f"A {ORDINARY} — "
    )
    assert feedparser.parse(client.get(tag_feed).content).feed.title.startswith(f"T {ORDINARY} — ")
