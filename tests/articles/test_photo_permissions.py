"""A photo on a live or scheduled story changes only through an editor (issue 14, item 1):
every door of the photo admin asks articles/permissions.py."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from articles import permissions
from articles.models import Photo, Status
from tests.factories import jpeg_bytes, make_article, make_author, make_photo

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:articles_photo_changelist")


def change_url(photo, **query):
    url = reverse("admin:articles_photo_change", args=[photo.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def form_data(photo, **overrides):
    data = {
        "alt_text": photo.alt_text,
        "caption": photo.caption,
        "credit": photo.credit,
        "agency": photo.agency_id or "",
        "rights": photo.rights,
        "licence": photo.licence,
        "usable_until": photo.usable_until or "",
        "focal_x": photo.focal_x,
        "focal_y": photo.focal_y,
    }
    data.update(overrides)
    return data


@pytest.fixture
def live_photo(editor):
    """The lead photo of a live story, uploaded by an editor."""
    photo = make_photo(caption="The original caption", uploaded_by=editor)
    make_article("A live story", lead_photo=photo)
    return photo


@pytest.fixture
def scheduled_photo(editor):
    photo = make_photo(caption="Embargoed caption", uploaded_by=editor)
    make_article(
        "An embargoed story",
        lead_photo=photo,
        published_at=timezone.now() + datetime.timedelta(days=1),
    )
    return photo


YESTERDAY = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()


def test_the_rule_lives_in_permissions(journalist, editor, live_photo, scheduled_photo):
    unused = make_photo()
    on_a_draft = make_photo()
    make_article("Someone's draft", status=Status.DRAFT, lead_photo=on_a_draft)
    for photo in (live_photo, scheduled_photo):
        assert permissions.photo_is_public(photo)
        assert not permissions.can_change_photo(journalist, photo)
        assert permissions.can_change_photo(editor, photo)
    for photo in (unused, on_a_draft):
        assert not permissions.photo_is_public(photo)
        assert permissions.can_change_photo(journalist, photo)


@pytest.mark.parametrize(
    "change",
    [
        {"caption": "Hijacked caption"},
        {"alt_text": "Hijacked alt text"},
        {"credit": "Hijacked credit"},
        {"usable_until": YESTERDAY},
    ],
    ids=["caption", "alt_text", "credit", "usable_until"],
)
@pytest.mark.parametrize("photo_fixture", ["live_photo", "scheduled_photo"])
def test_journalist_cannot_change_a_public_photo(
    journalist_client, request, client, photo_fixture, change
):
    photo = request.getfixturevalue(photo_fixture)
    before = Photo.objects.values().get(pk=photo.pk)
    response = journalist_client.post(change_url(photo), form_data(photo, **change))
    assert response.status_code == 403
    assert Photo.objects.values().get(pk=photo.pk) == before


def test_journalist_cannot_replace_the_file_of_a_live_photo(journalist_client, live_photo):
    before = Photo.objects.values().get(pk=live_photo.pk)
    upload = SimpleUploadedFile(
        "other.jpg", jpeg_bytes((80, 60), (0, 0, 255)), content_type="image/jpeg"
    )
    response = journalist_client.post(
        change_url(live_photo), {**form_data(live_photo), "image": upload, "save_anyway": "on"}
    )
    assert response.status_code == 403
    assert Photo.objects.values().get(pk=live_photo.pk) == before


def test_the_live_story_still_shows_the_original(client, journalist_client, live_photo, settings):
    settings.PAGE_CACHE_SECONDS = 0
    journalist_client.post(change_url(live_photo), form_data(live_photo, caption="Hijacked"))
    article = live_photo.lead_articles.get()
    html = client.get(article.get_absolute_url()).content.decode()
    assert "The original caption" in html and "Hijacked" not in html


def test_journalist_sees_a_public_photo_read_only_and_why(journalist_client, live_photo):
    response = journalist_client.get(change_url(live_photo))
    assert response.status_code == 200
    html = response.content.decode()
    assert "only an editor can change it" in html
    assert 'name="caption"' not in html and 'name="image"' not in html
    assert 'name="_save"' not in html
    assert "save it anyway" not in html  # the duplicate check belongs to saving


def test_the_choosers_edit_popup_is_read_only_for_a_public_photo(journalist_client, live_photo):
    popup = change_url(live_photo, _to_field="id", _popup="1")
    html = journalist_client.get(popup).content.decode()
    assert "only an editor can change it" in html and 'name="caption"' not in html
    response = journalist_client.post(
        popup, {**form_data(live_photo, caption="Hijacked"), "_popup": "1", "_to_field": "id"}
    )
    assert response.status_code == 403
    live_photo.refresh_from_db()
    assert live_photo.caption == "The original caption"


def test_journalist_is_offered_no_bulk_action_and_cannot_delete(journalist_client, live_photo):
    response = journalist_client.get(CHANGELIST)
    assert response.status_code == 200
    assert response.context["action_form"] is None
    response = journalist_client.post(
        CHANGELIST, {"action": "delete_selected", "_selected_action": [live_photo.pk]}
    )
    assert Photo.objects.filter(pk=live_photo.pk).exists()
    delete = reverse("admin:articles_photo_delete", args=[live_photo.pk])
    assert journalist_client.post(delete, {"post": "yes"}).status_code == 403
    assert Photo.objects.filter(pk=live_photo.pk).exists()


def test_journalist_still_edits_a_photo_that_appears_on_nothing_public(
    journalist_client, journalist
):
    own = make_photo(caption="Mine", uploaded_by=journalist)
    make_article(
        "My draft",
        status=Status.DRAFT,
        created_by=journalist,
        authors=[make_author(user=journalist)],
        lead_photo=own,
    )
    response = journalist_client.post(change_url(own), form_data(own, caption="Mine, better"))
    assert response.status_code == 302, response.content
    own.refresh_from_db()
    assert own.caption == "Mine, better"


def test_editor_changes_a_live_photo(editor_client, live_photo):
    response = editor_client.post(
        change_url(live_photo), form_data(live_photo, caption="Corrected caption")
    )
    assert response.status_code == 302, response.content
    live_photo.refresh_from_db()
    assert live_photo.caption == "Corrected caption"
