"""Each public page runs a fixed number of SQL queries, however much it shows.

Budgets are for the page cache turned off (PAGE_CACHE_SECONDS=0). Right after a change
(a purge), the first request reads the next scheduled change (four queries: it bounds every
page's Cache-Control, newsroom/pagecache.py) and, for an HTML page, the navigation and
banner ("chrome", two queries), which are then kept in memory until the next purge of
their keys; later requests pay neither.
"""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles import context_processors, reads, related
from articles.models import Article, Correction
from tests.factories import make_agency, make_article, make_author, make_photo, section

pytestmark = pytest.mark.django_db

# page: (budget with chrome and schedule known, budget right after a change). The article
# page: the story, one query per kind of related object (bylines, sections, agencies, tags,
# corrections: articles/detail.py), the related stories, which take a second query when
# fewer than four chosen ones are still published. The front page, section pages and the
# article page each read one most-read list (articles/reads.py): one query.
BUDGETS = {
    "front": (4, 10),
    "section": (4, 10),
    "article": (9, 15),
    "author": (4, 10),
    "tag": (3, 9),
    # PostgreSQL: matches, cards, bylines, then the marked-up snippets (a query of its own
    # so the cards come from the compiled list query: cheaper than one ORM query).
    "search": (4, 10),
    "corrections": (1, 7),
    "feed": (4, 8),
    "section_feed": (5, 9),
    "author_feed": (5, 9),
    "tag_feed": (5, 9),
    "corrections_feed": (1, 5),
    "sitemap_index": (4, 8),
    "sitemap_articles": (2, 6),
    "sitemap_tags": (2, 6),
    "news_sitemap": (2, 6),
}


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 0


def build(size: int, editor) -> dict:
    """`size` stories, each with 3 authors, 5 tags, a photo, two sections, a correction."""
    authors = [make_author(f"Writer {i}") for i in range(3)]
    agencies = [make_agency(f"Wire {size}-{i}") for i in range(3)]
    photo = make_photo()
    tags = [f"topic {i}" for i in range(5)]
    stories = [
        make_article(
            authors=authors,
            tags=tags,
            agencies=agencies,
            lead_photo=photo,
            primary_section=section("world"),
            sections=[section("politics")],
            body="<p>findable words here</p>",
        )  # fmt: skip
        for _ in range(size)
    ]
    for story in stories:
        for n in range(2):
            Correction.objects.create(article=story, text=f"Note {n}", created_by=editor)
        related.refresh(story)
    # The first story's chosen relatives are mostly gone: related stories need their
    # second query, the worst case for the article page.
    Article.objects.filter(pk__in=stories[0].related_ids[2:]).update(status="draft")
    # Full most-read lists, one of whose stories is no longer published.
    for n, story in enumerate(stories):
        for _ in range(n % 7 + 1):
            reads.count_read(story.pk)
    reads.roll_up()
    Article.objects.filter(pk=stories[-1].pk).update(status="draft")
    return {
        "front": "/",
        "section": "/section/world/",
        "article": stories[0].get_absolute_url(),
        "author": authors[0].get_absolute_url(),
        "tag": "/tags/topic-0/",
        "search": "/search/?q=findable",
        "corrections": "/corrections/",
        "feed": "/feed/",
        "section_feed": "/section/world/feed/",
        "author_feed": f"{authors[0].get_absolute_url()}feed/",
        "tag_feed": "/tags/topic-0/feed/",
        "corrections_feed": "/corrections/feed/",
        "sitemap_index": "/sitemap.xml",
        "sitemap_articles": "/sitemap-articles.xml",
        "sitemap_tags": "/sitemap-tags.xml",
        "news_sitemap": "/news-sitemap.xml",
    }


def queries_for(client, url: str) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries)


@pytest.mark.parametrize("page", sorted(BUDGETS))
def test_query_budget_holds_on_a_full_page(client, editor, page, django_assert_max_num_queries):
    urls = build(50, editor)
    warm, cold = BUDGETS[page]
    cache.clear()
    context_processors.forget()
    with django_assert_max_num_queries(cold):
        assert client.get(urls[page]).status_code == 200
    with django_assert_max_num_queries(warm):
        assert client.get(urls[page]).status_code == 200


@pytest.mark.parametrize("page", ["front", "section", "article", "author", "tag", "feed", "search"])
def test_query_count_does_not_grow_with_the_number_of_items(client, editor, page):
    small = build(12, editor)
    client.get(small[page])
    few = queries_for(client, small[page])
    large = build(40, editor)
    client.get(large[page])
    many = queries_for(client, large[page])
    assert many == few, f"{page}: {few} queries with 12 stories, {many} with 52"
