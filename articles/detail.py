"""The published article a reader asked for, with everything its page renders.

Seven or eight queries, each compiled once per process (newsroom/compiled.py): the story
with its section and photo; one per kind of related object (RELATIONS: bylines, sections,
agencies, tags, corrections), every column of the related model in the model's field
order, so a field added to one of those models reaches the page by itself; then the
related stories (articles/related.py, one or two). Rows become objects
through Model.from_db, as a queryset makes them. The relations are handed to the article
the way Django's prefetch_related leaves them, so `article.tags.all()` and friends read
them without another query; previews and the admin keep using Article.objects.for_detail().
"""

import datetime

from taggit.models import Tag

from articles import cards, keys
from articles.models import Agency, Article, Byline, Correction, Section, TaggedArticle
from authors.models import Author
from newsroom import compiled

# Every column but the search vector, which only search reads.
DETAIL_COLUMNS = tuple(
    field.attname
    for field in Article._meta.concrete_fields
    if field.attname not in {*cards.ARTICLE_COLUMNS, "search_vector"}
)


def columns(model, via: str = "") -> tuple[str, ...]:
    """Every column of `model`, in its field order (what Model.from_db takes), reached
    from the rows a relation's query starts from through `via`."""
    return tuple(f"{via}{field.attname}" for field in model._meta.concrete_fields)


# Each kind of related object: its model, and the question that reads one article's
# objects of that kind in page order (p.id: the article), selecting columns(model, via).
RELATIONS = {
    "authors": (
        Author,
        lambda p: (
            Byline.objects.filter(article_id=p.id)
            .order_by("position", "id")
            .values_list(*columns(Author, "author__"))
        ),
    ),
    "sections": (
        Section,
        lambda p: (
            Section.objects.filter(articles=p.id)
            .order_by("position", "name")
            .values_list(*columns(Section))
        ),
    ),
    "agencies": (
        Agency,
        lambda p: (
            Agency.objects.filter(contributed_articles=p.id)
            .order_by("name")
            .values_list(*columns(Agency))
        ),
    ),
    "tags": (
        Tag,
        lambda p: (
            TaggedArticle.objects.filter(content_object_id=p.id)
            .order_by("tag__name")
            .values_list(*columns(Tag, "tag__"))
        ),
    ),
    "corrections": (
        Correction,
        lambda p: (
            Correction.objects.filter(article_id=p.id)
            .order_by("created_at", "id")
            .values_list(*columns(Correction))
        ),
    ),
}


def published_article(slug: str, *, now: datetime.datetime) -> Article | None:
    """The published story at this slug, with its relations (the readers' page)."""
    found = cards.load(
        lambda p: Article.objects.published(at=p.now).filter(slug=p.slug),
        stop=1,
        extra=DETAIL_COLUMNS,
        authors=None,
        now=now,
        slug=slug,
    )
    return with_relations(found[0]) if found else None


def published_article_by_pk(pk: int, *, now: datetime.datetime) -> Article | None:
    """The published story with this id, with its relations (the API, whose addresses
    keep working when a slug changes)."""
    found = cards.load(
        lambda p: Article.objects.published(at=p.now).filter(pk=p.pk),
        stop=1,
        extra=DETAIL_COLUMNS,
        authors=None,
        now=now,
        pk=pk,
    )
    return with_relations(found[0]) if found else None


def with_relations(article: Article) -> Article:
    """The article with one query per kind of RELATIONS attached."""
    hand_over(article, {name: related_objects(name, article.pk) for name in RELATIONS})
    return article


def hand_over(article: Article, related: dict[str, list]) -> None:
    """Give the article its related objects (a list per name of RELATIONS) the way
    prefetch_related leaves them, so `article.tags.all()` and friends read no more."""
    related = dict(related)
    article.loaded_authors = related.pop("authors")
    keys.show_authors(article.loaded_authors)
    keys.show(
        *(keys.section(s.pk) for s in related["sections"]),
        *(keys.agency(a.pk) for a in related["agencies"]),
        *(keys.tag(t.pk) for t in related["tags"]),
    )
    cache = article.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, objects in related.items():
        # What prefetch_related leaves behind: the manager's own queryset (so that
        # article.tags.filter(…) still filters) holding the rows already read.
        queryset = getattr(article, name).get_queryset()
        queryset._result_cache = objects
        queryset._prefetch_done = True
        cache[name] = queryset


def related_objects(name: str, article_id: int) -> list:
    """The article's objects of one kind of RELATIONS, in page order: one query."""
    return read(*RELATIONS[name], article_id)


def read(model, build, article_id: int) -> list:
    """The objects of `model` that build(p) selects for the article (columns(model))."""
    names = columns(model)
    rows = compiled.rows(build, id=article_id)
    return [model.from_db(rows.db, names, row) for row in rows]
