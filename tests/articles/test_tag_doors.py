"""Tags on the desk (issue 14): suggestions give away no embargoed topic (item 3), no
admin action is offered or accepted without its permission (item 4), and a tag needs a
name that makes an address (item 12)."""

import datetime

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles.models import Article, Status
from tests.factories import make_article, make_author

pytestmark = pytest.mark.django_db

SUGGEST = reverse("admin:articles_article_tag_suggestions")
TAGS = reverse("admin:taggit_tag_changelist")


@pytest.fixture
def tagged_stories(journalist, other_journalist, editor):
    make_article("Live", tags=["Gaza ceasefire"])
    make_article(
        "Embargoed",
        created_by=editor,
        published_at=timezone.now() + datetime.timedelta(days=1),
        tags=["Gaza embargoed talks"],
    )
    make_article(
        "Their draft", status=Status.DRAFT, created_by=other_journalist, tags=["Gaza leak"]
    )
    make_article(
        "My draft",
        status=Status.DRAFT,
        created_by=journalist,
        authors=[make_author(user=journalist)],
        tags=["Gaza my angle"],
    )
    Tag.objects.create(name="Gaza unused")


def suggestions(client, typed="gaza"):
    return client.get(SUGGEST, {"q": typed}).json()["results"]


# --- item 3: suggestions ---------------------------------------------------------------


def test_journalist_is_suggested_only_tags_they_could_see_used(journalist_client, tagged_stories):
    assert suggestions(journalist_client) == ["Gaza ceasefire", "Gaza my angle"]


def test_editor_is_suggested_every_tag(editor_client, tagged_stories):
    assert suggestions(editor_client) == [
        "Gaza ceasefire",
        "Gaza embargoed talks",
        "Gaza leak",
        "Gaza my angle",
        "Gaza unused",
    ]


def test_the_tag_list_hides_embargoed_topics_from_journalists(journalist_client, tagged_stories):
    response = journalist_client.get(TAGS)
    assert response.status_code == 200
    names = {tag.name for tag in response.context["cl"].result_list}
    assert names == {"Gaza ceasefire", "Gaza my angle"}


# --- item 4: actions -------------------------------------------------------------------


@pytest.mark.parametrize("who", ["journalist", "editor"])
def test_every_action_offered_declares_a_permission_the_user_holds(request, who):
    user = request.getfixturevalue(who)
    http = RequestFactory().get("/admin/")
    http.user = user
    for model, model_admin in admin.site._registry.items():
        if not model_admin.has_module_permission(http):
            continue
        for name, (func, _name, _label) in model_admin.get_actions(http).items():
            needed = getattr(func, "allowed_permissions", ())
            assert needed, f"{model.__name__}: action {name!r} declares no permission"
            for permission in needed:
                check = getattr(model_admin, f"has_{permission}_permission")
                assert check(http), f"{who} is offered {model.__name__}'s {name!r}"


def test_journalist_is_offered_no_tag_action_and_none_is_accepted(
    journalist_client, tagged_stories
):
    response = journalist_client.get(TAGS)
    assert response.context["action_form"] is None
    live = Tag.objects.get(name="Gaza ceasefire")
    response = journalist_client.post(
        TAGS, {"action": "render_tag_form", "_selected_action": [live.pk]}
    )
    assert "merge-tags" not in response.get("Location", "")
    session = journalist_client.session
    session["selected_tag_ids"] = str(live.pk)
    session.save()
    response = journalist_client.post(
        f"{TAGS}merge-tags/", {"new_tag_name": "Merged topic"}, follow=True
    )
    assert 'name="new_tag_name"' not in response.content.decode()
    assert not Tag.objects.filter(name="Merged topic").exists()


def test_editors_are_not_offered_taggits_broken_merge(editor_client, tagged_stories):
    response = editor_client.get(TAGS)
    offered = [value for value, _label in response.context["action_form"].fields["action"].choices]
    assert "render_tag_form" not in offered and "delete_selected" in offered
    # Its page is gone too: the address now means "the tag with id merge-tags", none.
    response = editor_client.get(f"{TAGS}merge-tags/", follow=True)
    assert 'name="new_tag_name"' not in response.content.decode()


# --- item 12: a tag needs an address ---------------------------------------------------


def article_form(article, tags: str):
    return {
        "headline": article.headline,
        "standfirst": article.standfirst,
        "body": article.body,
        "primary_section": article.primary_section_id,
        "sections": [article.primary_section_id],
        "tags": tags,
        "bylines": [a.pk for a in article.byline_authors],
        "agencies": [],
        "slug": article.slug,
        "lead_photo": "",
        "loaded_version": article.version,
    }


@pytest.fixture
def own_draft(journalist):
    return make_article(
        "My draft",
        status=Status.DRAFT,
        created_by=journalist,
        authors=[make_author(user=journalist)],
        tags=["Gaza"],
    )


@pytest.mark.parametrize("typed", [">", "Gaza, >", '"…", ceasefire', "🔥"])
def test_a_tag_without_letters_or_digits_is_refused_on_the_article(
    journalist_client, own_draft, typed
):
    change = reverse("admin:articles_article_change", args=[own_draft.pk])
    response = journalist_client.post(change, article_form(own_draft, typed))
    assert response.status_code == 200
    assert "A tag needs letters or digits to make its address from" in response.content.decode()
    own_draft = Article.objects.get(pk=own_draft.pk)
    assert own_draft.version == 1 and list(own_draft.tags.names()) == ["Gaza"]
    assert not Tag.objects.filter(slug="").exists()


def test_tags_in_any_alphabet_are_welcome(journalist_client, own_draft):
    change = reverse("admin:articles_article_change", args=[own_draft.pk])
    response = journalist_client.post(change, article_form(own_draft, "غزة, Gaza"))
    assert response.status_code == 302, response.content
    assert Tag.objects.get(name="غزة").slug == "غزة"


def test_the_tag_admin_refuses_a_name_without_letters_or_digits(editor_client):
    add = reverse("admin:taggit_tag_add")
    response = editor_client.post(add, {"name": ">", "slug": "gt"})
    assert response.status_code == 200
    assert "A tag needs letters or digits to make its address from" in response.content.decode()
    assert not Tag.objects.exists()
    response = editor_client.post(add, {"name": "Ceasefire", "slug": "ceasefire"})
    assert response.status_code == 302
    assert Tag.objects.get().slug == "ceasefire"


def test_the_admin_autocomplete_filters_tags_the_same_way(journalist_client, tagged_stories):
    response = journalist_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "articles", "model_name": "article", "field_name": "tags", "term": "gaza"},
    )
    # Django's own autocomplete answers for the tags field too (journalists may view tags).
    assert response.status_code == 200
    names = {result["text"] for result in response.json()["results"]}
    assert names == {"Gaza ceasefire", "Gaza my angle"}
