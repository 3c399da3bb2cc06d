"""Old WordPress addresses answer 301 to the new pages, and reveal nothing unpublished."""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import services
from tests.wordpress.builder import Post, write, wxr
from wordpress.models import ImportedPost

pytestmark = pytest.mark.django_db

CATEGORIES = (("news", "News"), ("parent", "Parent"), ("child", "Child"))


def run(tmp_path, *posts):
    path = write(tmp_path, wxr(*posts, categories=CATEGORIES, tags=(("gaza", "Gaza"),)))
    call_command(
        "import_wordpress",
        str(path),
        by="editor",
        sections="News=Politics",
        quiet=True,
        stdout=io.StringIO(),
    )


def article(wp_id):
    return ImportedPost.objects.get(wp_id=wp_id).article


@pytest.fixture
def imported(editor, tmp_path, settings):
    # The newsroom is in Tokyo: the story went out on the 12th in WordPress's (UTC) dates
    # and on the 13th in ours, so its dated address changes.
    settings.TIME_ZONE = "Asia/Tokyo"
    run(
        tmp_path,
        Post(
            1,
            slug="ceasefire-talks",
            tags=[("gaza", "Gaza")],
            date="2024-05-12 23:30:00",
            categories=[("news", "News"), ("child", "Child")],
        ),
        Post(2, slug="secret-plan", status="draft", tags=[("embargo", "Embargo")]),
        Post(3, slug="later", status="future", date="2031-01-01 00:00:00"),
    )


@pytest.mark.parametrize("page_cache", [0, 300])
def test_a_published_posts_addresses_redirect(client, imported, settings, page_cache):
    settings.PAGE_CACHE_SECONDS = page_cache
    story = article(1).get_absolute_url()
    assert story == "/2024/05/13/ceasefire-talks/"
    for old in ("/2024/05/12/ceasefire-talks/", "/ceasefire-talks/", "/ceasefire-talks", "/?p=1"):
        response = client.get(old)
        assert response.status_code == 301, old
        assert response["Location"] == story
    assert client.get(story).status_code == 200


def test_query_string_addresses_never_get_the_cached_front_page(client, imported, settings):
    settings.PAGE_CACHE_SECONDS = 300
    front = client.get("/")
    assert front.status_code == 200
    assert client.get("/?p=1").status_code == 301
    assert client.get("/?p=1", HTTP_IF_NONE_MATCH=front["ETag"]).status_code == 301
    assert client.get("/?p=99").status_code == 404
    assert client.get("/?p=abc").status_code == 404
    assert client.get("/?utm_source=x").status_code == 200  # other queries: the front page
    assert client.get("/").content == front.content


def test_the_front_page_without_wordpress_keys_runs_no_lookup(client, imported, settings):
    """A query string without WordPress's keys costs the front page not one query more
    (its own budget is tests/articles/test_query_budgets.py's "front")."""
    settings.PAGE_CACHE_SECONDS = 0
    client.get("/")  # chrome cached
    with CaptureQueriesContext(connection) as plain:
        assert client.get("/").status_code == 200
    with CaptureQueriesContext(connection) as tracked:
        assert client.get("/?utm_source=x").status_code == 200
    assert len(tracked) == len(plain), [q["sql"] for q in tracked]


def test_drafts_and_scheduled_posts_old_addresses_are_404(client, imported):
    for old in ("/?p=2", "/secret-plan/", "/?p=3", "/later/", "/2031/01/01/later/"):
        assert client.get(old).status_code == 404, old
    assert client.get("/tag/embargo/").status_code == 404  # a tag of drafts names nothing


def test_an_unpublished_story_s_old_addresses_go_404(client, imported, editor):
    services.unpublish(article(1), by=editor)
    assert client.get("/?p=1").status_code == 404
    assert client.get("/ceasefire-talks/").status_code == 404


def test_category_tag_author_and_feed_archives_redirect(client, imported):
    expected = {
        "/category/news/": "/section/politics/",
        "/category/news/feed/": "/section/politics/feed/",
        "/category/news/page/2/": "/section/politics/",
        "/?cat=1": "/section/politics/",
        "/category/parent/child/": "/tags/child/",  # unmapped: it became a tag
        "/tag/gaza/": "/tags/gaza/",
        "/tag/gaza/feed/": "/tags/gaza/feed/",
        "/?tag=gaza": "/tags/gaza/",
        "/author/amina/": article(1).byline_authors[0].get_absolute_url(),
    }
    for old, new in expected.items():
        response = client.get(old)
        assert (response.status_code, response.get("Location")) == (301, new), old
        assert client.get(new).status_code == 200, new
    assert client.get("/category/nothing/").status_code == 404
    assert client.get("/feed/").status_code == 200  # WordPress's site feed is ours too


def test_old_addresses_answer_within_a_fixed_query_budget(
    client, imported, settings, django_assert_max_num_queries
):
    # Page cache off (the local-memory setup): the content version, then the lookups. An old
    # path is found once the not-found page has answered (its chrome is cached below).
    settings.PAGE_CACHE_SECONDS = 0
    client.get("/no-such-page/")
    for path, budget in (
        ("/?p=1", 1),  # the front page's own lookup, before any page is rendered
        ("/ceasefire-talks/", 2),  # version, the story's old address
        ("/category/news/", 3),  # version, story, the term and its section
        ("/tag/gaza/feed/", 4),  # version, story, the term, the tag if public
        ("/no-such-page/", 2),
    ):
        with django_assert_max_num_queries(budget):
            client.get(path)


def test_an_unpublished_story_s_old_addresses_go_404_at_once_with_the_page_cache(
    client, imported, editor, settings, django_capture_on_commit_callbacks
):
    # The 301s are cached like any page: they must name the story they point to, or the
    # unpublish purges nothing and the old address keeps pointing at it (and its slug).
    settings.PAGE_CACHE_SECONDS = 300
    for old in ("/?p=1", "/ceasefire-talks/", "/2024/05/12/ceasefire-talks/"):
        assert client.get(old).status_code == 301, old
    with django_capture_on_commit_callbacks(execute=True):
        services.unpublish(article(1), by=editor)
    for old in ("/?p=1", "/ceasefire-talks/", "/2024/05/12/ceasefire-talks/"):
        assert client.get(old).status_code == 404, old
