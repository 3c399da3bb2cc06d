"""The API: what it shows, how it pages, how it answers bad requests, HTTP behaviour."""

import datetime

import pytest
from django.utils import timezone

from articles import services
from articles.models import Correction
from tests.factories import make_agency, make_article, make_author, make_photo, section

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 0


def test_article_detail_has_everything_its_page_shows(client, editor):
    first, second = make_author("Leila Haddad"), make_author("Omar Khalil")
    agency = make_agency("Reuters", website="https://www.reuters.com/")
    photo = make_photo(renditions=True, size=(900, 600), credit="AP Photo/Jane Doe",
                       caption="Rescue workers", licence="CC BY 4.0", rights="cc")  # fmt: skip
    story = make_article(
        "Ceasefire holds", authors=[second, first], tags=["gaza", "un"], agencies=[agency],
        primary_section=section("world"), sections=[section("politics")], lead_photo=photo,
        body="<p>Talks <strong>resumed</strong>.</p><script>alert(1)</script>",
    )  # fmt: skip
    services.add_correction(story, by=editor, text="The vote was on 3 March.")
    data = client.get(f"/api/v1/articles/{story.pk}").json()
    assert data["headline"] == "Ceasefire holds"
    assert data["body"] == "<p>Talks <strong>resumed</strong>.</p>"  # sanitised when saved
    assert [b["name"] for b in data["bylines"]] == ["Omar Khalil", "Leila Haddad"]
    assert data["bylines"][0]["profile_url"].endswith(second.get_absolute_url())
    assert [(s["slug"], s["is_primary"]) for s in data["sections"]] == [
        ("world", True), ("politics", False)]  # fmt: skip
    assert data["primary_section"]["slug"] == "world"
    assert data["agencies"] == [{"name": "Reuters", "website": "https://www.reuters.com/"}]
    assert data["lead_photo"]["credit"] == "Source: AP Photo/Jane Doe"
    assert data["lead_photo"]["rights"] == "cc" and data["lead_photo"]["licence"] == "CC BY 4.0"
    assert {r["media_type"] for r in data["lead_photo"]["renditions"]} == {
        "image/jpeg",
        "image/webp",
    }
    assert [t["slug"] for t in data["tags"]] == ["gaza", "un"]
    assert [c["text"] for c in data["corrections"]] == ["The vote was on 3 March."]
    assert data["version"] == 2
    assert data["url"].endswith(story.get_absolute_url())
    assert data["first_published_at"] is not None and data["updated_at"] is not None


def test_a_photo_whose_rights_lapsed_is_left_out(client):
    photo = make_photo(usable_until=timezone.localdate() - datetime.timedelta(days=1))
    story = make_article(lead_photo=photo)
    assert client.get(f"/api/v1/articles/{story.pk}").json()["lead_photo"] is None


def test_cursor_pages_walk_every_story_once_while_stories_are_published(client):
    stories = [make_article() for _ in range(7)]
    seen, url = [], "/api/v1/articles?limit=3"
    while url:
        page = client.get(url).json()
        seen += [item["id"] for item in page["items"]]
        if len(seen) == 3:  # news breaks while a client is paging
            make_article("Breaking", published_at=timezone.now())
        url = page["next_url"] and page["next_url"].removeprefix("http://127.0.0.1:8000")
    assert seen == [story.pk for story in stories]  # newest first = made first here
    assert len(set(seen)) == 7


def test_filters_by_section_tag_author_and_time(client):
    author = make_author("Filter Author")
    old = make_article(tags=["alpha"], published_at=timezone.now() - datetime.timedelta(days=3))
    news = make_article(authors=[author], primary_section=section("world"), tags=["alpha"])
    make_article(primary_section=section("usa"))

    def ids(query):
        return [item["id"] for item in client.get(f"/api/v1/articles?{query}").json()["items"]]

    assert ids("section=world") == [news.pk]
    assert ids("tag=alpha") == [news.pk, old.pk]
    assert ids(f"author={author.slug}") == [news.pk]
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    assert old.pk not in ids(f"published_since={since.replace('+', '%2B')}")
    assert news.pk in ids(f"updated_since={since.replace('+', '%2B')}")


@pytest.mark.parametrize(
    "query",
    ["page=2", "limit=0", "limit=101", "limit=abc", "cursor=%%%", "cursor=WyJ4Il0",
     "published_since=yesterday", "published_since=0001-01-01T00:00:00%2B01:00",
     "cursor=WzEsMl0", "colour=red", "limit=1&limit=x"],
)  # fmt: skip
def test_bad_parameters_are_400_problems(client, query):
    make_article()
    response = client.get(f"/api/v1/articles?{query}")
    assert response.status_code == 400, (query, response.content)
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 400 and problem["title"] and problem["detail"]


def test_unknown_things_are_404_problems(client):
    for url in ["/api/v1/articles/999999", "/api/v1/articles/99999999999999999999",
                "/api/v1/tags/nothing", "/api/v1/authors/nobody", "/api/v1/sections/none",
                "/api/v1/articles?section=none"]:  # fmt: skip
        response = client.get(url)
        assert response.status_code in (404, 400), url
        assert response["Content-Type"] == "application/problem+json", url


def test_etag_and_last_modified_answer_304(client):
    story = make_article()
    first = client.get(f"/api/v1/articles/{story.pk}")
    assert first["ETag"] and first["Last-Modified"]
    again = client.get(f"/api/v1/articles/{story.pk}", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    since = client.get(f"/api/v1/articles/{story.pk}",
                       HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])  # fmt: skip
    assert since.status_code == 304
    Correction.objects.create(article=story, text="Fixed.", created_by=story.created_by)
    changed = client.get(f"/api/v1/articles/{story.pk}", HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200


def test_cors_lets_any_site_read(client):
    response = client.get("/api/v1/sections", HTTP_ORIGIN="https://elsewhere.example")
    assert response["Access-Control-Allow-Origin"] == "*"
    preflight = client.options("/api/v1/articles", HTTP_ORIGIN="https://elsewhere.example",
                               HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")  # fmt: skip
    assert preflight.status_code == 204
    assert "GET" in preflight["Access-Control-Allow-Methods"]


def test_past_the_rate_limit_a_client_gets_429_with_retry_after(client, settings):
    settings.API_RATE_LIMIT = 3
    answers = [client.get("/api/v1/sections", REMOTE_ADDR="203.0.113.9") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert int(answers[-1]["Retry-After"]) >= 1
    assert answers[-1]["Content-Type"] == "application/problem+json"
    # another client is not affected
    assert client.get("/api/v1/sections", REMOTE_ADDR="203.0.113.10").status_code == 200


def test_the_rate_limit_counts_the_client_not_the_address_it_claims(client, settings):
    settings.API_RATE_LIMIT = 2
    for n in range(3):
        last = client.get("/api/v1/sections", REMOTE_ADDR="203.0.113.20",
                          HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")  # fmt: skip
    assert last.status_code == 429


def test_openapi_schema_and_docs_from_our_own_static_files(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/articles", "/api/v1/articles/{article_id}", "/api/v1/sections",
            "/api/v1/tags", "/api/v1/authors", "/api/v1/corrections",
            "/api/v1/ninjs"} <= set(schema["paths"])  # fmt: skip
    docs = client.get("/api/v1/docs")
    html = docs.content.decode()
    assert docs.status_code == 200
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "https://" not in html
    policy = docs["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "http" not in policy


def test_readers_pages_keep_their_strict_policy(client):
    make_article()
    assert "script-src 'none'" in client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'none'" in client.get("/api/v1/articles")["Content-Security-Policy"]


def test_api_answers_carry_the_pages_surrogate_keys_for_our_proxy(client, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]  # the test client's address: our proxy
    story = make_article(tags=["keyed"])
    section_id = story.primary_section_id

    def keys(url):
        return set(client.get(url).get("Surrogate-Key", "").split())

    assert {"all", "feed", f"a{story.pk}"} <= keys("/api/v1/articles")
    assert {f"ls{section_id}", f"a{story.pk}"} <= keys("/api/v1/articles?section=politics")
    assert {f"a{story.pk}", f"s{section_id}"} <= keys(f"/api/v1/articles/{story.pk}")
    assert {f"a{story.pk}"} <= keys(f"/api/v1/articles/{story.pk}/ninjs")
    assert {"corrections"} <= keys("/api/v1/corrections")
    assert {"missing"} <= keys("/api/v1/articles/999999")
    # (That readers never see the header is tests/site/test_surrogate_keys.py's.)


def test_publishing_purges_the_api_list_through_the_same_keys(
    client, settings, editor, django_capture_on_commit_callbacks
):
    from articles.models import Status
    from newsroom.invalidation import keys_changed

    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    listed = set(client.get("/api/v1/articles").get("Surrogate-Key", "").split())
    sent = []
    keys_changed.connect(lambda sender, keys, **kw: sent.append(keys), weak=False,
                         dispatch_uid="api-test")  # fmt: skip
    try:
        story = make_article(status=Status.DRAFT)
        with django_capture_on_commit_callbacks(execute=True):
            services.publish(story, by=editor)
    finally:
        keys_changed.disconnect(dispatch_uid="api-test")
    assert listed & set().union(*sent)  # the list's copies are purged


def test_head_is_get_without_the_body(client, settings):
    settings.PAGE_CACHE_SECONDS = 300
    make_article()
    got = client.get("/api/v1/articles")
    head = client.head("/api/v1/articles")
    assert head.status_code == 200 and head.content == b""
    assert head["ETag"] == got["ETag"]
    assert client.get("/api/v1/articles").content == got.content  # a HEAD stored no empty copy
