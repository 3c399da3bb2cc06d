"""Tags saved with an empty address before names were checked get one (issue 14, item 12;
found by the review)."""

from importlib import import_module

import pytest
from django.apps import apps
from taggit.models import Tag

from articles.models import Article
from tests.factories import make_article

pytestmark = pytest.mark.django_db

migration = import_module("articles.migrations.0008_tags_without_an_address")


def test_a_tag_saved_without_an_address_gets_one_and_its_page_answers(client):
    story = make_article("Markets close higher", tags=["markets"])
    broken = Tag.objects.create(name=">", slug="")  # as the desk could save it before
    Article.objects.get(pk=story.pk).tags.add(broken)
    Tag.objects.create(name="tag-x", slug=f"tag-{broken.pk}")  # an address already taken
    assert "/tags//" in client.get(story.get_absolute_url()).content.decode()

    migration.give_addresses(apps, None)

    broken.refresh_from_db()
    assert broken.slug == f"tag-{broken.pk}-1"
    assert client.get(f"/tags/{broken.slug}/").status_code == 200
    assert Tag.objects.get(name="markets").slug == "markets"  # others untouched
    assert not Tag.objects.filter(slug="").exists()
