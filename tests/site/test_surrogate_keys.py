"""Surrogate keys (articles/keys.py, newsroom/surrogate.py): every readers' response names
what it shows, every committed change sends exactly the keys it affects, and the header
reaches our proxy only."""

import datetime
from contextlib import contextmanager

import pytest
from django.apps import apps
from django.db import transaction
from django.utils import timezone
from taggit.models import Tag

from articles import keys, services
from articles.models import Article, BreakingNews, FrontPageSlot, Status
from authors.models import AuthorLink
from newsroom import surrogate
from newsroom.invalidation import keys_changed
from tests.factories import make_agency, make_article, make_author, make_photo, section

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _through_our_proxy(settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]  # the test client's address
    settings.PAGE_CACHE_SECONDS = 0  # the header is made whether pages are cached or not


@pytest.fixture
def story():
    return make_article(
        "Senate passes the budget",
        authors=[make_author("Maya Lindqvist")],
        tags=["budget"],
        primary_section=section("usa"),
        sections=[section("politics")],
        lead_photo=make_photo(agency=make_agency("Wire")),
    )


def shown(response) -> set[str]:
    return set(response[surrogate.HEADER].split())


def ids(story):
    tag = story.tags.get()
    author = story.authors.get()
    return tag, author


# --- what a response shows -----------------------------------------------------------


def test_every_readers_page_names_what_it_shows(client, story):
    tag, author = ids(story)
    a, p, t = keys.article(story.pk), keys.author(author.pk), keys.tag(tag.pk)
    usa, politics = section("usa").pk, section("politics").pk
    card = {a, p, keys.section(usa), keys.photo(story.lead_photo_id),
            keys.agency(story.lead_photo.agency_id)}  # fmt: skip
    nav = {keys.NAV, keys.BANNER}
    expected = {
        "/": {keys.FRONT} | card | nav,
        story.get_absolute_url(): card | nav | {t, keys.section(politics)},
        "/section/usa/": {keys.section_list(usa)} | card | nav,
        "/tags/budget/": {t, keys.tag_list(tag.pk)} | card | nav,
        f"/authors/{author.slug}/": {p, keys.author_list(author.pk)} | card | nav,
        "/search/?q=budget": {keys.SEARCH} | card | nav,
        "/feed/": {keys.FEED, t, keys.section(politics)} | card,
        "/section/usa/feed/": {keys.section_list(usa), t} | card,
        "/tags/budget/feed/": {keys.tag_list(tag.pk), t} | card,
        f"/authors/{author.slug}/feed/": {keys.author_list(author.pk), p, t} | card,
        "/corrections/": {keys.CORRECTIONS} | nav,
        "/sitemap.xml": {keys.SITEMAP},
        "/sitemap-articles.xml": {keys.SITEMAP},
        "/news-sitemap.xml": {keys.SITEMAP},
        "/robots.txt": {keys.ROBOTS},
        "/no-such-page/": {keys.MISSING} | nav,
    }
    for url, wanted in expected.items():
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert shown(response) >= wanted | {surrogate.EVERYTHING}, url
    # A list names the stories it shows, and no other.
    other = make_article("Elsewhere", primary_section=section("world"), authors=[])
    assert keys.article(other.pk) not in shown(client.get("/section/usa/"))
    assert keys.article(other.pk) in shown(client.get("/"))


def test_a_story_page_names_its_related_stories(client, story):
    neighbour = make_article("Budget talks resume", primary_section=section("usa"), authors=[])
    page = shown(client.get(story.get_absolute_url()))
    assert keys.article(neighbour.pk) in page
    # Topped up with the section's newest, it changes when the section's stories do.
    assert keys.section_list(section("usa").pk) in page


def test_the_header_reaches_only_our_proxy(client, settings, story):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    assert surrogate.HEADER not in client.get("/")  # a reader straight to the application
    assert surrogate.HEADER in client.get("/", REMOTE_ADDR="10.0.0.1")


def test_the_header_reaches_no_reader_from_the_page_cache_either(client, settings, story):
    settings.PAGE_CACHE_SECONDS = 300
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    assert client.get("/", REMOTE_ADDR="10.0.0.1")["X-Page-Cache"] == "miss"
    hit = client.get("/")
    assert hit["X-Page-Cache"] == "hit" and surrogate.HEADER not in hit
    assert surrogate.HEADER in client.get("/", REMOTE_ADDR="10.0.0.1")


def test_staff_previews_posts_and_the_admin_are_never_keyed(client, editor, story):
    assert surrogate.HEADER not in client.post("/search/", {"q": "x"})
    client.force_login(editor)
    for url in ("/", "/admin/", f"/admin/articles/article/{story.pk}/preview/"):
        assert surrogate.HEADER not in client.get(url), url


# --- what a change affects -------------------------------------------------------------


@contextmanager
def sent():
    """The batches of keys sent through keys_changed while the block runs."""
    batches: list[frozenset[str]] = []

    def receiver(sender, keys, **kwargs):
        batches.append(keys)

    keys_changed.connect(receiver)
    try:
        yield batches
    finally:
        keys_changed.disconnect(receiver)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """A transaction of its own, committed (as far as on_commit callbacks know: the test's
    own transaction is rolled back at the end); yields the batches it sent."""

    @contextmanager
    def transaction_sending():
        with (
            sent() as batches,
            django_capture_on_commit_callbacks(execute=True),
            transaction.atomic(),
        ):
            yield batches

    return transaction_sending


def only(batches) -> frozenset[str]:
    assert len(batches) == 1, batches
    return batches[0]


def test_a_correction_purges_the_story_and_not_the_lists(editor, story, committed):
    with committed() as batches:
        services.add_correction(story, by=editor, text="The vote was 51 to 49.")
    assert only(batches) == {keys.article(story.pk), keys.CORRECTIONS}


def test_an_edit_purges_the_story_where_it_is_shown_not_the_lists(editor, story, committed):
    story.headline = "Senate passes the budget at dawn"
    with committed() as batches:
        services.save_article(story, by=editor)
    # Its cards on the front page and lists carry its key; search and the news sitemap
    # show the headline too.
    assert only(batches) == {keys.article(story.pk), keys.SITEMAP, keys.SEARCH}


def test_publishing_purges_every_list_the_story_joins(editor, committed):
    author = make_author("Ines Duarte")
    draft = make_article(
        "Harbour strike ends", status=Status.DRAFT, authors=[author], tags=["labour"],
        primary_section=section("world"), sections=[section("politics")],
    )  # fmt: skip
    with committed() as batches:
        services.publish(draft, by=editor)
    tag = draft.tags.get()
    assert only(batches) >= {
        keys.article(draft.pk), keys.FRONT, keys.FEED, keys.SITEMAP, keys.SEARCH,
        keys.MISSING, keys.section_list(section("world").pk),
        keys.section_list(section("politics").pk), keys.tag_list(tag.pk),
        keys.author_list(author.pk),
    }  # fmt: skip
    assert keys.section_list(section("usa").pk) not in only(batches)


def test_unpublishing_purges_the_lists_it_leaves(editor, story, committed):
    with committed() as batches:
        services.unpublish(story, by=editor)
    assert only(batches) >= {
        keys.article(story.pk), keys.FRONT, keys.section_list(section("usa").pk),
        keys.tag_list(story.tags.get().pk), keys.author_list(story.authors.get().pk),
    }  # fmt: skip


def test_deleting_purges_the_lists_it_was_on(editor, story, committed):
    section_list, tag_list = (
        keys.section_list(section("usa").pk),
        keys.tag_list(story.tags.get().pk),
    )
    with committed() as batches:
        services.delete_article(story, by=editor)
    assert only(batches) >= {keys.article(story.pk), keys.FRONT, section_list, tag_list}


def test_a_draft_that_never_went_out_purges_nothing(journalist, committed):
    draft = make_article("Quiet draft", status=Status.DRAFT, created_by=journalist)
    draft.headline = "Quiet draft, edited"
    with committed() as batches:
        services.save_article(draft, by=journalist, tags=["quiet"], sections=[section("usa")])
    assert batches == []


def test_keys_are_sent_after_the_commit_and_never_for_a_rollback(
    story, committed, django_capture_on_commit_callbacks
):
    with committed() as batches:
        story.headline = "Senate passes the budget at dawn"
        story.save()
        assert batches == []  # not before the commit
    assert only(batches) >= {keys.article(story.pk)}

    with (
        sent() as batches,
        pytest.raises(RuntimeError),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        story.headline = "Rolled back"
        story.save()
        raise RuntimeError
    assert batches == []


def test_one_batch_for_the_changes_of_one_atomic_block(story, committed):
    with committed() as batches:
        story.headline = "One"
        story.save()
        story.sections.add(section("world"))
        story.bylines.get().save()
    assert only(batches) >= {
        keys.article(story.pk), keys.section_list(section("world").pk),
        keys.author_list(story.authors.get().pk),
    }  # fmt: skip
    # A block inside (taggit adds tags in a savepoint of its own) sends its own batch.
    with committed() as batches:
        story.tags.add("second")
    assert set().union(*batches) >= {keys.tag_list(Tag.objects.get(name="second").pk)}


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda s: _rename(section("usa"), "United States"),
         lambda s: {keys.section(section("usa").pk), keys.section_list(section("usa").pk)}),
        (lambda s: _rename(s.tags.get(), "Budgets"),
         lambda s: {keys.tag(s.tags.get().pk), keys.tag_list(s.tags.get().pk)}),
        (lambda s: _edit(s.authors.get(), bio="Covers Congress."),
         lambda s: {keys.author(s.authors.get().pk)}),
        (lambda s: AuthorLink.objects.create(author=s.authors.get(), label="Site",
                                             url="https://example.com/"),
         lambda s: {keys.author(s.authors.get().pk)}),
        (lambda s: _edit(s.lead_photo, credit="Jane Doe"),
         lambda s: {keys.photo(s.lead_photo_id)}),
        (lambda s: _rename(s.lead_photo.agency, "Wire Service"),
         lambda s: {keys.agency(s.lead_photo.agency_id)}),
        (lambda s: BreakingNews.objects.create(text="Polls have closed"),
         lambda s: {keys.BANNER}),
        (lambda s: FrontPageSlot.objects.create(article=s, position=1,
                                                created_by=s.created_by),
         lambda s: {keys.FRONT}),
    ],
    ids=["section", "tag", "author", "author link", "photo", "agency", "banner", "slot"],
)  # fmt: skip
def test_each_kind_of_change_purges_what_shows_it(story, change, expected, committed):
    with committed() as batches:
        change(story)
    batch = only(batches)
    assert batch >= expected(story)
    assert keys.article(story.pk) not in batch  # the thing's key, not every story's


def _rename(obj, name):
    obj.name = name
    obj.save()


def _edit(obj, **fields):
    for name, value in fields.items():
        setattr(obj, name, value)
    obj.save()


def test_a_scheduled_story_purges_the_lists_it_will_join(editor, committed):
    draft = make_article("At noon", status=Status.DRAFT, primary_section=section("world"))
    at = timezone.now() + datetime.timedelta(hours=1)
    with committed() as batches:
        services.publish(draft, by=editor, at=at)
    assert keys.section_list(section("world").pk) in only(batches)


# Models of ours readers never see, each with the reason. A model in neither this list nor
# articles.keys.watch_all() fails the test below: a forgotten one would leave stale pages.
NOT_SHOWN = {
    "articles.ArticleEvent": "the desk's workflow history",
    "articles.RevisionSnapshot": "versions, for the desk",
    "articles.StoryReads": "reads per hour, for the desk and the roll-up",
    # Written only by the roll-up, which sends the list's key itself (articles/reads.py).
    "articles.MostRead": "the roll-up sends mostread / mostread-s<id> when a list changes",
    "newsroom.RateLimitCounter": "sign-in throttling",
    "newsroom.ReplicaHold": "which read replicas readers may use (newsroom/replicas.py)",
    "newsroom.TwoStepReset": "sign-in",
    # Background tasks (newsroom/background.py, newsroom/worker.py): the queue's bookkeeping.
    "newsroom.TaskAttempt": "the task queue's bookkeeping",
    "newsroom.FailedTask": "the task queue's bookkeeping",
    "newsroom.ScheduledRun": "the task queue's bookkeeping",
    "newsroom.WorkerHeartbeat": "the task queue's bookkeeping",
    "taggit.TaggedItem": "taggit's generic links; ours are articles.TaggedArticle",
}


def test_every_model_readers_can_see_says_which_keys_it_affects():
    ours = [
        model
        for app in ("articles", "authors", "newsroom", "taggit")
        for model in apps.get_app_config(app).get_models(include_auto_created=True)
    ]
    forgotten = [
        model._meta.label
        for model in ours
        if model not in surrogate.WATCHED
        and model._meta.label not in NOT_SHOWN
        and not (
            model._meta.auto_created
            and model._meta.auto_created._meta.label in NOT_SHOWN  # a relation of one
        )
    ]
    assert forgotten == [], "say which keys a change affects (articles/keys.py) or why not"
    assert Article in surrogate.WATCHED


def test_each_watched_model_sends_keys_when_changed(story, committed):
    """Saving a readers' object of each watched kind sends at least one key."""
    objects = {
        "articles.Article": story,
        "articles.Byline": story.bylines.get(),
        "articles.TaggedArticle": story.tagged_items.get(),
        "articles.Photo": story.lead_photo,
        "articles.Agency": story.lead_photo.agency,
        "articles.Section": section("usa"),
        "taggit.Tag": story.tags.get(),
        "authors.Author": story.authors.get(),
    }
    for label, obj in objects.items():
        with committed() as batches:
            obj.save()
        assert batches and batches[0], label
