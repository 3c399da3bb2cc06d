"""Scenario 1, the desk: a journalist files a story, an editor returns it, the journalist
fixes it, the editor schedules it and then publishes it now — all in a real browser."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from articles.models import Article, Status
from tests.e2e.conftest import choose_in_autocomplete, log_in
from tests.factories import jpeg_bytes, make_agency, make_author, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def desk(tmp_path):
    journalist = make_user("leila", "Journalist", first_name="Leila", last_name="Haddad")
    editor = make_user("samuel", "Editor", first_name="Samuel", last_name="Okafor")
    make_author("Leila Haddad", user=journalist, job_title="Middle East correspondent")
    make_agency("AP", photo_credit="AP Photo")
    make_agency("Al Jazeera")
    photo = tmp_path / "crossing.jpg"
    photo.write_bytes(jpeg_bytes((1600, 1000), colour=(180, 140, 90)))
    return {"journalist": journalist, "editor": editor, "photo": photo}


def write_body(page):
    editor = page.locator(".ProseMirror[contenteditable=true]")
    editor.click()
    page.keyboard.type("The crossing opened at dawn. ")
    # Bold text from the toolbar.
    page.click("[data-name=bold]")
    page.keyboard.type("Hundreds of trucks")
    page.click("[data-name=bold]")
    page.keyboard.type(" waited overnight, said ")
    # A link: select the words, then the toolbar's link dialog.
    page.keyboard.type("the agency")
    page.keyboard.press("Shift+ArrowLeft")
    for _ in range(len("the agency") - 1):
        page.keyboard.press("Shift+ArrowLeft")
    page.click("[data-name=link]")
    page.fill("dialog.prose-editor-dialog input[name=href]", "https://relief.example/report")
    page.click("dialog.prose-editor-dialog button[type=submit]")
    expect(editor.locator("a[href='https://relief.example/report']")).to_have_text("the agency")
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.type(".")
    page.keyboard.press("Enter")
    # A heading from the block-type menu.
    page.keyboard.type("What comes next")
    page.click(".prose-menubar__dropdown .prose-menubar__selected")
    page.click(".prose-menubar__option[data-name=heading2]")
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    # A bulleted list.
    page.click("[data-name=bulletList]")
    page.keyboard.type("Fuel deliveries resume")
    page.keyboard.press("Enter")
    page.keyboard.type("Schools reopen on Monday")


def test_journalist_files_editor_returns_schedules_and_publishes(
    site, desk, new_page, shot, settings
):
    settings.PAGE_CACHE_SECONDS = 0
    journalist = new_page()
    log_in(journalist, site, "leila")
    journalist.goto(f"{site}/admin/articles/article/add/")
    journalist.fill("#id_headline", "Jordan opens a second crossing for aid convoys")
    journalist.fill("#id_standfirst", "Trucks can now cross day and night.")
    write_body(journalist)
    journalist.select_option("#id_primary_section", label="Middle East")
    journalist.get_by_label("World").check()

    # A lead photo, added without leaving the article (the admin's "+" opens a popup).
    with journalist.expect_popup() as popup_info:
        journalist.click("#add_id_lead_photo")
    popup = popup_info.value
    popup.set_input_files("#id_image", str(desk["photo"]))
    popup.fill("#id_alt_text", "Trucks queue at a desert border crossing")
    popup.fill("#id_caption", "Aid convoys waiting at the crossing on Sunday.")
    choose_in_autocomplete(popup, "id_agency", "AP")
    popup.select_option("#id_rights", "agency")
    shot(popup, "01-photo-upload")
    with popup.expect_event("close"):
        popup.click("input[name=_save]")
    expect(journalist.locator("#id_lead_photo option:checked")).to_contain_text("Trucks queue")
    # Choosing a photo shows each one's thumbnail and credit.
    journalist.click("#id_lead_photo + .select2")
    journalist.fill(".select2-container--open .select2-search__field", "Trucks")
    option = journalist.locator(".select2-results__option .newsroom-photo-option").first
    expect(option.locator("img")).to_be_visible()
    expect(option).to_contain_text("Source: AP Photo")
    shot(journalist, "01b-photo-chooser", full_page=False)
    journalist.keyboard.press("Escape")

    journalist.fill("#id_tags", "humanitarian aid, Jordan")
    choose_in_autocomplete(journalist, "id_agencies", "Al Jazeera")
    expect(journalist.locator("#id_bylines option:checked")).to_have_text("Leila Haddad")
    shot(journalist, "02-journalist-writes")
    journalist.click("input[name=_continue]")
    expect(journalist.locator(".messagelist .success")).to_be_visible()

    article = Article.objects.get(headline__startswith="Jordan opens")
    for markup in ("<strong>Hundreds of trucks</strong>", 'href="https://relief.example/report"',
                   "<h2>What comes next</h2>", "<ul><li><p>Fuel deliveries resume"):  # fmt: skip
        assert markup in article.body, (markup, article.body)
    assert article.lead_photo.public_credit == "Source: AP Photo"

    with journalist.expect_popup() as preview_info:
        journalist.click("text=Preview")
    preview = preview_info.value
    expect(preview.locator("h1")).to_have_text("Jordan opens a second crossing for aid convoys")
    expect(preview.locator(".with-input")).to_have_text("With input from Al Jazeera")
    shot(preview, "03-preview")
    preview.close()

    journalist.click("input[name=_submit_for_review]")
    expect(journalist.locator(".messagelist")).to_contain_text("sent to the editors for review")
    shot(journalist, "04-submitted")

    editor = new_page()
    log_in(editor, site, "samuel")
    editor.goto(f"{site}/admin/articles/article/?state=review")
    editor.click("text=Jordan opens a second crossing")
    editor.click("text=Return to journalist…")
    editor.fill("#id_note", "Say when the crossing opened in the standfirst, please.")
    shot(editor, "05-editor-returns")
    editor.click("input[type=submit]")
    expect(editor.locator(".messagelist")).to_contain_text("returned to its journalist")

    journalist.goto(f"{site}/admin/articles/article/{article.pk}/change/")
    expect(journalist.locator(".newsroom-note--returned")).to_contain_text("Say when the crossing")
    journalist.fill("#id_standfirst", "Trucks can cross day and night since Sunday's opening.")
    shot(journalist, "06-journalist-fixes")
    journalist.click("input[name=_submit_for_review]")
    expect(journalist.locator(".messagelist")).to_contain_text("sent to the editors")

    editor.goto(f"{site}/admin/articles/article/{article.pk}/change/")
    editor.click("text=Publish or schedule…")
    expect(editor.locator(".newsroom-checks li.fail")).to_have_count(0)
    editor.check("input[name=when][value=schedule]")
    later = timezone.localtime() + datetime.timedelta(minutes=2)
    editor.fill("#id_publish_at", f"{later:%Y-%m-%dT%H:%M}")
    shot(editor, "07-editor-schedules")
    editor.click("input[type=submit]")
    expect(editor.locator(".messagelist")).to_contain_text("is scheduled for")
    article.refresh_from_db()
    assert article.is_scheduled

    editor.click("text=Reschedule or publish now")
    editor.check("input[name=when][value=now]")
    editor.click("input[type=submit]")
    expect(editor.locator(".messagelist")).to_contain_text("is published")
    shot(editor, "08-editor-publishes")
    article.refresh_from_db()
    assert article.status == Status.PUBLISHED and not article.is_scheduled

    reader = new_page()
    reader.goto(f"{site}/")
    reader.click("text=Jordan opens a second crossing for aid convoys")
    expect(reader.locator(".figure__credit")).to_have_text("Source: AP Photo")
    expect(reader).to_have_url(re.compile(r"/\d{4}/\d{2}/\d{2}/jordan-opens-a-second-crossing"))
    shot(reader, "09-reader-sees-it")
    assert not journalist.errors and not editor.errors, journalist.errors + editor.errors
