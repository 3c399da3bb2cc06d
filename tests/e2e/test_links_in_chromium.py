"""newsroom/links.py reads links as Chromium does: the same corpus, resolved by Chromium's
own URL parser from one of our pages (issue 14, item 10)."""

import html

import pytest

from articles import richtext
from newsroom import links
from tests.security.test_links import HOSTILE, OURS, WEB

pytestmark = pytest.mark.django_db(transaction=True)

BASE = "https://our.site/2026/03/01/story/"
CORPUS = HOSTILE + OURS + WEB + [
    "mailto:desk@example.org", "#footnote-1", "evil.example/", " /2026/03/01/x/\n",
    "\\2026\\03", "/2026/\t03/", "https:\\\\evil.example", "http:/\\evil.example",
]  # fmt: skip

RESOLVE = """([values, base]) => values.map(value => {
    try { const url = new URL(value, base); return [url.protocol, url.origin, url.href]; }
    catch (error) { return null; }
})"""
BODY_HREFS = """([bodies, base]) => bodies.map(body => {
    const doc = new DOMParser().parseFromString(body, "text/html");
    return [...doc.querySelectorAll("a[href]")].map(a => {
        try { return new URL(a.getAttribute("href"), base).origin; }
        catch (error) { return "unparseable"; }
    });
})"""


def test_what_we_keep_leads_where_chromium_goes(new_page):
    page = new_page()
    resolved = page.evaluate(RESOLVE, [CORPUS, BASE])
    ours = page.evaluate(RESOLVE, [[link.href for link in map(links.parse, CORPUS) if link],
                                   BASE])  # fmt: skip
    kept = iter(ours)
    for value, browser in zip(CORPUS, resolved, strict=True):
        link = links.parse(value)
        if link is None:
            # Refused: Chromium indeed leaves our site or the web with it.
            assert browser is None or browser[1] != "https://our.site", (value, browser)
            continue
        assert next(kept) == browser, (value, link)  # our href is the one Chromium follows
        protocol, origin, _href = browser
        if link.kind in (links.Kind.SITE, links.Kind.RELATIVE):
            assert origin == "https://our.site", (value, browser)
        elif link.kind == links.Kind.WEB:
            assert protocol in ("http:", "https:"), (value, browser)
        else:
            assert protocol == "mailto:", (value, browser)


def test_no_link_in_a_cleaned_body_leaves_the_site_in_chromium(new_page):
    page = new_page()
    bodies = [richtext.sanitize(f'<p><a href="{html.escape(value)}">x</a></p>')
              for value in HOSTILE]  # fmt: skip
    for value, origins in zip(HOSTILE, page.evaluate(BODY_HREFS, [bodies, BASE]), strict=True):
        assert all(origin == "https://our.site" for origin in origins), (value, origins)
