"""The leak walk over the API: every endpoint, with a draft, a story in review, a scheduled,
an unpublished and a deleted one around, as anonymous readers see it."""

import pytest

from tests.security.test_nothing_leaks import SECRETS, desk  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def api_doors(desk) -> list[str]:  # noqa: F811
    urls = [
        "/api/v1/articles", "/api/v1/articles?limit=100", "/api/v1/articles?tag=shared",
        "/api/v1/articles?section=world", f"/api/v1/articles?author={desk['author'].slug}",
        "/api/v1/sections", "/api/v1/tags?limit=100", "/api/v1/authors?limit=100",
        "/api/v1/corrections?limit=100", "/api/v1/ninjs?limit=100",
        "/api/v1/ninjs?section=world", f"/api/v1/articles/{desk['live'].pk}",
        f"/api/v1/articles/{desk['live'].pk}/ninjs", "/api/v1/openapi.json",
        f"/api/v1/authors/{desk['author'].slug}", "/api/v1/tags/shared",
    ]  # fmt: skip
    for kind in SECRETS:
        story = desk[kind]
        urls += [f"/api/v1/articles/{story.pk}", f"/api/v1/articles/{story.pk}/ninjs",
                 f"/api/v1/tags/only-{SECRETS[kind].lower()}",
                 f"/api/v1/articles?tag=only-{SECRETS[kind].lower()}"]  # fmt: skip
    urls.append(f"/api/v1/authors/{desk['secret_author'].slug}")
    return urls


@pytest.fixture
def walk(desk, editor):  # noqa: F811
    from articles.models import Article, Byline, Correction
    from tests.factories import make_author

    # An author whose only work is unpublished, and corrections on unpublished stories.
    secret_author = make_author("Hiddenquill Writer")
    for kind in SECRETS:
        story = Article.objects.get(pk=desk[kind].pk) if kind != "deleted" else None
        if story is not None:
            Byline.objects.create(article=story, author=secret_author, position=5)
            Correction.objects.create(article=story, text=f"{SECRETS[kind]} correction",
                                      created_by=editor)  # fmt: skip
    return {**desk, "secret_author": secret_author}


def test_the_api_lets_nothing_unpublished_out(client, walk, settings):
    settings.PAGE_CACHE_SECONDS = 0
    photo_names = [walk["photo"].image.name, *walk["photo"].renditions["jpeg"].values()]
    secret_ids = {walk[kind].pk for kind in SECRETS}
    for url in api_doors(walk):
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        body = response.content.decode()
        for word in SECRETS.values():
            assert word not in body, (url, word)
        for name in photo_names:
            assert name not in body, (url, "secret photo")
        assert "Hiddenquill" not in body and "hiddenquill" not in body, url
        for pk in secret_ids:
            assert f'/api/v1/articles/{pk}"' not in body, (url, pk)
        if url.startswith("/api/v1/articles/") and response.status_code == 200:
            assert str(walk["live"].pk) in url, url


def test_a_journalist_signed_in_sees_no_more_through_the_api(journalist_client, walk):
    body = journalist_client.get("/api/v1/articles?limit=100").content.decode()
    assert all(word not in body for word in SECRETS.values())
    for kind in SECRETS:
        response = journalist_client.get(f"/api/v1/articles/{walk[kind].pk}")
        assert response.status_code == 404, kind
