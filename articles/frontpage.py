"""The front page: pinned stories first, filled with the latest, then each section.

Computed in a fixed number of queries however many stories and sections there are:
slots (1), lead and top stories with their bylines (2), section blocks with their bylines
(2, one window query for all sections).
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from articles.models import Article, FrontPageSlot, Section

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
    slots = (
        FrontPageSlot.objects.active(at=now)
        .filter(article__in=Article.objects.published(at=now))
        .order_by("position", "-starts_at")
        .values_list("position", "article_id")
    )
    by_position: dict[int, int] = {}
    for position, article_id in slots:
        if position not in by_position and article_id not in by_position.values():
            by_position[position] = article_id
    return by_position


def build(*, now: datetime.datetime | None = None) -> FrontPage:
    now = now or timezone.now()
    published = Article.objects.published(at=now)
    pinned = pinned_ids(now)
    latest = published.exclude(pk__in=pinned.values()).newest_first().values("pk")[:TOP_STORIES]
    candidates = {
        article.pk: article
        for article in published.filter(Q(pk__in=pinned.values()) | Q(pk__in=latest))
        .for_listing()
        .newest_first()
    }
    fill = iter(a for pk, a in candidates.items() if pk not in pinned.values())
    ordered: list[Article] = []
    for position in range(1, TOP_STORIES + 1):
        article = candidates.get(pinned.get(position)) or next(fill, None)
        if article is not None:
            ordered.append(article)
    shown = [article.pk for article in ordered]

    ranked = (
        published.exclude(pk__in=shown)
        .filter(primary_section__isnull=False)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("primary_section")],
                order_by=[F("published_at").desc(), F("id").desc()],
            )
        )
        .filter(rank__lte=PER_SECTION)
        .for_listing()
    )
    blocks: dict[int, SectionBlock] = {}
    for article in ranked:
        section = article.primary_section
        blocks.setdefault(section.pk, SectionBlock(section)).articles.append(article)
    for block in blocks.values():
        block.articles.sort(key=lambda a: (a.published_at, a.pk), reverse=True)
    ordered_blocks = sorted(blocks.values(), key=lambda b: (b.section.position, b.section.name))
    return FrontPage(lead=ordered[0] if ordered else None, top=ordered[1:], blocks=ordered_blocks)
