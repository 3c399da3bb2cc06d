"""Related stories: chosen when a story is saved, checked for visibility when shown.

Choosing (the most shared tags, then the newest) reads many rows at 100,000 articles, so it
runs on the desk's save, not on each reader's request. The page then needs one cheap query:
the chosen stories that are published now, topped up with the latest of the same section.
"""

from django.db.models import Count
from django.utils import timezone

from articles import cards, keys
from articles.models import Article

SHOWN = 4
CHOSEN = 8


def choose(article: Article) -> list[int]:
    """Ids of the published stories sharing the most tags with this one (never itself)."""
    tag_ids = list(article.tags.values_list("pk", flat=True))
    if not tag_ids:
        return []
    return list(
        Article.objects.published()
        .exclude(pk=article.pk)
        .filter(tagged_items__tag_id__in=tag_ids)
        .annotate(shared=Count("tagged_items"))
        .order_by("-shared", "-published_at")
        .values_list("pk", flat=True)[:CHOSEN]
    )


def refresh(article: Article) -> None:
    Article.objects.filter(pk=article.pk).update(related_ids=choose(article))


def for_page(article: Article) -> list[Article]:
    """Up to four published related stories: one query, two when the chosen ones run short
    and the section's latest fill in."""
    now = timezone.now()
    chosen = article.related_ids or []
    related = []
    if chosen:
        found = cards.load(
            lambda p: Article.objects.published(at=p.now).filter(pk__in=p.ids).exclude(pk=p.id),
            stop=None,
            authors=None,
            now=now,
            ids=chosen,
            id=article.pk,
        )
        by_pk = {story.pk: story for story in found}
        related = [by_pk[pk] for pk in chosen if pk in by_pk][:SHOWN]
    if len(related) < SHOWN and article.primary_section_id:
        shown = [article.pk, *(story.pk for story in related)]
        keys.show(keys.section_list(article.primary_section_id))  # the section's newest
        related += cards.load(
            lambda p: (
                Article.objects.published(at=p.now)
                .filter(primary_section_id=p.section)
                .exclude(pk__in=p.shown)
                .newest_first()
            ),
            stop=SHOWN - len(related),
            authors=None,
            now=now,
            section=article.primary_section_id,
            shown=shown,
        )
    return related
