"""Scenario 2, the reader, on a phone and on a desktop; and accessibility (axe-core)."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from articles.models import Correction
from tests.factories import make_agency, make_article, make_author, make_photo, section

pytestmark = pytest.mark.django_db(transaction=True)

VIEWPORTS = {"phone": (390, 844), "desktop": (1280, 900)}


@pytest.fixture
def published(editor):
    author = make_author(
        "Leila Haddad", job_title="Middle East correspondent",
        bio="Leila Haddad has reported from Beirut, Amman and Baghdad for a decade.",
    )  # fmt: skip
    ap = make_agency("AP", photo_credit="AP Photo")
    photo = make_photo(agency=ap, credit="", caption="Aid convoys at the crossing.",
                       renditions=True, size=(1600, 1000))  # fmt: skip
    story = make_article(
        "Jordan opens a second crossing for aid convoys",
        standfirst="Trucks can now cross day and night.",
        body="<p>The crossing near Maan will run through the night, said the governor.</p>"
        "<h2>Next steps</h2><p>Officials expect fuel convoys by Thursday.</p>",
        authors=[author], tags=["humanitarian aid"], agencies=[make_agency("Al Jazeera")],
        primary_section=section("middle-east"), sections=[section("world")], lead_photo=photo,
    )  # fmt: skip
    Correction.objects.create(article=story, text="It opened on Sunday.", created_by=editor)
    for number in range(6):
        make_article(f"Other story {number}", authors=[author], primary_section=section("usa"))
    return story


@pytest.mark.parametrize("device", sorted(VIEWPORTS))
def test_reader_finds_reads_and_follows_the_story(site, published, new_page, shot, device):
    width, height = VIEWPORTS[device]
    page = new_page(width=width, height=height)
    page.goto(f"{site}/")
    shot(page, f"{device}-01-front")
    page.click("text=Jordan opens a second crossing for aid convoys")
    expect(page.locator("h1")).to_have_text("Jordan opens a second crossing for aid convoys")
    expect(page.locator(".article__sections li")).to_have_text(["Middle East", "World"])
    expect(page.locator(".figure__credit")).to_have_text("Source: AP Photo")
    expect(page.locator(".with-input")).to_have_text("With input from Al Jazeera")
    expect(page.locator(".notes")).to_contain_text("It opened on Sunday.")
    expect(page.locator(".bio")).to_contain_text("Middle East correspondent")
    page.wait_for_function(
        "() => { const img = document.querySelector('.figure img');"
        " return img && img.complete && img.naturalWidth > 0; }"
    )  # the photo really loads (from its rendition)
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scroll
    shot(page, f"{device}-02-article")

    page.click(".byline a[rel=author]")
    expect(page.locator("h1")).to_have_text("Leila Haddad")
    shot(page, f"{device}-03-author")
    page.go_back()
    page.click("a[rel=tag]")
    expect(page.locator("h1")).to_contain_text("humanitarian aid")
    expect(page.locator(".stream")).to_contain_text("Jordan opens a second crossing")

    page.fill("#site-search", "governor")
    page.press("#site-search", "Enter")
    expect(page.locator(".search-results")).to_contain_text("Jordan opens a second crossing")
    shot(page, f"{device}-04-search")

    feed = page.request.get(f"{site}/feed/")
    assert feed.ok and "Jordan opens a second crossing for aid convoys" in feed.text()
    assert not page.errors, page.errors


def test_pages_have_no_serious_accessibility_violations(site, published, new_page):
    axe = Axe()
    page = new_page()
    for url in ("/", "/section/middle-east/", published.get_absolute_url(),
                "/authors/leila-haddad/", "/search/?q=crossing", "/no-such-page/"):  # fmt: skip
        page.goto(f"{site}{url}")
        results = axe.run(page)
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not serious, (url, serious)
