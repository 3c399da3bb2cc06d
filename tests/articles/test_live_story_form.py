"""The article form refuses what the published_article_is_complete constraint refuses,
with an error naming what a live story needs, instead of a 500 from the database."""

import datetime

import pytest
from django.utils import timezone

from articles.forms import ArticleForm
from articles.models import Article, Status
from tests.articles.test_admin_doors import change_url, form_data
from tests.factories import make_article

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["live", "scheduled"])
def public_story(request):
    later = timezone.now() + datetime.timedelta(days=1)
    return make_article(
        "Talks resume in Geneva",
        **({"published_at": later} if request.param == "scheduled" else {}),
    )


def test_emptying_the_primary_section_of_a_live_story_is_refused_with_a_form_error(
    editor_client, public_story
):
    before = Article.objects.values().get(pk=public_story.pk)
    response = editor_client.post(
        change_url(public_story), form_data(public_story, primary_section="")
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["primary_section"] == [
        "A published story needs a primary section: choose one, or unpublish the story first."
    ]
    assert Article.objects.values().get(pk=public_story.pk) == before


def test_emptying_the_headline_of_a_live_story_is_refused_with_a_form_error(
    editor_client, public_story
):
    before = Article.objects.values().get(pk=public_story.pk)
    response = editor_client.post(change_url(public_story), form_data(public_story, headline=""))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["headline"]
    assert Article.objects.values().get(pk=public_story.pk) == before


def test_the_form_checks_every_field_the_constraint_needs(editor):
    """The publish times are not on the form; were they empty, the form says so too."""
    story = make_article("Talks resume in Geneva")
    assert set(Article.PUBLISHED_NEEDS) == {"headline", "primary_section", "published_at",
                                       "first_published_at"}  # fmt: skip
    assert {"published_at", "first_published_at"}.isdisjoint(ArticleForm.Meta.fields)
    story.published_at = story.first_published_at = None
    form = ArticleForm(form_data(story), instance=story)
    assert not form.is_valid()
    assert form.non_field_errors() == [
        "A published story needs a publish time: unpublish the story first.",
        "A published story needs a first-published time: unpublish the story first.",
    ]


def test_a_draft_may_be_saved_without_a_primary_section(editor_client):
    draft = make_article("Notes for later", status=Status.DRAFT)
    response = editor_client.post(change_url(draft), form_data(draft, primary_section=""))
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.primary_section is None
