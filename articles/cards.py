"""Story cards for the readers' lists, read as plain rows.

A page of twenty cards used to cost more in Django than in PostgreSQL: building and
compiling the query, then making four model objects per row through select_related and
a prefetch for the bylines. Here the question is compiled once per process
(newsroom/compiled.py) and each row becomes model objects through Model.from_db, as a
queryset makes them, with only the columns a card shows
(templates/jinja2/articles/_card.html). Which stories a list holds is still decided by
the ORM: `build` starts from Article.objects.published().
"""

from collections.abc import Callable
from itertools import accumulate
from types import SimpleNamespace

from django.db.models import QuerySet

from articles import keys
from articles.models import Agency, Article, Byline, Photo, Section, TaggedArticle
from authors.models import Author
from newsroom import compiled


def _in_field_order(model, names: tuple[str, ...]) -> tuple[str, ...]:
    # Model.from_db() takes a subset of columns in the model's own field order.
    order = [field.attname for field in model._meta.concrete_fields]
    return tuple(sorted(names, key=order.index))


ARTICLE_COLUMNS = ("id", "headline", "slug", "standfirst", "status", "published_at",
                   "updated_at", "primary_section_id", "lead_photo_id")  # fmt: skip
SECTION_COLUMNS = _in_field_order(Section, ("id", "name", "slug", "position"))
# The photo's small columns: what a card draws, and what the article page and its
# structured data add (caption, rights, licence, focal point).
PHOTO_COLUMNS = _in_field_order(
    Photo, ("id", "image", "alt_text", "caption", "credit", "agency_id", "rights", "licence",
            "usable_until", "width", "height", "focal_x", "focal_y", "renditions"),
)  # fmt: skip
AGENCY_COLUMNS = _in_field_order(Agency, ("id", "name", "photo_credit", "website"))
AUTHOR_COLUMNS = _in_field_order(Author, ("id", "name", "slug"))
_RELATED = (
    *(f"primary_section__{name}" for name in SECTION_COLUMNS),
    *(f"lead_photo__{name}" for name in PHOTO_COLUMNS),
    *(f"lead_photo__agency__{name}" for name in AGENCY_COLUMNS),
)


def load(
    build: Callable[[SimpleNamespace], QuerySet],
    *,
    start: int = 0,
    stop: int | None,
    extra: tuple[str, ...] = (),
    authors: tuple[str, ...] | None = AUTHOR_COLUMNS,
    **values,
) -> list[Article]:
    """The cards of build(values)[start:stop], bylines attached: two queries.
    `extra` names more Article columns to read (a feed wants the body); `authors` the
    author columns to read for the bylines (None: no bylines, one query)."""
    article_columns = _in_field_order(Article, (*ARTICLE_COLUMNS, *extra))
    select = (*article_columns, *_RELATED)
    rows = compiled.rows(
        lambda p: build(p).values_list(*select)[start:stop],
        **values,
    )
    # Where each model's columns end in a row.
    a_end, s_end, p_end, g_end = accumulate(
        (len(article_columns), len(SECTION_COLUMNS), len(PHOTO_COLUMNS), len(AGENCY_COLUMNS))
    )
    sections: dict[int, Section] = {}
    agencies: dict[int, Agency] = {}
    articles = []
    for row in rows:
        article = Article.from_db(rows.db, article_columns, row[:a_end])
        if row[a_end] is not None:
            section = _shared(sections, Section, SECTION_COLUMNS, row[a_end:s_end], rows.db)
            article._state.fields_cache["primary_section"] = section
        if row[s_end] is not None:
            photo = Photo.from_db(rows.db, PHOTO_COLUMNS, row[s_end:p_end])
            if row[p_end] is not None:
                agency = _shared(agencies, Agency, AGENCY_COLUMNS, row[p_end:g_end], rows.db)
                photo._state.fields_cache["agency"] = agency
            article._state.fields_cache["lead_photo"] = photo
        articles.append(article)
    if authors is not None:
        attach_bylines(articles, authors)
    keys.show_cards(articles)
    return articles


def _shared(made: dict, model, columns: tuple[str, ...], values: tuple, db: str):
    """One object per id for the whole page (twenty cards share four sections)."""
    found = made.get(values[0])
    if found is None:
        found = made[values[0]] = model.from_db(db, columns, values)
    return found


def attach_bylines(articles: list[Article], columns: tuple[str, ...] = AUTHOR_COLUMNS) -> None:
    """Each article's authors in byline order (`byline_authors`), one query for all."""
    if not articles:
        return
    by_article: dict[int, list[Author]] = {article.pk: [] for article in articles}
    columns = _in_field_order(Author, columns)
    rows = compiled.rows(
        lambda p: (
            Byline.objects.filter(article_id__in=p.ids)
            .order_by("position", "id")
            .values_list("article_id", *(f"author__{name}" for name in columns))
        ),
        ids=list(by_article),
    )
    authors: dict[int, Author] = {}
    for article_id, *author_row in rows:
        by_article[article_id].append(_shared(authors, Author, columns, tuple(author_row), rows.db))
    for article in articles:
        article.loaded_authors = by_article[article.pk]


def attach_categories(articles: list[Article]) -> None:
    """`category_names` for feeds: the primary section, the other sections in the paper's
    order, then the tags by name. Two queries for all the articles."""
    if not articles:
        return
    ids = [article.pk for article in articles]
    sections: dict[int, list] = {pk: [] for pk in ids}
    tags: dict[int, list] = {pk: [] for pk in ids}
    through = Article.sections.through
    for article_id, section_id, name in compiled.rows(
        lambda p: (
            through.objects.filter(article_id__in=p.ids)
            .order_by("section__position", "section__name")
            .values_list("article_id", "section_id", "section__name")
        ),
        ids=ids,
    ):
        sections[article_id].append((section_id, name))
    for article_id, tag_id, name in compiled.rows(
        lambda p: (
            TaggedArticle.objects.filter(content_object_id__in=p.ids)
            .order_by("tag__name")
            .values_list("content_object_id", "tag_id", "tag__name")
        ),
        ids=ids,
    ):
        tags[article_id].append(name)
        keys.show(keys.tag(tag_id))
    keys.show(*(keys.section(pk) for named in sections.values() for pk, _name in named))
    for article in articles:
        primary = [article.primary_section.name] if article.primary_section_id else []
        others = [name for pk, name in sections[article.pk] if pk != article.primary_section_id]
        article.category_names = primary + others + tags[article.pk]
