"""The admin's "view on site" shortcut, /admin/r/<content type>/<id>/ (issue 14, item 2):
it gives a public address only for what the user may see in the admin and readers can
see on the site; otherwise 404, so no embargoed slug comes out of it."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, ArticleEvent, Status
from tests.factories import make_article, make_author, section

pytestmark = pytest.mark.django_db


def shortcut(obj, model=None) -> str:
    content_type = ContentType.objects.get_for_model(model or type(obj))
    return reverse("admin:view_on_site", args=[content_type.pk, obj.pk])


@pytest.fixture
def embargoed(editor):
    return make_article(
        "Embargoed story",
        slug="embargoed-secret-slug",
        created_by=editor,
        published_at=timezone.now() + datetime.timedelta(days=2),
    )


def test_journalist_gets_404_for_an_embargoed_story(journalist_client, embargoed):
    response = journalist_client.get(shortcut(embargoed))
    assert response.status_code == 404
    assert "embargoed-secret-slug" not in response.get("Location", "")
    assert "embargoed-secret-slug" not in response.content.decode()


def test_journalist_gets_404_for_someone_elses_draft(journalist_client, other_journalist):
    draft = make_article("Their draft", status=Status.DRAFT, created_by=other_journalist)
    assert journalist_client.get(shortcut(draft)).status_code == 404


def test_never_a_redirect_for_a_draft_or_an_embargoed_story_even_to_editors(
    editor_client, embargoed, journalist
):
    own_draft = make_article(
        "Draft",
        status=Status.DRAFT,
        created_by=journalist,
        authors=[make_author(user=journalist)],
    )
    for article in (embargoed, own_draft):
        assert editor_client.get(shortcut(article)).status_code == 404


def test_an_unpublished_story_that_had_an_address_gets_404(editor_client):
    taken_down = make_article("Taken down", status=Status.DRAFT)
    Article.objects.filter(pk=taken_down.pk).update(published_at=timezone.now())
    assert editor_client.get(shortcut(taken_down)).status_code == 404


def test_a_live_story_redirects_to_its_public_address(journalist_client):
    live = make_article("Live story")
    response = journalist_client.get(shortcut(live))
    assert response.status_code == 302
    assert response["Location"].endswith(live.public_path())


def test_public_objects_keep_their_shortcut_and_others_have_none(journalist_client, editor):
    politics = section()
    response = journalist_client.get(shortcut(politics))
    assert response.status_code == 302
    assert response["Location"].endswith(politics.get_absolute_url())
    # Objects without an admin of their own (an article's workflow event) have no page.
    event = ArticleEvent.objects.create(
        article=make_article(), actor=editor, action="published", note=""
    )
    assert journalist_client.get(shortcut(event)).status_code == 404
    assert journalist_client.get(shortcut(make_article(), model=Article) + "x/").status_code == 404
    missing = reverse("admin:view_on_site", args=[999999, 1])
    assert journalist_client.get(missing).status_code == 404


def test_the_change_form_offers_view_on_site_only_for_a_live_story(editor_client, embargoed):
    live = make_article("Live story")
    change = reverse("admin:articles_article_change", args=[live.pk])
    html = editor_client.get(change).content.decode()
    assert f'href="{live.public_path()}" class="viewsitelink"' in html
    html = editor_client.get(
        reverse("admin:articles_article_change", args=[embargoed.pk])
    ).content.decode()
    assert "viewsitelink" not in html and embargoed.public_path() not in html
