"""newsroom/compiled.py: a query compiled once answers correctly for every later value."""

import datetime

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article, Status
from newsroom import compiled
from tests.factories import make_article, section

pytestmark = pytest.mark.django_db


def headlines(now, section_id):
    return compiled.rows(
        ("test-headlines",),
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
                ("test-ids",),
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
            ("test-unused",),
            lambda p: Article.objects.filter(pk__gt=0).values_list("pk", flat=True),
            section=3,
        )


def test_only_values_querysets_are_compiled():
    with pytest.raises(compiled.CompileError, match="values_list"):
        compiled.rows(("test-models",), lambda p: Article.objects.filter(pk=p.pk), pk=1)


def test_first_gives_a_whole_object_or_none():
    story = make_article("Whole object", standfirst="All of it.")
    found = compiled.first(
        ("test-first",), Article, lambda p: Article.objects.filter(slug=p.slug), slug=story.slug
    )
    assert (found.pk, found.headline, found.standfirst, found.body) == (
        story.pk,
        "Whole object",
        "All of it.",
        story.body,
    )
    assert (
        compiled.first(
            ("test-first",), Article, lambda p: Article.objects.filter(slug=p.slug), slug="none"
        )
        is None
    )


def test_compiled_queries_kept_per_connection_are_bounded(settings):
    make_article("Bounded")
    for offset in range(compiled.MAX_SHAPES + 5):
        compiled.rows(
            ("test-offsets", offset),
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

    made = compiled.instance(Article, names, values)
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
        compiled.instance(Article, ["id", "headline"], (1, "Listened to"))
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
