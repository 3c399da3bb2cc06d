"""newsroom/compiled.py: a query compiled once answers correctly for every later value."""

import datetime
import decimal
import uuid

import pytest
from django.db import connection, connections, models
from django.test.utils import CaptureQueriesContext, isolate_apps
from django.utils import timezone
from taggit.models import Tag

from articles import detail
from articles.models import Agency, Article, Correction, Photo, Section, Status
from authors.models import Author
from newsroom import compiled
from tests.factories import make_agency, make_article, make_author, make_photo, section

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


# The models whose objects the article page is made of, each read by a compiled query.
PAGE_MODELS = [Article, Section, Photo, Agency, Author, Tag, Correction]


def _page_objects(article) -> dict:
    """Every object of the article page (articles/detail.py), by model."""
    photo = article.lead_photo
    return {
        Article: [article],
        Section: [article.primary_section, *article.sections.all()],
        Photo: [photo],
        Agency: [photo.agency, *article.agencies.all()],
        Author: article.byline_authors,
        Tag: list(article.tags.all()),
        Correction: list(article.corrections.all()),
    }


def _full_story(editor):
    story = make_article(
        "Bridge reopens",
        authors=[make_author("Ada Writer"), make_author("Bo Writer")],
        tags=["bridges", "roads"],
        agencies=[make_agency("Wire One")],
        lead_photo=make_photo(agency=make_agency("Pictures")),
        primary_section=section("world"),
        sections=[section("politics")],
    )
    Correction.objects.create(article=story, text="A name was misspelt.", created_by=editor)
    return story


@pytest.mark.parametrize("model", PAGE_MODELS, ids=lambda model: model.__name__)
def test_the_article_page_makes_its_objects_through_from_db(editor, monkeypatch, model):
    # A model may override from_db (to remember the loaded values, say): the compiled
    # reads must honour it as a queryset does.
    story = _full_story(editor)
    original = model.from_db.__func__

    def from_db(cls, db, field_names, values):
        made = original(cls, db, field_names, values)
        made.made_by_from_db = True
        return made

    monkeypatch.setattr(model, "from_db", classmethod(from_db))
    article = detail.published_article(story.slug, now=timezone.now())
    objects = _page_objects(article)[model]
    assert objects
    assert all(getattr(made, "made_by_from_db", False) for made in objects), model


def test_every_column_of_the_related_models_reaches_the_article_page(editor):
    # A field added to Author, Section, Agency, Tag or Correction later is on the article's
    # related objects without a query per object, with the value the database holds (the
    # primary section and the photo's agency are a card's, with a card's columns).
    story = _full_story(editor)
    article = detail.published_article(story.slug, now=timezone.now())
    with CaptureQueriesContext(connection) as queries:
        related = {
            Author: article.byline_authors,
            Section: list(article.sections.all()),
            Agency: list(article.agencies.all()),
            Tag: list(article.tags.all()),
            Correction: list(article.corrections.all()),
        }
    assert len(queries) == 0
    for model, objects in related.items():
        assert objects, model
        for made in objects:
            assert made.get_deferred_fields() == set(), model
            saved = model.objects.get(pk=made.pk)
            for field in model._meta.concrete_fields:
                assert getattr(made, field.attname) == getattr(saved, field.attname), field


# Every concrete field type Django offers, with a value for it (relations excepted: the
# article page reads a related model's foreign keys as the integers they are).
EVERY_KIND_OF_FIELD = {
    models.BigIntegerField: 2**40,
    models.BinaryField: b"\x00bytes",
    models.BooleanField: True,
    models.CharField: "words",
    models.DateField: datetime.date(2024, 2, 29),
    models.DateTimeField: datetime.datetime(2024, 2, 29, 12, 30, tzinfo=datetime.UTC),
    models.DecimalField: decimal.Decimal("12.34"),
    models.DurationField: datetime.timedelta(hours=1, seconds=5),
    models.EmailField: "desk@example.com",
    models.FileField: "files/a.pdf",
    models.FilePathField: "/srv/a.txt",
    models.FloatField: 1.5,
    models.GenericIPAddressField: "192.0.2.1",
    models.ImageField: "photos/a.jpg",
    models.IntegerField: -7,
    models.JSONField: {"list": [1, "two", None], "ok": True},
    models.PositiveBigIntegerField: 2**41,
    models.PositiveIntegerField: 7,
    models.PositiveSmallIntegerField: 3,
    models.SlugField: "a-slug",
    models.SmallIntegerField: -3,
    models.TextField: "long words",
    models.TimeField: datetime.time(23, 59, 1),
    models.URLField: "https://example.com/",
    models.UUIDField: uuid.UUID("12345678-1234-5678-1234-567812345678"),
}
NOT_A_COLUMN_OF_ITS_OWN = {
    models.Field, models.AutoField, models.BigAutoField, models.SmallAutoField,
    models.ForeignKey, models.OneToOneField, models.ManyToManyField, models.ForeignObject,
    models.GeneratedField, models.CompositePrimaryKey,
    models.CommaSeparatedIntegerField, models.IPAddressField, models.NullBooleanField,
    models.OrderWrt,  # the integer column of Meta.order_with_respect_to
}  # fmt: skip


def test_the_list_of_field_kinds_is_every_kind_django_offers():
    offered = {
        value
        for value in vars(models).values()
        if isinstance(value, type) and issubclass(value, models.Field)
    }
    assert offered - NOT_A_COLUMN_OF_ITS_OWN == set(EVERY_KIND_OF_FIELD)


@pytest.mark.django_db(transaction=True)  # SQLite makes tables outside a transaction only
def test_the_article_page_loader_reads_every_kind_of_field():
    extra = {
        models.CharField: {"max_length": 20},
        models.DecimalField: {"max_digits": 6, "decimal_places": 2},
        models.FilePathField: {"path": "/srv"},
    }
    with isolate_apps("articles"):
        attrs = {
            "__module__": __name__,
            "Meta": type("Meta", (), {"app_label": "articles"}),
            **{
                f"f_{kind.__name__.lower()}": kind(**extra.get(kind, {}))
                for kind in EVERY_KIND_OF_FIELD
            },
        }
        everything = type("Everything", (models.Model,), attrs)
        with connection.schema_editor() as editor:
            editor.create_model(everything)
        try:
            values = {
                f"f_{kind.__name__.lower()}": value for kind, value in EVERY_KIND_OF_FIELD.items()
            }
            everything.objects.create(**values)
            saved = everything.objects.create(**values)

            read = detail.read(
                everything,
                lambda p: everything.objects.filter(id=p.id).values_list(
                    *detail.columns(everything)
                ),
                saved.pk,
            )
        finally:
            with connection.schema_editor() as editor:
                editor.delete_model(everything)
    assert [made.pk for made in read] == [saved.pk]
    for name, value in values.items():
        assert getattr(read[0], name) == value, name


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


@pytest.mark.parametrize(
    "field, values",
    [
        ("position", (2, 5)),  # Section.position: a PositiveSmallIntegerField
        ("pk", (0, 0)),  # a BigAutoField, replaced below by the real ids
    ],
)
def test_values_compared_with_any_integer_field_reach_the_sql(field, values):
    """On PostgreSQL, Django hands an integer to psycopg wrapped in the column's own size
    (Int2, Int4, Int8), and refuses a value outside a small or positive column's range: a
    compiled query must find and fill such values as well."""
    first = Section.objects.create(name="First", slug="first", position=2)
    second = Section.objects.create(name="Second", slug="second", position=5)
    if field == "pk":
        values = (first.pk, second.pk)

    def names(value):
        return compiled.rows(
            lambda p: Section.objects.filter(**{field: p.value}).values_list("name", flat=True),
            value=value,
        )

    assert names(values[0]) == ["First"]
    assert names(values[1]) == ["Second"]
