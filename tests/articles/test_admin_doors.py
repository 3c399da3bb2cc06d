"""Every door of the admin, tried as a journalist and as an editor."""

import datetime

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from articles import services
from articles.models import Article, Section, Status
from tests.factories import make_article, make_author, section

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:articles_article_changelist")


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def form_data(article, **overrides):
    data = {
        "headline": article.headline,
        "standfirst": article.standfirst,
        "body": article.body,
        "primary_section": article.primary_section_id or "",
        "sections": [s.pk for s in article.sections.all()],
        "tags": ", ".join(article.tags.names()),
        "bylines": [a.pk for a in article.byline_authors],
        "agencies": [a.pk for a in article.agencies.all()],
        "slug": article.slug,
        "lead_photo": article.lead_photo_id or "",
        "loaded_version": article.version,
    }
    data.update(overrides)
    return data


@pytest.fixture
def own_draft(journalist):
    profile = make_author(user=journalist)
    return make_article(
        "My own draft", status=Status.DRAFT, created_by=journalist, authors=[profile]
    )


@pytest.fixture
def others_draft(other_journalist):
    return make_article("Someone else's draft", status=Status.DRAFT, created_by=other_journalist)


# --- the change form -----------------------------------------------------------------


def test_journalist_edits_own_draft(journalist_client, own_draft):
    response = journalist_client.post(
        change_url(own_draft), form_data(own_draft, headline="My own draft, rewritten")
    )
    assert response.status_code == 302, response.content
    own_draft.refresh_from_db()
    assert own_draft.headline == "My own draft, rewritten"
    assert own_draft.version == 2


def test_journalist_cannot_open_or_post_to_someone_elses_draft(journalist_client, others_draft):
    # Another journalist's draft is not even visible: the admin says it does not exist.
    assert journalist_client.get(change_url(others_draft)).status_code == 302
    response = journalist_client.post(
        change_url(others_draft), form_data(others_draft, headline="Hijacked")
    )
    # The admin's answer for an object outside the user's queryset: "does not exist",
    # back to the index, the same as for an id that was never used.
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")
    others_draft.refresh_from_db()
    assert others_draft.headline == "Someone else's draft"


def test_journalist_sees_published_articles_read_only(journalist_client):
    article = make_article("Published story")
    page = journalist_client.get(change_url(article))
    assert page.status_code == 200
    assert b'name="headline"' not in page.content  # read-only view, no inputs
    response = journalist_client.post(change_url(article), form_data(article, headline="No"))
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.headline == "Published story"


def test_journalist_cannot_edit_own_article_once_in_review(
    journalist_client, journalist, own_draft
):
    services.submit(own_draft, by=journalist)
    response = journalist_client.post(change_url(own_draft), form_data(own_draft, headline="Late"))
    assert response.status_code == 403
    own_draft.refresh_from_db()
    assert own_draft.headline == "My own draft"


def test_crafted_post_with_status_and_publish_time_changes_neither(journalist_client, own_draft):
    data = form_data(
        own_draft,
        status="published",
        published_at="2020-01-01 00:00",
        first_published_at="2020-01-01 00:00",
        created_by=1,
        version=99,
    )
    response = journalist_client.post(change_url(own_draft), data)
    assert response.status_code == 302
    own_draft.refresh_from_db()
    assert own_draft.status == Status.DRAFT
    assert own_draft.published_at is None


def test_save_as_new_is_refused(journalist_client, editor_client, own_draft):
    data = {**form_data(own_draft), "_saveasnew": "Save as new"}
    assert journalist_client.post(change_url(own_draft), data).status_code == 403
    assert Article.objects.count() == 1


def test_list_has_no_editable_columns(editor_client):
    make_article()
    page = editor_client.get(CHANGELIST)
    assert page.status_code == 200
    assert b'name="form-0-' not in page.content


# --- workflow doors ------------------------------------------------------------------

WORKFLOW_STEPS = ["publish", "return", "unpublish", "correct"]


@pytest.mark.parametrize("step", WORKFLOW_STEPS)
def test_journalist_cannot_reach_editor_steps_by_url(journalist_client, own_draft, step):
    url = reverse(f"admin:articles_article_{step}", args=[own_draft.pk])
    assert journalist_client.get(url).status_code == 403
    response = journalist_client.post(url, {"when": "now", "note": "x", "text": "x"})
    assert response.status_code == 403
    own_draft.refresh_from_db()
    assert own_draft.status == Status.DRAFT
    assert not own_draft.corrections.exists()


@pytest.mark.parametrize(
    "step",
    ["submit", "publish", "return", "unpublish", "correct", "share", "preview"],
)
def test_guessing_another_articles_id_finds_nothing(journalist_client, others_draft, step):
    url = reverse(f"admin:articles_article_{step}", args=[others_draft.pk])
    assert journalist_client.get(url).status_code in (404, 405)
    assert journalist_client.post(url, {"note": "x", "when": "now"}).status_code == 404


@pytest.mark.parametrize(
    ("url_name", "status"),
    # The admin's own views send an unknown object back to the index; our compare view
    # answers 404. Either way the journalist learns nothing the id of a missing one would not.
    [("history", 302), ("compare", 404), ("delete", 302)],
)
def test_guessing_ids_in_history_and_delete_urls(journalist_client, others_draft, url_name, status):
    url = reverse(f"admin:articles_article_{url_name}", args=[others_draft.pk])
    response = journalist_client.get(url)
    assert response.status_code == status
    if status == 302:
        assert response["Location"] == reverse("admin:index")
    assert b"Someone else" not in response.content
    missing = reverse(f"admin:articles_article_{url_name}", args=[others_draft.pk + 1000])
    assert journalist_client.get(missing).status_code == status  # the same as no article


def test_journalist_submits_from_the_form(journalist_client, own_draft):
    response = journalist_client.post(
        change_url(own_draft), {**form_data(own_draft), "_submit_for_review": "1"}
    )
    assert response.status_code == 302
    own_draft.refresh_from_db()
    assert own_draft.status == Status.REVIEW


def test_journalist_form_has_no_publish_button(journalist_client, own_draft):
    page = journalist_client.get(change_url(own_draft))
    assert b"Submit for review" in page.content or b"submit for review" in page.content
    assert b'name="_publish"' not in page.content
    assert b"Publish or schedule" not in page.content


def test_editor_publishes_through_the_preflight_page(editor_client, own_draft):
    url = reverse("admin:articles_article_publish", args=[own_draft.pk])
    page = editor_client.get(url)
    assert page.status_code == 200
    assert own_draft.public_path(at=timezone.now()).encode() in page.content
    assert b"/feed/" in page.content
    response = editor_client.post(url, {"when": "now"})
    assert response.status_code == 302
    own_draft.refresh_from_db()
    assert own_draft.status == Status.PUBLISHED


def test_editor_schedules_and_bad_times_get_clear_messages(editor_client, own_draft):
    url = reverse("admin:articles_article_publish", args=[own_draft.pk])
    past = editor_client.post(url, {"when": "schedule", "publish_at": "2001-01-01T09:00"})
    assert past.status_code == 200 and b"That time has passed" in past.content
    garbage = editor_client.post(url, {"when": "schedule", "publish_at": "next tuesday"})
    assert garbage.status_code == 200 and b"Enter a valid date/time" in garbage.content
    missing = editor_client.post(url, {"when": "schedule"})
    assert missing.status_code == 200 and b"Choose when" in missing.content
    future = timezone.localtime() + datetime.timedelta(days=1)
    ok = editor_client.post(url, {"when": "schedule", "publish_at": f"{future:%Y-%m-%dT%H:%M}"})
    assert ok.status_code == 302
    own_draft.refresh_from_db()
    assert own_draft.is_scheduled


def test_preflight_failures_block_with_a_clear_message(editor_client, editor):
    article = Article(headline="Bare")
    services.save_article(article, by=editor)
    url = reverse("admin:articles_article_publish", args=[article.pk])
    response = editor_client.post(url, {"when": "now"})
    assert response.status_code == 200
    assert b"cannot be published yet" in response.content
    assert b"Add at least one author" in response.content
    article.refresh_from_db()
    assert article.status == Status.DRAFT


def test_editor_returns_unpublishes_and_corrects(editor_client, journalist, own_draft):
    services.submit(own_draft, by=journalist)
    back = reverse("admin:articles_article_return", args=[own_draft.pk])
    assert b"Write a note" in editor_client.post(back, {"note": "  "}).content
    assert editor_client.post(back, {"note": "Needs a source"}).status_code == 302
    own_draft.refresh_from_db()
    assert own_draft.status == Status.DRAFT

    live = make_article("Live story")
    correct = reverse("admin:articles_article_correct", args=[live.pk])
    assert (
        editor_client.post(correct, {"kind": "correction", "text": "Fixed a date."}).status_code
        == 302
    )
    assert live.corrections.get().text == "Fixed a date."
    down = reverse("admin:articles_article_unpublish", args=[live.pk])
    assert editor_client.post(down, {"note": ""}).status_code == 302
    live.refresh_from_db()
    assert live.status == Status.DRAFT


def test_returned_note_is_shown_to_the_journalist(journalist_client, journalist, editor, own_draft):
    services.submit(own_draft, by=journalist)
    services.return_to_journalist(own_draft, by=editor, note="Check the figures in para 3")
    page = journalist_client.get(change_url(own_draft))
    assert b"Check the figures in para 3" in page.content
    # The article's page shows its workflow: who did what, when.
    html = page.content.decode()
    assert "Returned to the journalist by Editor" in html
    assert "Submitted for review by Journalist" in html


# --- bulk actions and deletion -------------------------------------------------------


def test_bulk_delete_obeys_per_article_rules(journalist_client, own_draft, others_draft):
    published_own = make_article("Published own", created_by=own_draft.created_by)
    data = {
        "action": "delete_selected_safely",
        "_selected_action": [own_draft.pk, published_own.pk],
        "post": "yes",
    }
    response = journalist_client.post(CHANGELIST, data)
    assert response.status_code in (200, 403)
    assert Article.objects.filter(pk=published_own.pk).exists()
    assert Article.objects.filter(pk=own_draft.pk).exists()  # the whole action was refused


def test_journalist_deletes_own_unpublished_draft(journalist_client, own_draft):
    url = reverse("admin:articles_article_delete", args=[own_draft.pk])
    assert journalist_client.post(url, {"post": "yes"}).status_code == 302
    assert not Article.objects.filter(pk=own_draft.pk).exists()


# --- desk management and accounts ----------------------------------------------------


def test_journalist_cannot_manage_sections_agencies_authors(journalist_client):
    for name in ("articles_section_add", "articles_agency_add", "authors_author_add"):
        assert journalist_client.get(reverse(f"admin:{name}")).status_code == 403
    assert (
        journalist_client.post(
            reverse("admin:articles_section_add"), {"name": "Sport", "slug": "sport", "position": 5}
        ).status_code
        == 403
    )
    assert not Section.objects.filter(slug="sport").exists()


def test_editor_manages_sections(editor_client):
    response = editor_client.post(
        reverse("admin:articles_section_add"),
        {"name": "Sport", "slug": "sport", "description": "", "position": 5},
    )
    assert response.status_code == 302
    assert Section.objects.filter(slug="sport").exists()


def test_editor_cannot_touch_users_or_roles(editor_client, editor, groups):
    for url in (
        reverse("admin:auth_user_changelist"),
        reverse("admin:auth_user_change", args=[editor.pk]),
        reverse("admin:auth_group_changelist"),
    ):
        assert editor_client.get(url).status_code == 403
    response = editor_client.post(
        reverse("admin:auth_user_change", args=[editor.pk]),
        {"username": "editor", "is_superuser": "on", "is_staff": "on",
         "groups": [g.pk for g in groups.values()]},
    )  # fmt: skip
    assert response.status_code == 403
    editor.refresh_from_db()
    assert not editor.is_superuser


def test_users_with_history_cannot_be_deleted_even_by_admins(client, superuser, journalist):
    LogEntry.objects.create(
        user=journalist, content_type=ContentType.objects.get_for_model(Article),
        object_id="1", object_repr="x", action_flag=ADDITION,
    )  # fmt: skip
    make_article(created_by=journalist)
    client.force_login(superuser)
    url = reverse("admin:auth_user_delete", args=[journalist.pk])
    page = client.post(url, {"post": "yes"})
    assert page.status_code == 200
    assert b"Active" in page.content  # tells the admin to deactivate instead
    assert LogEntry.objects.filter(user=journalist).exists()
    bulk = client.post(
        reverse("admin:auth_user_changelist"),
        {"action": "delete_selected", "_selected_action": [journalist.pk], "post": "yes"},
    )
    assert bulk.status_code == 200
    assert journalist.__class__.objects.filter(pk=journalist.pk).exists()


def test_section_used_by_a_published_article_cannot_be_deleted(editor_client):
    article = make_article("Still live", primary_section=section("world"))
    extra = Section.objects.create(name="Sport", slug="sport")
    article.sections.add(extra)
    for url, data in (
        (reverse("admin:articles_section_delete", args=[extra.pk]), {"post": "yes"}),
        (
            reverse("admin:articles_section_changelist"),
            {"action": "delete_selected", "_selected_action": [extra.pk], "post": "yes"},
        ),
    ):
        page = editor_client.post(url, data)
        assert page.status_code == 200
        assert b"Still live" in page.content
        assert Section.objects.filter(pk=extra.pk).exists()


def test_author_with_bylines_cannot_be_deleted(editor_client):
    author = make_author("Kept Author")
    make_article(authors=[author])
    page = editor_client.post(
        reverse("admin:authors_author_delete", args=[author.pk]), {"post": "yes"}
    )
    assert page.status_code == 200
    assert author.__class__.objects.filter(pk=author.pk).exists()
