"""Every ninjs the API gives out validates against the IPTC's official 2.1 schema, read
from the shared fixtures (never copied into the project)."""

import datetime
import json

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from articles import services
from tests.factories import make_agency, make_article, make_author, make_photo, section
from tests.support import SHARED_FIXTURES

pytestmark = pytest.mark.django_db

FIXTURES = SHARED_FIXTURES / "ninjs"
SCHEMA_21 = FIXTURES / "schemas" / "ninjs-schema_2.1.json"


@pytest.fixture(scope="module")
def validator():
    if not SCHEMA_21.exists():
        pytest.fail(
            f"The IPTC ninjs schema is missing: {SCHEMA_21} "
            "(../shared/ beside the checkout, or set SHARED_FIXTURES)"
        )
    schema = json.loads(SCHEMA_21.read_text())
    return Draft202012Validator(schema, format_checker=FormatChecker())


def assert_valid(validator, item):
    errors = sorted(validator.iter_errors(item), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]
    # (jsonschema checks "date-time" and "uri" formats only with optional packages.)
    for name in ("firstcreated", "versioncreated"):
        if name in item:
            assert datetime.datetime.fromisoformat(item[name]).tzinfo is not None
    assert item["uri"].startswith(("http://", "https://"))


def test_the_schema_check_itself_refuses_a_broken_item(validator):
    # The official examples pass, and an item with a property ninjs lacks does not.
    example = json.loads((FIXTURES / "examples-2.1" / "ninjsExSimpleText_2.json").read_text())
    assert_valid(validator, example)
    assert list(validator.iter_errors({"uri": "x:y", "bylines": []}))


@pytest.fixture
def story(editor):
    agency = make_agency("AP", photo_credit="AP Photo")
    photo = make_photo(renditions=True, size=(900, 600), agency=agency, rights="agency",
                       caption="Crowds in the square.",
                       usable_until=datetime.date(2099, 1, 1))  # fmt: skip
    story = make_article(
        "Ceasefire holds", authors=[make_author("Omar Khalil"), make_author("Leila Haddad")],
        tags=["gaza", "united nations"],
        agencies=[make_agency("Reuters", website="https://reuters.com/")],
        primary_section=section("world"), sections=[section("politics")], lead_photo=photo,
    )  # fmt: skip
    services.add_correction(story, by=editor, text="The vote was on 3 March.")
    return story


def test_an_article_as_ninjs_validates_and_carries_everything(client, validator, story):
    response = client.get(f"/api/v1/articles/{story.pk}/ninjs")
    assert response["Content-Type"].startswith("application/vnd.iptc.ninjs+json")
    item = response.json()
    assert_valid(validator, item)
    assert item["headlines"] == [{"role": "main", "value": "Ceasefire holds"}]
    assert item["bodies"][0]["contenttype"] == "text/html"
    assert item["by"] == "Omar Khalil and Leila Haddad"
    assert [p["name"] for p in item["people"]] == ["Omar Khalil", "Leila Haddad"]
    rels = [(s["rel"], s["literal"]) for s in item["subjects"]]
    assert rels == [("primarysection", "world"), ("section", "politics"), ("tag", "gaza"),
                    ("tag", "united-nations")]  # fmt: skip
    assert item["version"] == "2"  # the correction made a new version
    assert any(d["role"] == "correction" and "3 March" in d["value"]
               for d in item["descriptions"])  # fmt: skip
    photo = item["associations"][0]
    assert photo["type"] == "picture" and photo["renditions"]
    assert {"role": "creditline", "value": "AP Photo"} in photo["descriptions"]
    assert photo["copyrightholder"] == "AP Photo" and photo["usageterms"] == "Agency-licensed"
    assert item["infosources"] == [{"name": "Reuters", "role": "contributor",
                                    "uri": "https://reuters.com/"}]  # fmt: skip
    assert item["language"] == "en-GB" and item["pubstatus"] == "usable"


def test_content_negotiation_gives_the_same_ninjs(client, validator, story):
    response = client.get(f"/api/v1/articles/{story.pk}",
                          HTTP_ACCEPT="application/vnd.iptc.ninjs+json")  # fmt: skip
    assert response["Content-Type"].startswith("application/vnd.iptc.ninjs+json")
    assert "Accept" in response["Vary"]
    assert response.json() == client.get(f"/api/v1/articles/{story.pk}/ninjs").json()
    plain = client.get(f"/api/v1/articles/{story.pk}")
    assert plain["Content-Type"].startswith("application/json")


def test_the_partner_feed_is_ninjs_newest_first_with_a_section_filter(client, validator, story):
    plain = make_article("Plain story", primary_section=section("usa"), authors=[])
    feed = client.get("/api/v1/ninjs").json()
    assert [item["headlines"][0]["value"] for item in feed["items"]] == [
        "Ceasefire holds", "Plain story"]  # fmt: skip
    for item in feed["items"]:
        assert_valid(validator, item)
    assert feed["items"][0] == client.get(f"/api/v1/articles/{story.pk}/ninjs").json()
    world = client.get("/api/v1/ninjs?section=usa").json()
    assert [item["uri"] for item in world["items"]] == [
        f"http://127.0.0.1:8000/api/v1/articles/{plain.pk}"]  # fmt: skip


def test_a_partner_can_take_every_story_by_following_the_feed(client, validator):
    stories = [make_article(f"Wire story {n}") for n in range(5)]
    taken, url = [], "/api/v1/ninjs?limit=2"
    while url:
        page = client.get(url).json()
        for item in page["items"]:
            assert_valid(validator, item)
        taken += [item["uri"] for item in page["items"]]
        url = page["next_url"] and page["next_url"].removeprefix("http://127.0.0.1:8000")
    assert taken == [f"http://127.0.0.1:8000/api/v1/articles/{s.pk}" for s in stories]
    # and later asks only for what changed since its last visit
    latest = client.get("/api/v1/ninjs?limit=1").json()["items"][0]["versioncreated"]
    since = latest.replace("+", "%2B")
    assert [i["uri"] for i in client.get(f"/api/v1/ninjs?updated_since={since}").json()["items"]] \
        == [taken[0]]  # fmt: skip
