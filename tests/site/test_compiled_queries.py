"""newsroom/compiled.py: a query compiled once answers correctly for every later value."""

import datetime

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article, Section, Status
from newsroom import compiled
from tests.factories import make_article, section

pytestmark = pytest.mark.django_db


def headlines(now, section_id):
    return compiled.rows(
        lambda p: (
            Article.objects.published(at=p.now)
            .filter(primary_section_id=p.section)
            .order_by("published_at")
            .values_list("headline", flat=True)
        ),
        now=now,
        section=section_id,
    )


def test_the_same_compiled_query_answers_for_new_values():
    now = timezone.now()
    politics, world = section("politics"), section("world")
    make_article(
        "Old politics", primary_section=politics, published_at=now - datetime.timedelta(days=2)
    )
    make_article(
        "New politics", primary_section=politics, published_at=now - datetime.timedelta(hours=1)
    )
    make_article(
        "World story", primary_section=world, published_at=now - datetime.timedelta(hours=1)
    )
    make_article("Politics draft", primary_section=politics, status=Status.DRAFT)

    assert headlines(now, politics.pk) == ["Old politics", "New politics"]
    assert headlines(now - datetime.timedelta(days=1), politics.pk) == ["Old politics"]
    assert headlines(now, world.pk) == ["World story"]
    assert headlines(now, -5) == []
    with CaptureQueriesContext(connection) as queries:
        headlines(now, world.pk)
    assert len(queries) == 1


def test_lists_of_ids_of_any_length():
    stories = [make_article(f"Story {n}") for n in range(3)]

    def titles(ids):
        return sorted(
            compiled.rows(
                lambda p: Article.objects.filter(pk__in=p.ids).values_list("headline", flat=True),
                ids=ids,
            )
        )

    assert titles([stories[0].pk]) == ["Story 0"]
    assert titles([stories[1].pk, stories[2].pk]) == ["Story 1", "Story 2"]
    assert titles([stories[2].pk]) == ["Story 2"]


def test_a_value_the_query_does_not_use_is_refused():
    with pytest.raises(compiled.CompileError, match="'section' does not reach the SQL"):
        compiled.rows(
            lambda p: Article.objects.filter(pk__gt=0).values_list("pk", flat=True),
            section=3,
        )


def test_only_values_querysets_are_compiled():
    with pytest.raises(compiled.CompileError, match="values_list"):
        compiled.rows(lambda p: Article.objects.filter(pk=p.pk), pk=1)


def test_first_gives_a_whole_object_or_none():
    story = make_article("Whole object", standfirst="All of it.")
    found = compiled.first(Article, lambda p: Article.objects.filter(slug=p.slug), slug=story.slug)
    assert (found.pk, found.headline, found.standfirst, found.body) == (
        story.pk,
        "Whole object",
        "All of it.",
        story.body,
    )
    assert (
        compiled.first(Article, lambda p: Article.objects.filter(slug=p.slug), slug="none") is None
    )


def test_compiled_queries_kept_per_connection_are_bounded(settings):
    make_article("Bounded")
    for offset in range(compiled.MAX_SHAPES + 5):
        compiled.rows(
            lambda p, offset=offset: Article.objects.filter(pk__gt=p.floor).values_list("pk")[
                offset : offset + 1
            ],
            floor=0,
        )
    assert len(connections["default"].__dict__["_newsroom_compiled"]) <= compiled.MAX_SHAPES
    assert headlines(timezone.now(), section("politics").pk) == ["Bounded"]  # still answers


def test_instance_makes_what_from_db_makes():
    story = make_article("Bridge reopens", primary_section=section("world"))
    # from_db() wants the model's field order; instance() takes them in that order too.
    order = [field.attname for field in Article._meta.concrete_fields]
    names = sorted(
        ["id", "headline", "slug", "published_at", "primary_section_id"], key=order.index
    )
    values = Article.objects.filter(pk=story.pk).values_list(*names).get()

    made = compiled.instance(Article, names, values, "default")
    expected = Article.from_db("default", names, values)

    assert type(made) is Article
    assert {n: getattr(made, n) for n in names} == {n: getattr(expected, n) for n in names}
    assert made.get_deferred_fields() == expected.get_deferred_fields()
    assert "body" in made.get_deferred_fields()
    assert (made._state.adding, made._state.db) == (False, "default")
    assert made == story and made.get_absolute_url() == story.get_absolute_url()
    with CaptureQueriesContext(connection) as queries:
        assert made.primary_section.slug == "world"  # an ordinary object: relations still load
    assert len(queries) == 1


def test_instance_keeps_init_signals_for_models_that_have_them():
    from django.db.models.signals import post_init

    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.headline)

    post_init.connect(receiver, sender=Article)
    try:
        compiled.instance(Article, ["id", "headline"], (1, "Listened to"), "default")
    finally:
        post_init.disconnect(receiver, sender=Article)
    assert seen == ["Listened to"]


def test_the_article_relations_read_every_column_of_their_models():
    # The union's column maps are written by hand: a field added to Author, Section…
    # later must be added there too, or each page would read it with a query per object.
    from articles.detail import RELATIONS

    for kind, relation in RELATIONS.items():
        every = [field.attname for field in relation.model._meta.concrete_fields]
        assert list(relation.columns) == every, kind  # all of them, in field order


def test_two_builders_given_the_same_values_each_run_their_own_query():
    make_article("Alpha", slug="alpha")
    make_article("Beta", slug="beta")

    def alpha(p):
        return Article.objects.filter(slug="alpha", pk__gt=p.floor).values_list("headline")

    def beta(p):
        return Article.objects.filter(slug="beta", pk__gt=p.floor).values_list("headline")

    assert compiled.rows(alpha, floor=0) == [("Alpha",)]
    assert compiled.rows(beta, floor=0) == [("Beta",)]  # not alpha's compiled query again


def test_what_a_builder_captures_is_part_of_its_query():
    make_article("Alpha", slug="alpha")
    make_article("Beta", slug="beta")
    # One function (one code object), two captured slugs: two compiled queries.
    builders = {
        slug: lambda p, slug=slug: Article.objects.filter(slug=slug, pk__gt=p.floor).values_list(
            "headline", flat=True
        )
        for slug in ("alpha", "beta")
    }

    assert compiled.rows(builders["alpha"], floor=0) == ["Alpha"]
    assert compiled.rows(builders["beta"], floor=0) == ["Beta"]


def test_a_builder_may_not_capture_what_it_would_read_only_once():
    wanted = ["alpha"]  # a list: it could change after the query is compiled
    with pytest.raises(compiled.CompileError, match="captures 'wanted', a list"):
        compiled.rows(
            lambda p: Article.objects.filter(slug__in=wanted, pk__gt=p.floor).values_list("pk"),
            floor=0,
        )


def test_a_builder_that_reads_the_clock_itself_is_refused():
    """published() without at= would keep the moment of compiling: a story published after
    it would never appear until the process restarts."""
    with pytest.raises(compiled.CompileError, match="moment in the SQL"):
        compiled.rows(
            lambda p: Article.objects.published().filter(pk__gt=p.floor).values_list("pk"),
            floor=0,
        )
    with pytest.raises(compiled.CompileError, match="moment in the SQL"):
        compiled.rows(
            lambda p: Article.objects.filter(
                created_at__date__lte=timezone.localdate(), pk__gt=p.floor
            ).values_list("pk"),
            floor=0,
        )


def test_a_moment_given_as_a_value_follows_the_clock():
    story = make_article("Later", published_at=timezone.now() + datetime.timedelta(hours=1))

    def visible(now):
        return compiled.rows(
            lambda p: Article.objects.published(at=p.now).values_list("pk", flat=True), now=now
        )

    assert story.pk not in visible(timezone.now())
    assert story.pk in visible(timezone.now() + datetime.timedelta(hours=2))


class ReadFromTheReplica:
    """A read replica's router: every read goes to "replica", writes to "default"."""

    def db_for_read(self, model, **hints):
        return "replica"


@pytest.fixture
def replica():
    """A second connection to the test database under its own alias, as a read replica
    would be (made here rather than in DATABASES, so no other test sees it)."""
    default = connections["default"]
    replica = type(default)({**default.settings_dict}, alias="replica")
    connections["replica"] = replica
    try:
        yield replica
    finally:
        replica.close()
        del connections["replica"]


@pytest.mark.django_db(transaction=True)  # committed, so the other connection sees it
def test_compiled_reads_go_where_the_database_routers_send_them(replica, settings, client):
    # Its own section: an earlier transactional test may have flushed the migrations' ones.
    desk = Section.objects.create(name="Replicated desk", slug="replicated-desk")
    story = make_article("Routed", slug="routed", primary_section=desk)
    settings.DATABASE_ROUTERS = [f"{__name__}.ReadFromTheReplica"]

    with (
        CaptureQueriesContext(replica) as on_replica,
        CaptureQueriesContext(connection) as on_default,
    ):
        found = compiled.first(
            Article, lambda p: Article.objects.filter(slug=p.slug), slug="routed"
        )
        page = client.get(story.primary_section.get_absolute_url())

    assert (found.pk, found._state.db) == (story.pk, "replica")
    assert page.status_code == 200 and b"Routed" in page.content
    assert on_replica.captured_queries and "articles_article" in on_replica[0]["sql"]
    assert not [q for q in on_default.captured_queries if "articles_article" in q["sql"]]
