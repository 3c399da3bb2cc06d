"""The published article a reader asked for, with everything its page renders.

Three queries, each compiled once per process (newsroom/compiled.py): the story with its
section and photo; then its bylines, sections, agencies, tags and corrections together
(one UNION ALL, see RELATIONS); then the related stories (articles/related.py). The
relations are handed to the article the way Django's prefetch_related would, so
`article.tags.all()` and friends read them without another query; previews and the admin
keep using Article.objects.for_detail().
"""

import datetime
from collections import Counter
from collections.abc import Callable

from django.db.models import (
    BooleanField,
    CharField,
    DateTimeField,
    F,
    FileField,
    IntegerField,
    QuerySet,
    TextField,
    Value,
    Window,
)
from django.db.models.functions import Cast, RowNumber
from taggit.models import Tag

from articles import cards
from articles.models import Agency, Article, Byline, Correction, Section, TaggedArticle
from authors.models import Author
from newsroom import compiled

# Every column but the search vector, which only search reads.
DETAIL_COLUMNS = tuple(
    field.attname
    for field in Article._meta.concrete_fields
    if field.attname not in {*cards.ARTICLE_COLUMNS, "search_vector"}
)


class Relation:
    """One kind of related object: the rows linking it to the article (`rows(article_id)`),
    their order on the page, and the path from those rows to the related model (`via`).

    Every column of the model travels in the union: in the next free slot of its type
    (integers, text, moments, flags), the other slots of the row left empty, so that every
    kind's rows have the same shape."""

    def __init__(self, model, rows: Callable, order: tuple[str, ...], via: str = ""):
        self.model, self.rows, self.order = model, rows, order
        self.columns = {}  # model attname → (slot, path from the linking rows)
        used: Counter = Counter()
        for field in model._meta.concrete_fields:
            kind = _slot_kind(field)
            self.columns[field.attname] = ((kind, used[kind]), f"{via}{field.attname}")
            used[kind] += 1

    def branch(self, kind: str, article_id) -> QuerySet:
        filled = dict(self.columns.values())
        values = {
            "r_kind": Value(kind, output_field=CharField()),
            # Its place among its kind: the union as a whole has no order of its own.
            "r_place": Window(RowNumber(), order_by=[F(path).asc() for path in self.order]),
            **{
                # A typed NULL: PostgreSQL reads an untyped one as text.
                f"r_{of.__name__}_{n}": F(filled[(of, n)])
                if (of, n) in filled
                else Cast(Value(None), of())
                for of, n in SLOTS
            },
        }
        return self.rows(article_id).order_by().annotate(**values).values_list(*values)

    def make(self, slots: dict, db: str):
        names = list(self.columns)
        values = [slots[s] for s, _ in self.columns.values()]
        return compiled.instance(self.model, names, values, db)


def _slot_kind(field) -> type:
    """The type of union column a model field's values travel in."""
    if field.is_relation or isinstance(field, IntegerField):
        return IntegerField
    for kind in (DateTimeField, BooleanField):
        if isinstance(field, kind):
            return kind
    if isinstance(field, CharField | TextField | FileField):
        return TextField
    raise TypeError(f"{field} has no kind of slot in the article's relations query.")


RELATIONS = {
    "byline": Relation(
        Author,
        lambda article_id: Byline.objects.filter(article_id=article_id),
        ("position", "id"),
        via="author__",
    ),
    "section": Relation(
        Section,
        lambda article_id: Article.sections.through.objects.filter(article_id=article_id),
        ("section__position", "section__name"),
        via="section__",
    ),
    "agency": Relation(
        Agency,
        lambda article_id: Agency.objects.filter(contributed_articles=article_id),
        ("name",),
    ),
    "tag": Relation(
        Tag,
        lambda article_id: TaggedArticle.objects.filter(content_object_id=article_id),
        ("tag__name",),
        via="tag__",
    ),
    "correction": Relation(
        Correction,
        lambda article_id: Correction.objects.filter(article_id=article_id),
        ("created_at", "id"),
    ),
}
# The union's columns after kind and place: every slot some kind uses, in a fixed order.
SLOTS = sorted(
    {slot for relation in RELATIONS.values() for slot, _ in relation.columns.values()},
    key=lambda slot: (slot[0].__name__, slot[1]),
)
# The manager each kind is read through on the page (article.sections.all(), …).
PREFETCHED_AS = {"section": "sections", "agency": "agencies", "tag": "tags",
                 "correction": "corrections"}  # fmt: skip


def published_article(slug: str, *, now: datetime.datetime) -> Article | None:
    found = cards.load(
        lambda p: Article.objects.published(at=p.now).filter(slug=p.slug),
        stop=1,
        extra=DETAIL_COLUMNS,
        authors=None,
        now=now,
        slug=slug,
    )
    if not found:
        return None
    article = found[0]
    _attach_relations(article)
    return article


def _relations(p) -> QuerySet:
    first, *others = (relation.branch(kind, p.id) for kind, relation in RELATIONS.items())
    return first.union(*others, all=True)


def _attach_relations(article: Article) -> None:
    found: dict[str, list] = {kind: [] for kind in RELATIONS}
    rows = compiled.rows(_relations, id=article.pk)
    for kind, _place, *slots in sorted(rows, key=lambda row: (row[0], row[1])):
        found[kind].append(RELATIONS[kind].make(dict(zip(SLOTS, slots, strict=True)), rows.db))
    article.loaded_authors = found["byline"]
    cache = article.__dict__.setdefault("_prefetched_objects_cache", {})
    for kind, name in PREFETCHED_AS.items():
        # What prefetch_related leaves behind: a manager's queryset with its rows in it.
        # The manager's own queryset, so that article.tags.filter(…) still filters them.
        queryset = getattr(article, name).get_queryset()
        queryset._result_cache = found[kind]
        queryset._prefetch_done = True
        cache[name] = queryset
