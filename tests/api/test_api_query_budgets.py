"""Each API endpoint runs a fixed number of SQL queries, whatever the page size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from articles.models import Correction
from tests.factories import make_agency, make_article, make_author, make_photo, section

pytestmark = pytest.mark.django_db

# With the page cache off (the content version read costs nothing then) and no Redis.
BUDGETS = {
    "/api/v1/articles?limit={n}": 2,
    "/api/v1/articles?limit={n}&section=world": 3,
    "/api/v1/articles?limit={n}&tag=topic-1": 3,
    "/api/v1/articles?limit={n}&author=writer-0&cursor={cursor}": 3,
    "/api/v1/articles/{id}": 6,
    "/api/v1/articles/{id}/ninjs": 6,
    "/api/v1/ninjs?limit={n}": 6,
    "/api/v1/ninjs?limit={n}&section=world": 7,
    "/api/v1/sections": 1,
    "/api/v1/tags?limit={n}": 1,
    "/api/v1/authors?limit={n}": 1,
    "/api/v1/corrections?limit={n}": 1,
}


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 0


def build(size: int, editor) -> list:
    authors = [make_author(f"Writer {i}") for i in range(3)]
    agencies = [make_agency(f"Wire {size}-{i}") for i in range(2)]
    photo = make_photo()
    stories = [
        make_article(
            authors=authors,
            tags=[f"topic {i}" for i in range(5)],
            agencies=agencies,
            lead_photo=photo,
            primary_section=section("world"),
            sections=[section("politics")],
        )  # fmt: skip
        for _ in range(size)
    ]
    for story in stories:
        Correction.objects.create(article=story, text="Fixed.", created_by=editor)
    return stories


@pytest.mark.parametrize("url", list(BUDGETS))
def test_api_query_budget_holds_at_any_page_size(
    client, editor, url, django_assert_max_num_queries
):
    stories = build(30, editor)
    counts = []
    for n in (1, 25):
        first = client.get("/api/v1/articles?limit=1&author=writer-0").json()
        address = url.format(n=n, id=stories[0].pk, cursor=first["next_cursor"])
        with django_assert_max_num_queries(BUDGETS[url]):
            response = client.get(address)
        assert response.status_code == 200, (address, response.content[:300])
        with CaptureQueriesContext(connection) as queries:
            client.get(address)
        counts.append(len(queries))
    assert counts[0] == counts[1], url  # the same number of queries for 1 item or 25
