"""The desk during a database outage, in Chromium (issue 14, item 16): gunicorn with
production settings on a PostgreSQL of its own, stopped while an editor saves."""

import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import log_in
from tests.services import site_on_postgres

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def desk(tmp_path):
    with site_on_postgres(tmp_path) as site:
        yield site


def test_a_save_during_a_database_outage_loses_no_text(desk, new_page, shot):
    pk = desk.run(
        "factories.make_user('editor', 'Editor')\n"
        "result = factories.make_article('Bridge closed by the floods').pk"
    )
    page = new_page()
    log_in(page, desk.base, "editor")
    page.goto(f"{desk.base}/admin/articles/article/{pk}/change/")
    page.fill("#id_headline", "Bridge reopens after the floods")
    page.locator(".ProseMirror[contenteditable=true]").click()
    page.keyboard.type(" Traffic is back on both lanes.")

    desk.postgres.stop("fast")
    page.click("input[name=_save]")  # straight after typing, with no pause
    expect(page.locator("h1")).to_have_text("Your changes were not saved")
    expect(page.locator("main")).to_contain_text("Your text is safe in this browser")
    shot(page, "01-not-saved")
    kept = page.evaluate(f"() => localStorage.getItem('newsroom:article:{pk}')")
    assert "Bridge reopens after the floods" in kept and "both lanes" in kept

    page.go_back()  # the form again, asked for while the database is still away
    expect(page.locator("h1")).to_have_text("The desk cannot reach its database just now")
    shot(page, "02-back-during-the-outage")

    desk.postgres.start()
    try_again = page.get_by_role("link", name="Try again")
    assert try_again.get_attribute("href") == f"/admin/articles/article/{pk}/change/"
    deadline = time.monotonic() + 15
    while not page.locator("#article_form").count():
        assert time.monotonic() < deadline, "the form did not come back"
        time.sleep(0.2)
        try_again.click()
        page.wait_for_load_state()
    expect(page.locator("#id_headline")).to_have_value("Bridge closed by the floods")
    expect(page.locator("[data-autosave-offer]")).to_be_visible()
    shot(page, "03-copy-offered")
    page.click("[data-autosave-restore]")
    expect(page.locator("#id_headline")).to_have_value("Bridge reopens after the floods")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist .success")).to_be_visible()
    saved = desk.run(
        "from articles.models import Article\n"
        f"story = Article.objects.get(pk={pk})\n"
        "result = [story.headline, story.body]"
    )
    assert saved[0] == "Bridge reopens after the floods"
    assert "Traffic is back on both lanes." in saved[1]
