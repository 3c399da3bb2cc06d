"""Most read (articles/reads.py): counting without knowing readers, the roll-up, the lists
on pages and their surrogate keys, the desk's figures."""

import datetime
import time

import pytest
from django.core.cache import cache
from django.utils import timezone

from articles import keys, reads
from articles.models import Article, MostRead, Status, StoryReads
from newsroom import periodic
from newsroom.invalidation import keys_changed
from tests.factories import make_article, section

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def sent():
    batches: list[frozenset[str]] = []

    def receiver(sender, keys, **kwargs):
        batches.append(keys)

    keys_changed.connect(receiver)
    yield batches
    keys_changed.disconnect(receiver)


def beacon(client, story_id, **headers):
    return client.get(f"/r/{story_id}.gif", HTTP_USER_AGENT=headers.pop("ua", BROWSER), **headers)


def rolled(story) -> int:
    reads.roll_up()
    return sum(StoryReads.objects.filter(article=story).values_list("count", flat=True))


# --- the beacon -------------------------------------------------------------------------


def test_a_view_is_counted_once(client):
    story = make_article()
    response = beacon(client, story.pk)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/gif"
    assert response.content == reads_pixel()
    assert rolled(story) == 1
    beacon(client, story.pk)
    assert rolled(story) == 2


def reads_pixel() -> bytes:
    from articles.views import PIXEL

    assert PIXEL.startswith(b"GIF89a")
    return PIXEL


def test_the_beacon_is_never_cached_and_sets_no_cookie(client):
    story = make_article()
    response = beacon(client, story.pk)
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies
    assert "Surrogate-Key" not in response


def test_beacons_at_once_do_not_wait_for_each_other_in_the_page_cache(client, settings):
    # Another request for the same beacon is under way: a page would wait for its render.
    from newsroom import pagecache

    settings.PAGE_CACHE_SECONDS = 60
    story = make_article()
    cache.set(pagecache.page_key(f"/r/{story.pk}.gif", "") + ":lock", 1, 30)
    started = time.monotonic()
    assert beacon(client, story.pk).status_code == 200
    assert time.monotonic() - started < pagecache.WAIT_FOR_RENDER_SECONDS / 2
    assert rolled(story) == 1


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_PURPOSE": "prefetch"},
        {"HTTP_SEC_PURPOSE": "prefetch;prerender"},
        {"HTTP_PURPOSE": "prefetch"},
        {"HTTP_X_MOZ": "prefetch"},
        {"ua": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"},
        {"ua": "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"},
        {"ua": "facebookexternalhit/1.1"},
        {"ua": "Mozilla/5.0 HeadlessChrome/120.0"},
        {"ua": "curl/8.5.0"},
        {"ua": ""},
    ],
)
def test_prefetches_and_crawlers_are_not_counted(client, headers):
    story = make_article()
    response = beacon(client, story.pk, **headers)
    assert response.status_code == 200
    assert response.content == reads_pixel()
    assert rolled(story) == 0


def test_a_draft_or_unknown_id_counts_nothing_and_answers_the_same(client):
    draft = make_article(status=Status.DRAFT)
    story = make_article()
    answers = [beacon(client, pk) for pk in (draft.pk, story.pk, 10**9, 2**70)]
    assert {(a.status_code, a.content, a["Cache-Control"]) for a in answers} == {
        (200, reads_pixel(), "no-store")
    }
    reads.roll_up()
    assert list(StoryReads.objects.values_list("article_id", flat=True)) == [story.pk]


def test_a_head_is_answered_and_not_counted(client):
    story = make_article()
    response = client.head(f"/r/{story.pk}.gif", HTTP_USER_AGENT=BROWSER)
    assert response.status_code == 200
    assert rolled(story) == 0


def test_the_beacon_refuses_a_post(client):
    story = make_article()
    assert client.post(f"/r/{story.pk}.gif").status_code in (403, 405)
    assert rolled(story) == 0


# --- the roll-up -------------------------------------------------------------------------


def test_rolling_up_twice_does_not_count_twice():
    story = make_article()
    for _ in range(3):
        reads.count_read(story.pk)
    assert rolled(story) == 3
    assert rolled(story) == 3
    reads.count_read(story.pk)
    assert rolled(story) == 4
    assert StoryReads.objects.filter(article=story).count() == 1


def test_a_bucket_lost_with_the_cache_never_lowers_a_count():
    story = make_article()
    for _ in range(3):
        reads.count_read(story.pk)
    assert rolled(story) == 3
    cache.clear()
    reads.count_read(story.pk)
    assert rolled(story) == 3


def test_each_hour_has_its_own_bucket():
    story = make_article()
    now = timezone.now()
    reads.count_read(story.pk, now=now - datetime.timedelta(hours=1))
    reads.count_read(story.pk, now=now)
    reads.count_read(story.pk, now=now)
    reads.roll_up(now=now)
    assert sorted(StoryReads.objects.values_list("count", flat=True)) == [1, 2]


def test_the_roll_up_is_on_the_schedule():
    entry = next(e for e in periodic.SCHEDULE if e.task == "articles.reads.roll_up_reads")
    assert entry.when == periodic.Every(300)
    assert reads.roll_up_reads.call() == {"rows written": 0, "lists changed": 0}


# --- the lists ---------------------------------------------------------------------------


def read(story, times: int) -> None:
    for _ in range(times):
        reads.count_read(story.pk)


def test_lists_rank_the_last_day_overall_and_per_section():
    world, sport = section("world"), section("usa")
    a, b = make_article(primary_section=world), make_article(primary_section=world)
    c = make_article(primary_section=sport)
    read(a, 2)
    read(b, 5)
    read(c, 3)
    old = make_article(primary_section=world)
    StoryReads.objects.create(
        article=old, hour=timezone.now() - datetime.timedelta(hours=30), count=1000
    )
    reads.roll_up()
    assert [s.pk for s in reads.most_read()] == [b.pk, c.pk, a.pk]
    assert [s.pk for s in reads.most_read(section_id=world.pk)] == [b.pk, a.pk]
    assert [s.pk for s in reads.most_read(section_id=sport.pk)] == [c.pk]


def test_a_list_only_shows_stories_published_now():
    a, b = make_article(), make_article()
    read(a, 5)
    read(b, 1)
    reads.roll_up()
    a.status = Status.DRAFT
    a.save(update_fields=["status"])
    assert [s.pk for s in reads.most_read()] == [b.pk]
    reads.roll_up()
    assert not MostRead.objects.filter(article=a).exists()


def test_a_changed_list_purges_its_key_and_only_then(sent, django_capture_on_commit_callbacks):
    world = section("world")
    a, b = make_article(primary_section=world), make_article(primary_section=world)
    make_article(primary_section=section("usa"))

    def roll_up():
        sent.clear()
        with django_capture_on_commit_callbacks(execute=True):
            reads.roll_up()
        return sent

    read(a, 2)
    assert roll_up() == [{keys.MOST_READ, keys.most_read(world.pk)}]
    read(a, 1)
    assert roll_up() == []  # counts changed, the order did not
    read(b, 5)
    assert roll_up() == [{keys.MOST_READ, keys.most_read(world.pk)}]


def test_pages_show_the_list_and_name_its_key(client, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    settings.PAGE_CACHE_SECONDS = 0
    world = section("world")
    hot = make_article("The hot one", primary_section=world)
    other = make_article(primary_section=world)
    read(hot, 3)
    reads.roll_up()
    for url, key in [
        ("/", keys.MOST_READ),
        ("/section/world/", keys.most_read(world.pk)),
        (other.get_absolute_url(), keys.most_read(world.pk)),
    ]:
        response = client.get(url)
        body = response.content.decode()
        assert "Most read" in body and "The hot one" in body, url
        shown = response["Surrogate-Key"].split()
        assert key in shown and keys.article(hot.pk) in shown, url
        assert "no-store" not in response.get("Cache-Control", ""), url


def test_the_article_page_carries_the_beacon(client):
    story = make_article()
    body = client.get(story.get_absolute_url()).content.decode()
    assert f'<img class="read-beacon" src="/r/{story.pk}.gif"' in body
    assert 'loading="eager"' in body


# --- the desk ----------------------------------------------------------------------------


def with_rows(story, now):
    StoryReads.objects.create(article=story, hour=reads._hour_start(reads.hour_of(now)), count=4)
    StoryReads.objects.create(article=story, hour=now - datetime.timedelta(days=3), count=10)
    StoryReads.objects.create(article=story, hour=now - datetime.timedelta(days=9), count=100)


def test_reads_of_today_and_the_week():
    story, unread = make_article(), make_article()
    now = timezone.now()
    with_rows(story, now)
    found = {a.pk: (a.reads_today, a.reads_week) for a in Article.objects.with_reads(now=now)}
    assert found == {story.pk: (4, 14), unread.pk: (0, 0)}


@pytest.mark.parametrize("person", ["editor_client", "journalist_client"])
def test_the_desk_shows_reads_on_the_list_and_the_story(request, person, journalist):
    desk = request.getfixturevalue(person)
    story = make_article(created_by=journalist)
    with_rows(story, timezone.now())
    listing = desk.get("/admin/articles/article/").content.decode()
    assert "Reads today" in listing and "Reads, 7 days" in listing
    assert '<td class="field-reads_week">14</td>' in listing
    page = desk.get(f"/admin/articles/article/{story.pk}/change/").content.decode()
    assert "4 today, 14 in the last 7 days" in page
