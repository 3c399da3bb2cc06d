"""Related stories: chosen when a story is saved, checked for visibility when shown.

Choosing (the most shared tags, then the newest) reads many rows at 100,000 articles, so it
runs on the desk's save, not on each reader's request. The page then needs one cheap query:
the chosen stories that are published now, topped up with the latest of the same section.
"""

from django.db.models import Count, Q

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
    """Up to four published related stories, in one query."""
    same_section = (
        Article.objects.published()
        .filter(primary_section_id=article.primary_section_id)
        .exclude(pk=article.pk)
        .newest_first()
        .values("pk")[:SHOWN]
    )
    candidates = (
        Article.objects.published()
        .exclude(pk=article.pk)
        .filter(Q(pk__in=article.related_ids or []) | Q(pk__in=same_section))
        .select_related("primary_section", "lead_photo__agency")
    )
    order = {pk: index for index, pk in enumerate(article.related_ids or [])}
    ranked = sorted(
        candidates,
        key=lambda a: (order.get(a.pk, len(order)), -a.published_at.timestamp()),
    )
    return ranked[:SHOWN]
