"""Links staff type are read the way browsers read them (newsroom/links.py): the breaking-
news banner, author links and links in the body keep only http(s), mailto: and this site's
own pages (issue 14, item 10)."""

import html
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from articles import richtext
from articles.models import Article, BreakingNews
from newsroom import links
from newsroom.validators import validate_public_link, validate_site_or_web_link

# Each leads to evil.example in a browser, from a page at https://our.site/a/b.
TO_ANOTHER_SITE = [
    "//evil.example/", "/\\evil.example/", "\\\\evil.example/", "\\/evil.example/",
    " //evil.example/", "\x01//evil.example/", "\x1f/\\evil.example/", "\x00\\\\evil.example",
    "/\t/evil.example/", "/\n/evil.example/", "\\\r\n\\evil.example/", "\t//evil.example/",
    "//evil.example/ ", "/\\evil.example/\x7f",
]  # fmt: skip
# Each runs script or leaves the web in a browser.
NOT_THE_WEB = [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "java\tscript:alert(1)",
    "java\nscript:alert(1)", "java\rscript:alert(1)", " javascript:alert(1)",
    "\x00javascript:alert(1)", "\x0bjavascript:alert(1)", "\x1fjavascript:alert(1)",
    "javascript\t:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)",
    "file:///etc/passwd",
]  # fmt: skip
HOSTILE = TO_ANOTHER_SITE + NOT_THE_WEB
OURS = ["/", "/2026/03/01/storm-warning/", "/section/world/?page=2", "/tags/storm/#latest"]
WEB = ["https://example.org/", "http://example.org/a?b=c#d", "HTTPS://EXAMPLE.ORG/"]


@pytest.mark.parametrize("value", HOSTILE)
def test_links_that_leave_the_site_or_the_web_are_refused(value):
    assert links.parse(value) is None


@pytest.mark.parametrize(
    ("value", "kind", "href"),
    [
        *((url, links.Kind.SITE, url) for url in OURS),
        *((url, links.Kind.WEB, url) for url in WEB),
        ("mailto:desk@example.org", links.Kind.MAILTO, "mailto:desk@example.org"),
        ("#footnote-1", links.Kind.RELATIVE, "#footnote-1"),
        ("evil.example/", links.Kind.RELATIVE, "evil.example/"),  # a page below this one
        (" /2026/03/01/storm-warning/\n", links.Kind.SITE, "/2026/03/01/storm-warning/"),
        ("\\2026\\03", links.Kind.SITE, "/2026\\03"),  # "\" is "/" at the start, too
        ("/2026/\t03/", links.Kind.SITE, "/2026/03/"),
    ],
)
def test_links_are_read_as_the_browser_follows_them(value, kind, href):
    assert links.parse(value) == links.Link(href, kind)


@pytest.mark.parametrize("value", HOSTILE + ["mailto:desk@example.org", "evil.example/"])
def test_the_banner_link_refuses_what_is_not_our_page_or_the_web(value):
    with pytest.raises(ValidationError, match="starting with / or a full address"):
        validate_site_or_web_link(value)


@pytest.mark.parametrize("value", OURS + WEB)
def test_the_banner_link_takes_our_pages_and_web_addresses(value):
    validate_site_or_web_link(value)


@pytest.mark.parametrize("value", HOSTILE + OURS)
def test_author_links_refuse_what_is_not_the_web_or_mail(value):
    with pytest.raises(ValidationError):
        validate_public_link(value)


@pytest.mark.django_db
def test_an_editor_is_told_why_a_banner_link_is_refused(editor_client):
    response = editor_client.post(
        reverse("admin:articles_breakingnews_add"),
        {
            "text": "Storm warning",
            "link": "/\\evil.example/",
            "starts_at_0": "2026-03-01",
            "starts_at_1": "10:00:00",
            "ends_at_0": "",
            "ends_at_1": "",
        },  # fmt: skip
    )
    assert response.status_code == 200
    assert "Write an address on this site starting with / or a full address" in (
        response.content.decode()
    )
    assert not BreakingNews.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(  # (PostgreSQL stores no NUL in text at all)
    "value", [value for value in TO_ANOTHER_SITE + NOT_THE_WEB if "\x00" not in value]
)
def test_a_banner_stored_with_a_bad_link_shows_no_link(client, settings, value):
    settings.PAGE_CACHE_SECONDS = 0
    BreakingNews.objects.create(text="Storm warning", link=value)  # no form: no validation
    page = client.get("/").content.decode()
    assert "<span>Storm warning</span>" in page  # the banner, as text without a link
    assert "evil.example" not in page


class Hrefs(HTMLParser):
    def __init__(self, markup: str):
        super().__init__()
        self.found: list[str | None] = []
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.found.append(dict(attrs).get("href"))


def _written(value: str) -> list[str]:
    """The ways an href can be written in HTML: as is, and with entities for every
    character a check might look for."""
    entities = {"\\": "&#92;", "/": "&#x2F;", "\t": "&Tab;", "\n": "&NewLine;", ":": "&colon;"}
    return [html.escape(value), "".join(entities.get(c, html.escape(c)) for c in value)]


# (In HTML a NUL is read as U+FFFD before the URL is, and U+FFFD then backslashes is a
# page below ours: those two are left to the tests of parse() above.)
@pytest.mark.parametrize("value", [value for value in HOSTILE if "\x00" not in value])
def test_the_body_keeps_no_link_that_leaves_the_site_or_the_web(value):
    for written in _written(value):
        cleaned = richtext.sanitize(f'<p><a href="{written}">read more</a></p>')
        assert Hrefs(cleaned).found == [None], (written, cleaned)
        assert "read more" in cleaned


@pytest.mark.parametrize("value", OURS + WEB + ["mailto:desk@example.org", "#footnote-1"])
def test_the_body_keeps_links_to_our_pages_the_web_and_mail(value):
    cleaned = richtext.sanitize(f'<p><a href="{html.escape(value)}">read more</a></p>')
    assert Hrefs(cleaned).found == [value]


def test_the_body_keeps_a_link_as_the_browser_would_follow_it():
    cleaned = richtext.sanitize('<p><a href=" /2026/03/01/storm-warning/&#10;">x</a></p>')
    assert Hrefs(cleaned).found == ["/2026/03/01/storm-warning/"]


@pytest.mark.django_db
def test_bodies_saved_before_the_fix_are_cleaned_by_the_migration():
    from importlib import import_module

    from django.apps import apps

    from tests.factories import make_article

    bad = make_article(body="<p>x</p>")
    good = make_article(body='<p><a href="/2026/03/01/storm/">storm</a></p>')
    # As the old cleaner stored it (the model's save() would clean it now).
    stored = '<p><a href="/\\evil.example/" rel="noopener">read more</a> on it</p>'
    Article.objects.filter(pk=bad.pk).update(body=stored)
    untouched = Article.objects.get(pk=good.pk).body

    import_module("articles.migrations.0006_clean_body_links").clean_links(apps, None)

    assert Article.objects.get(pk=bad.pk).body == '<p><a rel="noopener">read more</a> on it</p>'
    assert Article.objects.get(pk=good.pk).body == untouched
