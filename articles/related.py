"""Related stories: chosen when a story is saved, checked for visibility when shown.

Choosing (the most shared tags, then the newest) reads many rows at 100,000 articles, so it
runs on the desk's save, not on each reader's request. The page then needs one cheap query:
the chosen stories that are published now, topped up with the latest of the same section.
"""

from django.db.models import Count

from articles.models import Article
from articles.models.articles import HEAVY_FIELDS

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
    cards = (
        Article.objects.published()
        .exclude(pk=article.pk)
        .select_related("primary_section", "lead_photo__agency")
        .defer(*HEAVY_FIELDS)
    )
    chosen = article.related_ids or []
    found = {a.pk: a for a in cards.filter(pk__in=chosen)} if chosen else {}
    related = [found[pk] for pk in chosen if pk in found][:SHOWN]
    if len(related) < SHOWN and article.primary_section_id:
        related += list(
            cards.filter(primary_section_id=article.primary_section_id)
            .exclude(pk__in=[a.pk for a in related])
            .newest_first()[: SHOWN - len(related)]
        )
    return related
