"""services.publish_imported: a story from another system published at its own past time,
under the same rules as any publication."""

import datetime

import pytest
from django.utils import timezone

from articles import services
from articles.models import EventAction, Status
from articles.permissions import NotAllowed
from tests.factories import make_article

pytestmark = pytest.mark.django_db

LONG_AGO = datetime.datetime(2013, 1, 12, 3, 22, 19, tzinfo=datetime.UTC)


def test_it_publishes_at_the_original_time_and_records_where_it_came_from(editor):
    draft = make_article(status=Status.DRAFT)
    published = services.publish_imported(draft, by=editor, at=LONG_AGO, note="From WordPress")
    assert published.is_visible()
    assert published.published_at == published.first_published_at == LONG_AGO
    assert published.public_path() == f"/2013/01/12/{draft.slug}/"
    event = published.events.get(action=EventAction.PUBLISHED)
    assert (event.note, event.publish_time, event.actor) == ("From WordPress", LONG_AGO, editor)


def test_it_keeps_the_rules_of_publishing(editor, journalist):
    draft = make_article(status=Status.DRAFT, standfirst="")
    with pytest.raises(NotAllowed):
        services.publish_imported(draft, by=journalist, at=LONG_AGO, note="x")
    with pytest.raises(services.PublishBlocked, match="Write a standfirst"):
        services.publish_imported(draft, by=editor, at=LONG_AGO, note="x")
    future = timezone.now() + datetime.timedelta(days=1)
    with pytest.raises(ValueError, match="already past"):
        services.publish_imported(draft, by=editor, at=future, note="x")
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT
