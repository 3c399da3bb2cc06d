"""Deleting safely: what published articles still use cannot be deleted."""

from django.utils.text import capfirst

from articles.models import Article


class ProtectPublishedUsage:
    """For Section, Agency, Tag…: refuse deletion while a published article uses the object,
    naming the articles. Django's delete page and the bulk "delete selected" action both
    ask get_deleted_objects(), so both obey."""

    #: How Article reaches this model, e.g. "sections" or "tags".
    article_lookup: str

    def get_deleted_objects(self, objs, request):
        deleted, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        name = capfirst(self.model._meta.verbose_name)
        protected = list(protected)
        for obj in objs:
            in_use = (
                Article.objects.live_or_scheduled()
                .filter(**{self.article_lookup: obj})
                .order_by("headline")
            )
            protected += [
                f"{name} “{obj}” is used by the published article “{article.headline}”"
                for article in in_use.only("headline")
            ]
        return deleted, model_count, perms_needed, protected
