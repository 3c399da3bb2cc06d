"""Pages of stories, newest first, read through indexes however big the archive.

Lists are cut with LIMIT/OFFSET and one extra row tells whether an older page exists, so
no page counts tens of thousands of rows to print "page 3 of 1,204" (readers page by
"older stories", as on any news site). A page number that is not a positive whole number,
or past the end, is a 404.
"""

import datetime
import re
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone
from taggit.models import Tag

from articles import cards
from articles.models import Article, Byline, Correction
from authors.models import Author
from newsroom import compiled

PER_PAGE = 20


@dataclass(frozen=True)
class Page:
    number: int
    items: list
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next


# Far beyond any archive (twenty million stories at twenty a page), and it keeps every
# OFFSET well inside the 64-bit integers databases count rows with.
MAX_PAGE = 1_000_000
# Plain ASCII digits without a leading zero: str.isdigit() also accepts "²" and "①",
# which int() refuses, and "007" would be a second address for page 7.
_PAGE = re.compile(r"[1-9][0-9]{0,6}")


def page_number(raw: str | None) -> int:
    """The page a `?page=` (or a sitemap's `?p=`) asks for; 404 unless it is a plain
    positive number no larger than MAX_PAGE. The one parser of every paginated page."""
    if raw in (None, ""):
        return 1
    if not _PAGE.fullmatch(raw) or int(raw) > MAX_PAGE:
        raise Http404("No such page.")
    return int(raw)


def cards_page(stories, raw_number: str | None, **values) -> Page:
    """A page of story cards: `stories(p)` returns the published stories of this list (p.now
    and the given values are stand-ins, see newsroom/compiled.py); two queries."""
    number = page_number(raw_number)
    start = (number - 1) * PER_PAGE
    rows = cards.load(
        lambda p: stories(p).newest_first(),
        start=start,
        stop=start + PER_PAGE + 1,
        now=timezone.now(),
        **values,
    )
    return _page(number, rows, PER_PAGE)


def page_of(queryset, raw_number: str | None, *, per_page: int = PER_PAGE) -> Page:
    number = page_number(raw_number)
    start = (number - 1) * per_page
    return _page(number, list(queryset[start : start + per_page + 1]), per_page)


def _page(number: int, rows: list, per_page: int) -> Page:
    """The page from its rows and one more (which says whether a next page exists)."""
    if not rows and number > 1:
        raise Http404("No such page.")
    return Page(number=number, items=rows[:per_page], has_next=len(rows) > per_page)


def subject_or_404(model, slug: str):
    """The section, tag or author a list or feed is about, with all its columns; 404 if
    no such slug. A compiled query (newsroom/compiled.py) like the list itself."""
    found = compiled.first(model, lambda p: model.objects.filter(slug=p.slug), slug=slug)
    if found is None:
        raise Http404(f"No such {model._meta.verbose_name}.")
    return found


def public_tags(*, at: datetime.datetime | None = None) -> QuerySet:
    """Tags readers may see: carried by at least one published story. A tag of drafts,
    stories in review, scheduled, taken down or deleted ones would name an embargoed topic,
    so its page, its feed and the sitemap treat it as if it did not exist."""
    at = at or timezone.now()
    return Tag.objects.filter(
        Exists(Article.objects.published(at=at).tagged(OuterRef("pk"), at=at))
    )


def public_authors(*, at: datetime.datetime | None = None) -> QuerySet:
    """Authors the API lists: with at least one published story. Someone whose only
    bylines are on drafts, scheduled, taken-down or deleted stories is not listed, so a
    guest writer's name on an embargoed story gives nothing away."""
    at = at or timezone.now()
    return Author.objects.filter(
        Exists(Article.objects.published(at=at).filter(bylines__author=OuterRef("pk")))
    )


def public_corrections(*, at: datetime.datetime | None = None) -> QuerySet:
    """Corrections readers see: those of published stories, newest first."""
    return Correction.objects.filter(article__in=Article.objects.published(at=at)).order_by(
        "-created_at", "-id"
    )


def visible_tag_or_404(slug: str) -> Tag:
    """The tag a tag page or feed is about, if readers may see it (`public_tags`)."""
    found = compiled.first(
        Tag,
        lambda p: public_tags(at=p.now).filter(slug=p.slug),
        slug=slug,
        now=timezone.now(),
    )
    if found is None:
        raise Http404("No such tag.")
    return found


# Filters by a linked table as EXISTS: PostgreSQL then walks the newest published stories
# through their index and stops after a page, instead of sorting every match.


def in_section(section_id: int):
    through = Article.sections.through
    return Exists(through.objects.filter(article_id=OuterRef("pk"), section_id=section_id))


def by_author(author_id: int):
    return Exists(Byline.objects.filter(article_id=OuterRef("pk"), author_id=author_id))
