"""Scenario 3, the guard rails; and the XSS corpus in a real browser."""

import pytest
from playwright.sync_api import expect

from articles.models import Article, Status
from tests.e2e.conftest import log_in
from tests.factories import make_article, make_author, make_user
from tests.security.test_hostile_input import EVIL, PAYLOADS

pytestmark = pytest.mark.django_db(transaction=True)


def test_journalist_has_no_publish_button_nor_a_way_in_by_url(site, new_page, shot):
    journalist = make_user("leila", "Journalist")
    profile = make_author("Leila Haddad", user=journalist)
    draft = make_article("My draft", status=Status.DRAFT, created_by=journalist,
                         authors=[profile])  # fmt: skip
    page = new_page()
    log_in(page, site, "leila")
    page.goto(f"{site}/admin/articles/article/{draft.pk}/change/")
    expect(page.locator("input[name=_submit_for_review]")).to_be_visible()
    expect(page.locator("input[name=_publish]")).to_have_count(0)
    expect(page.locator("text=Publish or schedule")).to_have_count(0)
    shot(page, "01-journalist-form")
    response = page.goto(f"{site}/admin/articles/article/{draft.pk}/publish/")
    assert response.status == 403
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT


def test_an_anonymous_reader_cannot_open_a_draft(site, new_page):
    draft = make_article("Secret draft", status=Status.DRAFT)
    page = new_page()
    response = page.goto(f"{site}/2026/01/01/{draft.slug}/")
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text("Secret draft")
    page.goto(f"{site}/admin/articles/article/{draft.pk}/preview/")
    expect(page).to_have_url(
        f"{site}/admin/login/?next=/admin/articles/article/{draft.pk}/preview/"
    )


def test_two_editors_same_article_second_save_refused_text_kept(site, new_page, shot):
    make_user("samuel", "Editor", first_name="Samuel", last_name="Okafor")
    make_user("rania", "Editor", first_name="Rania", last_name="Aziz")
    article = make_article("Original headline")
    first, second = new_page(), new_page()
    for page, user in ((first, "samuel"), (second, "rania")):
        log_in(page, site, user)
        page.goto(f"{site}/admin/articles/article/{article.pk}/change/")
    first.fill("#id_headline", "Samuel's headline")
    first.click("input[name=_continue]")
    expect(first.locator(".messagelist .success")).to_be_visible()

    second.fill("#id_standfirst", "Rania's careful new standfirst")
    second.click("input[name=_continue]")
    expect(second.locator(".errornote, .errorlist").first).to_be_visible()
    expect(second.locator("body")).to_contain_text("Samuel Okafor changed this article at")
    expect(second.locator("#id_standfirst")).to_have_value("Rania's careful new standfirst")
    shot(second, "01-second-save-refused")
    article.refresh_from_db()
    assert article.headline == "Samuel's headline"
    assert article.standfirst != "Rania's careful new standfirst"


def test_the_xss_corpus_does_nothing_in_a_real_browser(site, new_page, settings):
    from tests.factories import make_agency, make_photo

    settings.PAGE_CACHE_SECONDS = 0
    agency = make_agency(EVIL[:80])
    author = make_author(EVIL[:120], bio=EVIL)
    story = make_article(
        EVIL[:200], standfirst=EVIL[:400], body=EVIL, authors=[author], agencies=[agency],
        lead_photo=make_photo(alt_text=EVIL[:250], caption=EVIL, agency=agency),
        tags=[PAYLOADS[0]],
    )  # fmt: skip
    page = new_page()
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    for url in ("/", story.get_absolute_url(), author.get_absolute_url(), "/search/?q=alert",
                "/feed/"):  # fmt: skip
        page.goto(f"{site}{url}")
        page.mouse.move(200, 300)  # would trigger onmouseover payloads
        injected = page.evaluate(
            """() => ({
                scripts: [...document.querySelectorAll('script')]
                    .filter(s => s.type !== 'application/ld+json').length,
                frames: document.querySelectorAll('iframe, object, embed').length,
                svg: document.querySelectorAll('svg').length,
                handlers: [...document.querySelectorAll('*')]
                    .filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
            })"""
        )
        assert injected == {"scripts": 0, "frames": 0, "svg": 0, "handlers": 0}, (url, injected)
    assert dialogs == []
    assert Article.objects.filter(pk=story.pk).exists()


def test_a_session_that_expires_mid_story_loses_no_text(site, new_page, shot):
    journalist = make_user("leila", "Journalist")
    make_author("Leila Haddad", user=journalist)
    page = new_page()
    log_in(page, site, "leila")
    page.goto(f"{site}/admin/articles/article/add/")
    page.fill("#id_headline", "Floods reach the old town")
    page.locator(".ProseMirror[contenteditable=true]").click()
    page.keyboard.type("Water rose a metre overnight in the lower streets.")
    page.wait_for_function(
        "() => (localStorage.getItem('newsroom:article:new') || '').includes('a metre overnight')"
    )
    page.context.clear_cookies()  # the session and CSRF cookie expire while she writes
    page.click("input[name=_save]")
    assert Article.objects.count() == 0  # the save could not happen
    shot(page, "01-save-refused")

    log_in(page, site, "leila")
    page.goto(f"{site}/admin/articles/article/add/")
    offer = page.locator("[data-autosave-offer]")
    expect(offer).to_be_visible()
    shot(page, "02-copy-offered")
    page.click("[data-autosave-restore]")
    expect(page.locator("#id_headline")).to_have_value("Floods reach the old town")
    expect(page.locator(".ProseMirror[contenteditable=true]")).to_contain_text("a metre overnight")
    page.select_option("#id_primary_section", label="World")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_be_visible()
    saved = Article.objects.get()
    assert saved.headline == "Floods reach the old town"
    assert "a metre overnight" in saved.body
    # The saved page forgets the kept copy once its scripts have run.
    page.wait_for_function("() => localStorage.getItem('newsroom:article:new') === null")
