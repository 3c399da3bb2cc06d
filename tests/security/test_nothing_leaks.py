"""Every public door, walked as an anonymous reader and as a journalist, with drafts,
stories in review, scheduled, unpublished and deleted ones present: none of their words
gets out."""

import datetime
import re
import xml.etree.ElementTree as ET

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from articles import previews, services
from articles.models import Article, Status
from tests.factories import make_article, make_author, make_photo, section

pytestmark = pytest.mark.django_db

SECRETS = {
    "draft": "Zanzibarite",
    "review": "Quillonmere",
    "scheduled": "Vortexhollow",
    "unpublished": "Marrowgleam",
    "deleted": "Fenwickstone",
}


@pytest.fixture
def desk(editor, journalist):
    author = make_author("Shared Author")
    live = make_article(
        "The public story", authors=[author], tags=["shared"], primary_section=section("world"),
        body="<p>Everyone may read this.</p>",
    )  # fmt: skip
    secret_photo = make_photo(alt_text="Secret photo alt", renditions=True, size=(900, 600))
    made = {}
    for kind, word in SECRETS.items():
        article = make_article(
            f"{word} headline", standfirst=f"{word} standfirst", body=f"<p>{word} body</p>",
            authors=[author], tags=["shared", f"only-{word.lower()}"],
            primary_section=section("world"), lead_photo=secret_photo,
            status=Status.DRAFT if kind in ("draft", "deleted") else Status.PUBLISHED,
            published_at=timezone.now() + datetime.timedelta(days=1) if kind == "scheduled"
            else None,
        )  # fmt: skip
        made[kind] = article
    Article.objects.filter(pk=made["review"].pk).update(
        status=Status.REVIEW, published_at=None, first_published_at=None
    )
    made["unpublished_url"] = made["unpublished"].get_absolute_url()
    services.unpublish(made["unpublished"], by=editor)
    services.delete_article(made["deleted"], by=editor)
    # The live story's related list was chosen while the secrets were around.
    Article.objects.filter(pk=live.pk).update(
        related_ids=[a.pk for k, a in made.items() if k in SECRETS and k != "deleted"]
    )
    return {"live": live, "author": author, "photo": secret_photo, **made}


def doors(desk) -> list[str]:
    urls = [
        "/", "/section/world/", "/section/politics/", desk["live"].get_absolute_url(),
        desk["author"].get_absolute_url(), "/tags/shared/", "/corrections/",
        "/feed/", "/section/world/feed/", f"{desk['author'].get_absolute_url()}feed/",
        "/tags/shared/feed/", "/corrections/feed/", "/sitemap.xml", "/news-sitemap.xml",
        "/robots.txt", desk["unpublished_url"],
    ]  # fmt: skip
    for word in SECRETS.values():
        urls += [f"/search/?q={word}", f"/tags/only-{word.lower()}/",
                 f"/tags/only-{word.lower()}/feed/"]  # fmt: skip
    for kind in ("draft", "review", "scheduled", "unpublished"):
        article = desk[kind]
        urls.append(f"/2026/01/01/{article.slug}/")
        if article.published_at:
            urls.append(article.get_absolute_url())
    return urls


def sitemap_pages(client) -> list[str]:
    index = ET.fromstring(client.get("/sitemap.xml").content)
    return [
        loc.text.replace("http://127.0.0.1:8000", "")
        for loc in index.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")
    ]


def assert_nothing_leaks(client, desk):
    photo_names = [desk["photo"].image.name, *desk["photo"].renditions["jpeg"].values()]
    for url in doors(desk) + sitemap_pages(client):
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        body = response.content.decode()
        for word in SECRETS.values():
            # (A search page repeats the words searched for; the stories' text must not.)
            for phrase in (f"{word} headline", f"{word} standfirst", f"{word} body"):
                assert phrase not in body, (url, phrase)
        for name in photo_names:
            assert name not in body, (url, "secret photo")
        for slug in (desk[k].slug for k in ("draft", "review", "scheduled", "unpublished")):
            assert f"/{slug}/" not in body, (url, slug)


def test_anonymous_reader_finds_nothing_unpublished(client, desk):
    assert_nothing_leaks(client, desk)


def test_a_logged_in_journalist_finds_nothing_on_the_public_site(journalist_client, desk):
    assert_nothing_leaks(journalist_client, desk)


def test_a_tag_only_unpublished_stories_carry_does_not_exist_for_readers(client, desk):
    # Its name would tell the embargoed topic: the page, its feed and the sitemap agree.
    assert client.get("/tags/shared/").status_code == 200
    assert client.get("/tags/shared/feed/").status_code == 200
    sitemap = client.get("/sitemap-tags.xml").content.decode()
    assert "/tags/shared/" in sitemap
    for kind, word in SECRETS.items():
        slug = f"only-{word.lower()}"
        for url in (f"/tags/{slug}/", f"/tags/{slug}/feed/"):
            response = client.get(url)
            assert response.status_code == 404, (kind, url)
            assert slug not in response.content.decode(), (kind, url)
        assert slug not in sitemap, kind


def test_a_scheduled_storys_tag_appears_when_the_story_does(client, desk):
    slug = f"only-{SECRETS['scheduled'].lower()}"
    assert client.get(f"/tags/{slug}/").status_code == 404
    with time_machine.travel(desk["scheduled"].published_at + datetime.timedelta(seconds=1)):
        assert client.get(f"/tags/{slug}/").status_code == 200
        assert client.get(f"/tags/{slug}/feed/").status_code == 200
        assert f"/tags/{slug}/" in client.get("/sitemap-tags.xml").content.decode()


def test_cached_pages_let_nothing_out_after_an_unpublish(
    client, settings, editor, desk, django_capture_on_commit_callbacks
):
    settings.PAGE_CACHE_SECONDS = 300
    live = desk["live"]
    urls = ["/", "/section/world/", live.get_absolute_url(), "/feed/", "/tags/shared/",
            desk["author"].get_absolute_url(), "/sitemap-articles.xml"]  # fmt: skip
    for url in urls:
        client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        services.unpublish(live, by=editor)
    for url in urls:
        body = client.get(url).content.decode()
        assert "The public story" not in body, url
        assert f"/{live.slug}/" not in body, url


def test_preview_links_show_only_what_they_were_made_for(client, desk):
    assert client.get("/preview/not-a-token/").status_code == 404
    path, _ = previews.make_link(desk["draft"])
    token = path.rstrip("/").rsplit("/", 1)[-1]
    forged = token.replace(token[5], "A" if token[5] != "A" else "B", 1)
    assert client.get(reverse("articles:preview", args=[forged])).status_code == 404
    shared = client.get(path)
    assert shared.status_code == 200
    assert "noindex" in shared["X-Robots-Tag"]
    assert SECRETS["review"] not in shared.content.decode()  # only the draft it was made for
    related = re.findall(r'class="related', shared.content.decode())
    assert related == []


def test_admin_of_journalist_does_not_list_others_drafts(journalist_client, desk):
    listing = journalist_client.get(reverse("admin:articles_article_changelist")).content.decode()
    for kind in ("draft", "review", "scheduled", "unpublished"):
        assert SECRETS[kind] not in listing, kind
    assert "The public story" in listing
