"""A NUL byte in an address is a 400, never a 500 (PostgreSQL text cannot hold one, so
every lookup that passed it on raised DataError). Found by the review of issue 14."""

import pytest

from tests.factories import make_article, make_author

pytestmark = pytest.mark.django_db

READERS = [
    "/tags/%00/",
    "/tags/%00/feed/",
    "/tags/trade%00/",
    "/authors/%00/",
    "/authors/%00/feed/",
    "/search/?q=%00",
    "/sections/world/?page=%00",
]
DESK = [
    "/admin/articles/article/tags/suggest/?q=%00",
    "/admin/autocomplete/?app_label=articles&model_name=article&field_name=tags&term=%00",
    "/admin/autocomplete/?app_label=articles&model_name=article&field_name=lead_photo&term=%00",
    "/admin/articles/article/?q=%00",
]


@pytest.fixture
def desk_content():
    make_article("Trade talks resume", tags=["trade"], authors=[make_author("Leila Haddad")])


@pytest.mark.parametrize("url", READERS)
def test_readers_get_a_400_for_a_nul_byte(client, desk_content, url):
    response = client.get(url)
    assert response.status_code == 400, url
    assert b"no page can have" in response.content


@pytest.mark.parametrize("url", DESK)
def test_the_desk_gets_a_400_for_a_nul_byte(editor_client, desk_content, url):
    assert editor_client.get(url).status_code == 400, url


def test_ordinary_addresses_are_untouched(client, desk_content):
    assert client.get("/tags/trade/").status_code == 200
    assert client.get("/search/?q=100%25").status_code == 200
