"""The published article a reader asked for, with everything its page renders.

Seven queries at most, each compiled once per process (newsroom/compiled.py): the story
with its section and photo, its bylines, sections, agencies, tags and corrections. The
relations are handed to the article the way Django's prefetch_related would, so
`article.tags.all()` and friends read them without another query; previews and the admin
keep using Article.objects.for_detail().
"""

import datetime

from taggit.models import Tag

from articles import cards
from articles.models import Agency, Article, Correction, Section, TaggedArticle
from authors.models import Author
from newsroom import compiled

# Every column but the search vector, which only search reads.
DETAIL_COLUMNS = tuple(
    field.attname
    for field in Article._meta.concrete_fields
    if field.attname not in {*cards.ARTICLE_COLUMNS, "search_vector"}
)
BIO_COLUMNS = tuple(field.attname for field in Author._meta.concrete_fields)


def published_article(slug: str, *, now: datetime.datetime) -> Article | None:
    found = cards.load(
        ("article",),
        lambda p: Article.objects.published(at=p.now).filter(slug=p.slug),
        stop=1,
        extra=DETAIL_COLUMNS,
        authors=BIO_COLUMNS,
        now=now,
        slug=slug,
    )
    if not found:
        return None
    article = found[0]
    _attach_relations(article)
    return article


def _attach_relations(article: Article) -> None:
    through = Article.sections.through
    related = {
        "sections": _objects(
            Section,
            lambda p, names: (
                through.objects.filter(article_id=p.id)
                .order_by("section__position", "section__name")
                .values_list(*(f"section__{name}" for name in names))
            ),
            article.pk,
        ),
        "agencies": _objects(
            Agency,
            lambda p, names: (
                Agency.objects.filter(contributed_articles=p.id)
                .order_by("name")
                .values_list(*names)
            ),
            article.pk,
        ),
        "tags": _objects(
            Tag,
            lambda p, names: (
                TaggedArticle.objects.filter(content_object_id=p.id)
                .order_by("tag__name")
                .values_list(*(f"tag__{name}" for name in names))
            ),
            article.pk,
        ),
        "corrections": _objects(
            Correction,
            lambda p, names: (
                Correction.objects.filter(article_id=p.id)
                .order_by("created_at", "id")
                .values_list(*names)
            ),
            article.pk,
        ),
    }
    cache = article.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, objects in related.items():
        # What prefetch_related leaves behind: a manager's queryset with its rows in it.
        # The manager's own queryset, so that article.tags.filter(…) still filters them.
        queryset = getattr(article, name).get_queryset()
        queryset._result_cache = objects
        queryset._prefetch_done = True
        cache[name] = queryset


def _objects(model, build, article_id: int) -> list:
    names = [field.attname for field in model._meta.concrete_fields]
    rows = compiled.rows(
        ("article-relation", model._meta.label),
        lambda p: build(p, names),
        id=article_id,
    )
    return [model.from_db("default", names, row) for row in rows]
