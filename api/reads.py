"""What the API reads, through the readers' own reads: every list starts from
Article.objects.published() (or listing.public_tags/public_authors/public_corrections),
subjects are found by listing.subject_or_404/visible_tag_or_404, story cards come from
articles/cards.py and whole stories from articles/detail.py. Nothing here decides what a
reader may see.

Lists are cut by cursor (api/cursor.py): "the items after the last one you saw", through
the same indexes the pages use, so a page costs the same at any depth.
"""

import datetime
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from taggit.models import Tag

from api import cursor
from articles import cards, detail, keys, listing
from articles.models import Agency, Article, Byline, Correction, Section, TaggedArticle
from authors.models import Author
from newsroom import compiled


@dataclass(frozen=True)
class Slice:
    items: list
    next_cursor: str | None


@dataclass(frozen=True)
class StoryFilters:
    section: str | None = None
    tag: str | None = None
    author: str | None = None
    published_since: datetime.datetime | None = None
    updated_since: datetime.datetime | None = None
    after: str | None = None  # a cursor


def _stories(names: tuple[str, ...]):
    """The builder of a list of published stories with these filters (a compiled query
    per combination: `names` is part of what the builder captured)."""

    def build(p):
        stories = Article.objects.published(at=p.now)
        if "tag" in names:
            stories = stories.tagged(p.tag, at=p.now)
        if "section" in names:
            stories = stories.filter(listing.in_section(p.section))
        if "author" in names:
            stories = stories.filter(listing.by_author(p.author))
        if "published_since" in names:
            stories = stories.filter(published_at__gte=p.published_since)
        if "updated_since" in names:
            stories = stories.filter(updated_at__gte=p.updated_since)
        if "after" in names:
            stories = stories.filter(
                Q(published_at__lt=p.after_at) | Q(published_at=p.after_at, pk__lt=p.after_id)
            )
        return stories.newest_first()

    return build


def _story_values(filters: StoryFilters, now: datetime.datetime) -> dict:
    """The compiled query's values; finding a subject that readers cannot see is a 404.
    Names the list's surrogate keys (articles/keys.py) as the pages' lists do: the newest
    stories are the main feed's, a filter's are its section's, tag's or author's."""
    values: dict = {"now": now}
    if filters.tag is not None:
        values["tag"] = listing.visible_tag_or_404(filters.tag).pk
        keys.show(keys.tag_list(values["tag"]), keys.tag(values["tag"]))
    if filters.section is not None:
        values["section"] = listing.subject_or_404(Section, filters.section).pk
        keys.show(keys.section_list(values["section"]), keys.section(values["section"]))
    if filters.author is not None:
        values["author"] = listing.subject_or_404(Author, filters.author).pk
        keys.show(keys.author_list(values["author"]), keys.author(values["author"]))
    if filters.tag is None and filters.section is None and filters.author is None:
        keys.show(keys.FEED)
    if filters.published_since is not None:
        values["published_since"] = filters.published_since
    if filters.updated_since is not None:
        values["updated_since"] = filters.updated_since
    if filters.after is not None:
        values["after_at"], values["after_id"] = cursor.moment_and_id(filters.after)
    return values


def stories(
    filters: StoryFilters,
    *,
    limit: int,
    extra: tuple[str, ...] = (),
    authors: tuple[str, ...] | None = cards.AUTHOR_COLUMNS,
) -> Slice:
    """A page of story cards, newest first: two queries (one without `authors`), plus
    one per subject filter. `extra`: more Article columns to read."""
    values = _story_values(filters, timezone.now())
    names = tuple(name for name in values if name not in ("now", "after_at", "after_id"))
    if filters.after is not None:
        names += ("after",)
    rows = cards.load(_stories(names), stop=limit + 1, extra=extra, authors=authors, **values)
    return _slice(rows, limit, lambda story: cursor.encode(story.published_at, story.pk))


def _slice(rows: list, limit: int, key) -> Slice:
    items = rows[:limit]
    more = len(rows) > limit
    return Slice(items, key(items[-1]) if more and items else None)


def story(pk: int) -> Article | None:
    return detail.published_article_by_pk(pk, now=timezone.now())


# --- whole stories for a feed: each kind of related object one query for the page -------

_IN = {
    "sections": (
        Section,
        lambda p: (
            Article.sections.through.objects.filter(article_id__in=p.ids)
            .order_by("section__position", "section__name")
            .values_list("article_id", *detail.columns(Section, "section__"))
        ),
    ),
    "agencies": (
        Agency,
        lambda p: (
            Article.agencies.through.objects.filter(article_id__in=p.ids)
            .order_by("agency__name")
            .values_list("article_id", *detail.columns(Agency, "agency__"))
        ),
    ),
    "tags": (
        Tag,
        lambda p: (
            TaggedArticle.objects.filter(content_object_id__in=p.ids)
            .order_by("tag__name")
            .values_list("content_object_id", *detail.columns(Tag, "tag__"))
        ),
    ),
    "corrections": (
        Correction,
        lambda p: (
            Correction.objects.filter(article_id__in=p.ids)
            .order_by("created_at", "id")
            .values_list("article_id", *detail.columns(Correction))
        ),
    ),
    "authors": (
        Author,
        lambda p: (
            Byline.objects.filter(article_id__in=p.ids)
            .order_by("position", "id")
            .values_list("article_id", *detail.columns(Author, "author__"))
        ),
    ),
}


def whole_stories(filters: StoryFilters, *, limit: int) -> Slice:
    """Stories with everything their page shows (for ninjs): the cards' query with every
    column, then one query per kind of related object for the whole page."""
    found = stories(filters, limit=limit, extra=detail.DETAIL_COLUMNS, authors=None)
    articles = found.items
    if articles:
        ids = [article.pk for article in articles]
        related = {article.pk: {name: [] for name in _IN} for article in articles}
        for name, (model, build) in _IN.items():
            names = detail.columns(model)
            rows = compiled.rows(build, ids=ids)
            for article_id, *values in rows:
                related[article_id][name].append(model.from_db(rows.db, names, values))
        for article in articles:
            detail.hand_over(article, related[article.pk])
    return found


# --- sections, tags, authors, corrections ---------------------------------------------


def sections() -> list[Section]:
    found = list(Section.objects.order_by("position", "name"))
    keys.show(*(keys.section(section.pk) for section in found))
    return found


def _after_slug(queryset, after: str | None, limit: int) -> Slice:
    if after is not None:
        queryset = queryset.filter(slug__gt=cursor.slug(after))
    rows = list(queryset.order_by("slug")[: limit + 1])
    return _slice(rows, limit, lambda item: cursor.encode(item.slug))


# Which tags and authors exist for readers changes when a story joins or leaves their
# lists, as the sitemaps' does: the lists carry the sitemaps' key.


def tags(*, after: str | None, limit: int) -> Slice:
    found = _after_slug(listing.public_tags(), after, limit)
    keys.show(keys.SITEMAP, *(keys.tag(tag.pk) for tag in found.items))
    return found


def tag(slug: str) -> Tag:
    found = listing.visible_tag_or_404(slug)
    keys.show(keys.tag(found.pk), keys.tag_list(found.pk))
    return found


def authors(*, after: str | None, limit: int) -> Slice:
    found = _after_slug(listing.public_authors(), after, limit)
    keys.show(keys.SITEMAP, *(keys.author(person.pk) for person in found.items))
    return found


def author(slug: str) -> Author | None:
    found = listing.public_authors().filter(slug=slug).first()
    if found is not None:
        keys.show(keys.author(found.pk), keys.author_list(found.pk))
    return found


def corrections(*, after: str | None, limit: int) -> Slice:
    notes = listing.public_corrections().select_related("article")
    if after is not None:
        at, pk = cursor.moment_and_id(after)
        notes = notes.filter(Q(created_at__lt=at) | Q(created_at=at, pk__lt=pk))
    rows = list(notes[: limit + 1])
    keys.show(keys.CORRECTIONS, *(keys.article(note.article_id) for note in rows[:limit]))
    return _slice(rows, limit, lambda note: cursor.encode(note.created_at, note.pk))
