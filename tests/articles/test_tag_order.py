"""Tag pages read a tag's stories from one index: each tag link carries its story's publish
time, copied by the database (migration 0005, articles/sqlite_triggers.py) whatever changes that
time."""

import datetime
import re

import pytest
from django.utils import timezone

from articles import services
from articles.models import Article, Status, TaggedArticle
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def link_times(article):
    return set(
        TaggedArticle.objects.filter(content_object=article).values_list("published_at", flat=True)
    )


def test_a_tag_link_carries_its_story_publish_time_through_every_change(editor):
    story = make_article("Dam inspection finds cracks", status=Status.DRAFT, tags=["dams"])
    assert link_times(story) == {None}

    # Scheduled by an editor.
    at = timezone.now() + datetime.timedelta(hours=2)
    services.publish(story, by=editor, at=at)
    story.refresh_from_db()
    assert story.published_at == at and link_times(story) == {at}

    # A bulk update, a data fix: no Python runs, the database still copies.
    earlier = timezone.now() - datetime.timedelta(days=3)
    Article.objects.filter(pk=story.pk).update(published_at=earlier)
    assert link_times(story) == {earlier}

    # A tag added later, and a link saved with a stale time in memory.
    story.tags.add("inspections")
    assert link_times(story) == {earlier}
    link = TaggedArticle.objects.filter(content_object=story).first()
    link.published_at = None
    link.save()
    assert link_times(story) == {earlier}


def test_a_draft_has_links_without_a_time_and_never_reaches_the_tag_page(client):
    make_article("Draft about dams", status=Status.DRAFT, tags=["dams"])
    make_article("Published about dams", tags=["dams"])
    page = client.get("/tags/dams/").content.decode()
    assert "Published about dams" in page and "Draft about dams" not in page


def test_tag_page_and_feed_follow_a_story_moved_to_the_top(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    now = timezone.now()
    older = make_article("Reservoir levels fall", tags=["drought"],
                         published_at=now - datetime.timedelta(hours=5))  # fmt: skip
    make_article("Farmers ration water", tags=["drought"],
                 published_at=now - datetime.timedelta(hours=1))  # fmt: skip

    def order(url):
        text = client.get(url).content.decode()
        return re.findall(r"Reservoir levels fall|Farmers ration water", text)

    assert order("/tags/drought/")[:2] == ["Farmers ration water", "Reservoir levels fall"]
    Article.objects.filter(pk=older.pk).update(published_at=now - datetime.timedelta(minutes=1))
    for url in ("/tags/drought/", "/tags/drought/feed/"):
        assert order(url)[0] == "Reservoir levels fall", url
    # Moved to a later time: gone from both until then.
    Article.objects.filter(pk=older.pk).update(published_at=now + datetime.timedelta(hours=1))
    for url in ("/tags/drought/", "/tags/drought/feed/"):
        assert "Reservoir levels fall" not in order(url), url
