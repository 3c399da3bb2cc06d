"""Helpers that remember their answers per process must still follow the settings."""

import datetime

import pytest
from django.urls import path, reverse
from django.utils import timezone

from articles import rendering
from newsroom.paths import path_to
from tests.factories import make_article, section

pytestmark = pytest.mark.django_db


def a_story_page(request, **kwargs):  # pragma: no cover - only reversed, never served
    raise AssertionError


urlpatterns = [path("elsewhere/<str:slug>/", a_story_page, name="section")]


def test_addresses_are_remembered_and_equal_to_reverse():
    politics = section("politics")
    assert politics.get_absolute_url() == "/section/politics/"
    assert path_to("articles:section", slug="politics") == politics.get_absolute_url()
    story = make_article("Remembered address")
    day = timezone.localtime(story.published_at)
    expected = reverse(
        "articles:detail",
        kwargs={"year": f"{day:%Y}", "month": f"{day:%m}", "day": f"{day:%d}", "slug": story.slug},
    )
    assert story.get_absolute_url() == expected
    assert story.public_path(slug="older-slug") == expected.replace(story.slug, "older-slug")


def test_a_new_url_configuration_is_followed(settings):
    assert path_to("articles:section", slug="world") == "/section/world/"
    settings.ROOT_URLCONF = __name__
    assert path_to("section", slug="world") == "/elsewhere/world/"


def test_a_new_time_zone_is_followed(settings):
    moment = datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC)
    settings.TIME_ZONE = "UTC"
    assert "1 March 2026, 23:30" in rendering.timestamp(moment)
    settings.TIME_ZONE = "Asia/Tokyo"
    assert "2 March 2026, 08:30" in rendering.timestamp(moment)
    assert 'datetime="2026-03-02T08:30:00+09:00"' in rendering.timestamp(moment)
