"""`?page=` on every paginated page: one parser (articles/listing.page_number), and 404 for
anything that is not a plain positive number within the pages that exist (issue 14, 9)."""

import pytest

from articles.listing import PER_PAGE
from articles.models import Correction
from tests.factories import make_article, make_author, section

pytestmark = pytest.mark.django_db

LISTS = [
    ("/section/world/", {}),
    ("/tags/harbours/", {}),
    ("/authors/ines-duarte/", {}),
    ("/search/", {"q": "harbour"}),
    ("/corrections/", {}),
]
# Digits str.isdigit() accepts but int() refuses; other scripts' digits int() accepts;
# numbers past PostgreSQL's bigint, Python's int-from-text limit and MAX_PAGE (1,000,000);
# anything not plain.
NOT_A_PAGE = [
    "²", "①", "٣", "１", "9223372036854775807", "9223372036854775808", "1" * 30, "9" * 5000,
    "1000001", "0", "00", "01", "-1", "+1", " 1", "1 ", "1.0", "1e3", "0x1", "1_0",
    "1\n", "abc",
]  # fmt: skip


@pytest.fixture
def harbour_news(settings, editor):
    settings.PAGE_CACHE_SECONDS = 0
    author = make_author("Ines Duarte")
    stories = [
        make_article(
            f"Harbour story {n}",
            authors=[author],
            tags=["harbours"],
            primary_section=section("world"),
        )  # fmt: skip
        for n in range(PER_PAGE + 1)
    ]
    for story in stories:
        Correction.objects.create(article=story, text="A harbour was misnamed.", created_by=editor)
    return stories


@pytest.mark.parametrize(("path", "query"), LISTS)
def test_not_a_page_is_a_404_never_a_500(client, harbour_news, path, query):
    for page in NOT_A_PAGE:
        response = client.get(path, {**query, "page": page})
        assert response.status_code == 404, (path, page)


@pytest.mark.parametrize(("path", "query"), LISTS)
def test_the_pages_that_exist_answer_and_the_next_does_not(client, harbour_news, path, query):
    assert client.get(path, query).status_code == 200
    second = client.get(path, {**query, "page": "2"})
    assert second.status_code == 200
    assert b'rel="prev"' in second.content and b'rel="next"' not in second.content
    assert client.get(path, {**query, "page": "3"}).status_code == 404
    assert client.get(path, {**query, "page": "1000000"}).status_code == 404


def test_a_second_page_names_itself_as_canonical(client, harbour_news):
    html = client.get("/section/world/?page=2").content.decode()
    assert '<link rel="canonical" href="http://127.0.0.1:8000/section/world/?page=2">' in html


def test_sitemap_pages_use_the_same_parser(client, harbour_news):
    assert client.get("/sitemap-articles.xml").status_code == 200
    assert client.get("/sitemap-articles.xml?p=1").status_code == 200
    for page in NOT_A_PAGE:
        assert client.get("/sitemap-articles.xml", {"p": page}).status_code == 404, page
