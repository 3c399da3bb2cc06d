"""The front page: pinned stories first, filled with the latest, then each section.

Three queries however many stories and sections there are: the slots in force, the
candidate stories (one query reading, through indexes, only the newest few overall and
per section), and their bylines. Which story goes where is then decided in Python, so no
story appears twice.
"""

import datetime
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from articles import cards
from articles.models import Article, FrontPageSlot, Section
from newsroom import compiled

TOP_STORIES = 7  # the lead and six top stories
PER_SECTION = 4


@dataclass
class SectionBlock:
    section: Section
    articles: list[Article] = field(default_factory=list)


@dataclass
class FrontPage:
    lead: Article | None
    top: list[Article]
    blocks: list[SectionBlock]


def pinned_ids(now: datetime.datetime) -> dict[int, int]:
    """position → article id of the slots in force now, for visible articles."""
    slots = compiled.rows(
        lambda p: (
            FrontPageSlot.objects.active(at=p.now)
            .filter(article__in=Article.objects.published(at=p.now))
            .order_by("position", "-starts_at")
            .values_list("position", "article_id")
        ),
        now=now,
    )
    by_position: dict[int, int] = {}
    for position, article_id in slots:
        if position not in by_position and article_id not in by_position.values():
            by_position[position] = article_id
    return by_position


def build(*, now: datetime.datetime | None = None, sections=None) -> FrontPage:
    """`sections`: the paper's sections if the caller has them at hand (the navigation
    does); otherwise they are read."""
    now = now or timezone.now()
    sections = list(sections) if sections is not None else list(Section.objects.all())
    pinned = pinned_ids(now)
    section_ids = tuple(s.pk for s in sections)
    # Every part of `wanted` is already visible; filtering the outer query again would
    # only lead PostgreSQL to walk the whole archive instead of fetching a few rows by id.
    # The section ids shape the query (one part each): the builder captures them, so
    # each set of sections has its own compiled query.
    candidates = cards.load(
        lambda p: Article.objects.filter(
            _candidates(Article.objects.published(at=p.now), section_ids, p.pinned)
        ).newest_first(),
        stop=None,
        now=now,
        pinned=list(pinned.values()),
    )
    by_pk = {article.pk: article for article in candidates}

    fill = iter(a for a in candidates if a.pk not in pinned.values())
    top: list[Article] = []
    for position in range(1, TOP_STORIES + 1):
        article = by_pk.get(pinned.get(position)) or next(fill, None)
        if article is not None:
            top.append(article)
    shown = {article.pk for article in top}

    blocks = []
    for section in sorted(sections, key=lambda s: (s.position, s.name)):
        latest = [a for a in candidates if a.primary_section_id == section.pk and a.pk not in shown]
        if latest:
            blocks.append(SectionBlock(section, latest[:PER_SECTION]))
    return FrontPage(lead=top[0] if top else None, top=top[1:], blocks=blocks)


def _candidates(published, section_ids: tuple[int, ...], pinned: list[int]) -> Q:
    """The stories that can appear, as a subquery: the newest few overall, and the newest
    few of each section (enough to fill its block after the top stories are taken out).
    Each part reads only its rows through an index, however big the archive."""
    overall = TOP_STORIES + len(pinned)
    per_section = PER_SECTION + TOP_STORIES
    newest = published.newest_first().values_list("pk", flat=True)
    if connection.features.supports_slicing_ordering_in_compound:
        parts = [newest.filter(primary_section_id=pk)[:per_section] for pk in section_ids]
        parts.append(published.filter(pk__in=pinned).values_list("pk", flat=True))
        return Q(pk__in=newest[:overall].union(*parts, all=True))
    # SQLite cannot slice inside a UNION: a window function ranks each section instead.
    ranked = (
        published.annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("primary_section")],
                order_by=[F("published_at").desc(), F("id").desc()],
            )
        )
        .filter(rank__lte=per_section)
        .values_list("pk", flat=True)
    )
    return Q(pk__in=newest[:overall]) | Q(pk__in=ranked) | Q(pk__in=pinned)
