"""Issue 14: text put back in the form after a refused save is still checked against the
version it was written on; the person sees both versions side by side and merges."""

import pytest
from playwright.sync_api import expect

from articles.models import Article, Status
from tests.e2e.conftest import log_in
from tests.factories import make_article, make_author, make_user

pytestmark = pytest.mark.django_db(transaction=True)

BODY = ".ProseMirror[contenteditable=true]"


def add_paragraph(page, text: str) -> None:
    """A new paragraph at the end of the body, once the editor shows the saved text."""
    expect(page.locator(BODY)).to_contain_text("Delegations met on Monday.")
    page.locator(f"{BODY} p").last.click()
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    page.keyboard.type(text)
    expect(page.locator(f"{BODY} p")).to_have_text(["Delegations met on Monday.", text])


def two_paragraphs_one_saved(site, new_page):
    """The journalist's draft open for her and an editor, each adding a paragraph; she
    saves, and the editor's save (from the older copy) is refused side by side."""
    journalist = make_user("leila", "Journalist", first_name="Leila", last_name="Haddad")
    make_user("samuel", "Editor", first_name="Samuel", last_name="Okafor")
    draft = make_article(
        "Talks resume in Geneva", status=Status.DRAFT, created_by=journalist,
        authors=[make_author("Leila Haddad", user=journalist)],
        body="<p>Delegations met on Monday.</p>",
    )  # fmt: skip
    url = f"{site}/admin/articles/article/{draft.pk}/change/"
    leila, samuel = new_page(), new_page()
    for page, user in ((leila, "leila"), (samuel, "samuel")):
        log_in(page, site, user)
        page.goto(url)
    add_paragraph(leila, "The journalist's paragraph from the venue.")
    add_paragraph(samuel, "The editor's paragraph on the background.")
    samuel.wait_for_function(
        f"() => (localStorage.getItem('newsroom:article:{draft.pk}') || '').includes('background')"
    )

    # The journalist saves; the editor's save from the older copy is refused.
    leila.click("input[name=_continue]")
    expect(leila.locator(".messagelist .success")).to_be_visible()
    samuel.click("input[name=_continue]")
    expect(samuel.locator(".errornote")).to_be_visible()
    expect(samuel.locator("body")).to_contain_text("Leila Haddad changed this article at")
    return draft, url, leila, samuel


def test_put_back_text_after_a_refusal_cannot_replace_a_colleagues_save(site, new_page, shot):
    draft, url, leila, samuel = two_paragraphs_one_saved(site, new_page)

    # The editor reloads and puts the text this browser kept back in the form ...
    samuel.goto(url)
    expect(samuel.locator("[data-autosave-offer]")).to_be_visible()
    samuel.click("[data-autosave-restore]")
    expect(samuel.locator(BODY)).to_contain_text("on the background")
    expect(samuel.locator(BODY)).not_to_contain_text("from the venue")
    samuel.click("input[name=_continue]")

    # ... and the save is refused again: the text was written before the journalist's save.
    expect(samuel.locator(".errornote")).to_be_visible()
    expect(samuel.locator(".messagelist .success")).to_have_count(0)
    body = samuel.locator("[data-conflict-part=body]")
    expect(body.locator("th").nth(0)).to_have_text("Your text")
    expect(body.locator("th").nth(1)).to_have_text("Saved by Leila Haddad")
    differs = body.locator("tr.newsroom-conflict__differs")
    expect(differs).to_have_count(1)
    expect(differs.locator("td").nth(0)).to_have_text("The editor's paragraph on the background.")
    expect(differs.locator("td").nth(1)).to_have_text("The journalist's paragraph from the venue.")
    shot(samuel, "01-side-by-side")
    saved = Article.objects.get(pk=draft.pk)
    assert "from the venue" in saved.body and "on the background" not in saved.body

    # The editor merges (both paragraphs), checks the result and saves.
    body.get_by_role("button", name="Put both together").click()
    expect(samuel.locator(BODY)).to_contain_text("from the venue")
    expect(samuel.locator(BODY)).to_contain_text("on the background")
    samuel.click("input[name=_continue]")
    expect(samuel.locator(".messagelist .success")).to_be_visible()
    shot(samuel, "02-merged-and-saved")
    saved.refresh_from_db()
    assert saved.body == (
        "<p>Delegations met on Monday.</p>"
        "<p>The editor's paragraph on the background.</p>"
        "<p>The journalist's paragraph from the venue.</p>"
    )
    assert not leila.errors and not samuel.errors, leila.errors + samuel.errors


def test_a_copy_kept_on_the_refusal_page_is_still_checked_against_its_first_version(
    site, new_page, shot
):
    """Typing on the refusal page keeps a new copy in the browser; put back later, it is
    checked against the version the text was written on, not the one the refusal showed."""
    draft, url, leila, samuel = two_paragraphs_one_saved(site, new_page)
    key = f"newsroom:article:{draft.pk}"
    kept_at = samuel.evaluate(f"() => JSON.parse(localStorage.getItem('{key}')).savedAt")

    # On the refusal page the editor types a key and takes it back: the browser keeps a
    # copy of the form as it is on that page.
    headline = samuel.locator("input[name=headline]")
    headline.click()
    headline.press("End")
    headline.press("!")
    headline.press("Backspace")
    samuel.wait_for_function(
        f"() => JSON.parse(localStorage.getItem('{key}')).savedAt !== {kept_at!r}"
    )

    # The editor reloads the edit page, puts that copy back and saves ...
    samuel.goto(url)
    expect(samuel.locator("[data-autosave-offer]")).to_be_visible()
    samuel.click("[data-autosave-restore]")
    expect(samuel.locator(BODY)).to_contain_text("on the background")
    expect(samuel.locator(BODY)).not_to_contain_text("from the venue")
    samuel.click("input[name=_continue]")

    # ... and is refused again with both versions side by side: the journalist's
    # paragraph is still in the article.
    expect(samuel.locator(".errornote")).to_be_visible()
    expect(samuel.locator(".messagelist .success")).to_have_count(0)
    body = samuel.locator("[data-conflict-part=body]")
    differs = body.locator("tr.newsroom-conflict__differs")
    expect(differs).to_have_count(1)
    expect(differs.locator("td").nth(0)).to_have_text("The editor's paragraph on the background.")
    expect(differs.locator("td").nth(1)).to_have_text("The journalist's paragraph from the venue.")
    shot(samuel, "03-put-back-from-the-refusal-page-refused")
    saved = Article.objects.get(pk=draft.pk)
    assert "from the venue" in saved.body and "on the background" not in saved.body

    # A save straight from this side-by-side page counts as based on the version shown.
    body.get_by_role("button", name="Put both together").click()
    samuel.click("input[name=_continue]")
    expect(samuel.locator(".messagelist .success")).to_be_visible()
    saved.refresh_from_db()
    assert "from the venue" in saved.body and "on the background" in saved.body
    assert not leila.errors and not samuel.errors, leila.errors + samuel.errors
