""" "Published or scheduled" (what readers see or will see) is one rule:
`ArticleQuerySet.live_or_scheduled()`, and `Article.is_live_or_scheduled` for one article
in memory (issue 15, item 8)."""

import datetime
import re

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.utils import timezone

from articles import permissions, schedule
from articles.models import Article, FrontPageSlot, Status
from tests.factories import make_article, make_photo
from tests.support import ROOT

# A status compared with, or filtered on, "published" by hand: `status="published"`,
# `lead_articles__status=Status.PUBLISHED`, `article.status != Status.PUBLISHED`...
BY_HAND = re.compile(r"""status\s*(==|!=|=)\s*(Status\.PUBLISHED|["']published["'])""")
# Where the rule itself is written, and what writes a status rather than reading it.
RULE = ROOT / "articles" / "models" / "articles.py"
WRITERS = {
    ROOT / "articles" / "management" / "commands" / "seed_demo.py",  # demo data
    ROOT / "articles" / "demo" / "bulk.py",  # demo data
}


def test_nothing_outside_the_model_spells_published_or_scheduled_by_hand():
    sources = [
        path
        for folder in ("articles", "authors", "newsroom", "templates")
        for path in (ROOT / folder).rglob("*")
        if path.suffix in {".py", ".html", ".txt", ".xml"} and "migrations" not in path.parts
    ]
    assert RULE in sources
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sources
        if path != RULE and path not in WRITERS
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if BY_HAND.search(line)
    ]
    assert found == [], "use Article.objects.live_or_scheduled() or article.is_live_or_scheduled"


@pytest.fixture
def stories(db):
    now = timezone.now()
    stories = {
        "live": make_article("Live"),
        "scheduled": make_article("Scheduled", published_at=now + datetime.timedelta(hours=1)),
        "draft": make_article("Draft", status=Status.DRAFT),
        "in review": make_article("In review", status=Status.REVIEW),
        # Unpublished: it went out once and is a draft again.
        "taken down": make_article("Taken down", status=Status.DRAFT),
    }
    Article.objects.filter(headline="Taken down").update(
        published_at=now - datetime.timedelta(days=1),
        first_published_at=now - datetime.timedelta(days=1),
    )
    return {name: Article.objects.get(pk=story.pk) for name, story in stories.items()}


def test_live_or_scheduled_is_what_readers_see_or_will_see(stories):
    found = set(Article.objects.live_or_scheduled().values_list("headline", flat=True))
    assert found == {"Live", "Scheduled"}
    in_memory = {story.headline for story in stories.values() if story.is_live_or_scheduled}
    assert in_memory == found
    # The two rules it is made of agree with it.
    assert set(Article.objects.published()) | set(Article.objects.scheduled()) == {
        stories["live"],
        stories["scheduled"],
    }


def test_the_desk_pins_and_protects_exactly_the_live_or_scheduled_stories(stories, editor):
    request = RequestFactory().get("/")
    request.user = editor
    slot_admin = admin.site._registry[FrontPageSlot]
    field = slot_admin.formfield_for_foreignkey(FrontPageSlot._meta.get_field("article"), request)
    assert {story.headline for story in field.queryset} == {"Live", "Scheduled"}

    for name, story in stories.items():
        photo = make_photo()
        Article.objects.filter(pk=story.pk).update(lead_photo=photo)
        assert permissions.photo_is_public(photo) is story.is_live_or_scheduled, name


def test_a_scheduled_story_photo_rights_lapsing_is_a_change_readers_will_see(stories):
    now = timezone.now()
    photo = make_photo(usable_until=timezone.localdate(now) + datetime.timedelta(days=3))
    Article.objects.filter(pk=stories["draft"].pk).update(lead_photo=photo)
    assert schedule.next_change_at(now) == stories["scheduled"].published_at

    Article.objects.filter(pk=stories["scheduled"].pk).update(
        lead_photo=photo, published_at=now + datetime.timedelta(days=30)
    )
    lapse = schedule.next_change_at(now)
    assert timezone.localdate(lapse) == timezone.localdate(now) + datetime.timedelta(days=4)
