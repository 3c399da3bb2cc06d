"""What the desk sees when its database does not answer (issue 14, item 16).

The whole path — gunicorn, a PostgreSQL of its own stopped under an editor's save, the
retry once it is back — is in tests/site/test_resilience.py; these check each page the
error handler chooses, rendered with every database access refused."""

import re

import pytest
from django.db import OperationalError

from newsroom.views import server_error


@pytest.fixture
def during_outage(django_db_blocker):
    """Call the error handler the way Django does: while the database error is handled,
    and with any database access refused (pytest-django raises if one is tried)."""

    def answer(request):
        with django_db_blocker.block():
            try:
                raise OperationalError("connection refused")
            except OperationalError:
                return server_error(request)

    return answer


def words(response) -> str:
    """The page's text with its line breaks folded, as a reader sees it."""
    return " ".join(response.content.decode().split())


def test_desk_save_during_outage_says_it_was_not_saved_and_the_text_is_safe(rf, during_outage):
    url = "/admin/articles/article/7/change/?_changelist_filters=status%3Ddraft"
    response = during_outage(rf.post(url, {"headline": "Typed"}))
    page = words(response)
    assert response.status_code == 503
    assert response["Retry-After"] == "5" and response["Cache-Control"] == "no-store"
    assert "Your changes were not saved" in page
    assert "Your text is safe in this browser" in page
    assert "We will be right back" not in page
    # The retry asks for the form again (a link, never the POST sent again).
    retry = re.search(r'<a class="button" href="([^"]+)">Open the form again</a>', page)
    assert retry.group(1) == url.replace("&", "&amp;")


def test_a_new_story_saved_during_outage_is_kept_in_the_browser_too(rf, during_outage):
    page = words(during_outage(rf.post("/admin/articles/article/add/")))
    assert "Your changes were not saved" in page
    assert "Your text is safe in this browser" in page
    assert 'href="/admin/articles/article/add/"' in page


def test_desk_form_without_a_browser_copy_says_the_changes_must_be_entered_again(rf, during_outage):
    page = words(during_outage(rf.post("/admin/articles/section/3/change/")))
    assert "Your changes were not saved" in page
    assert "Your text is safe in this browser" not in page  # only the article editor keeps one
    assert "you will need to enter your changes again" in page


def test_desk_page_opened_during_outage_offers_to_try_again(rf, during_outage):
    """What going Back to the form shows while the database is away: not the page of the
    failed save, but a way to try again."""
    response = during_outage(rf.get("/admin/articles/article/7/change/"))
    page = words(response)
    assert response.status_code == 503
    assert "The desk cannot reach its database just now" in page
    assert "Nothing has been changed" in page
    assert "Your changes were not saved" not in page
    assert '<a class="button" href="/admin/articles/article/7/change/">Try again</a>' in page


def test_readers_keep_their_own_page_during_outage(rf, during_outage):
    response = during_outage(rf.post("/search/"))
    assert response.status_code == 503
    assert b"We will be right back" in response.content
    assert b"desk" not in response.content
