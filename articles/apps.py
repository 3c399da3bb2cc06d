from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Newsroom"

    def ready(self):
        from taggit.models import Tag

        from articles import (
            keys,
            revisions,  # noqa: F401 - registers articles with reversion
            schedule,
            sqlite_triggers,
        )
        from articles.models import (
            Agency,
            Article,
            BreakingNews,
            Byline,
            Correction,
            FrontPageSlot,
            Photo,
            Section,
            TaggedArticle,
        )
        from authors.models import Author, AuthorLink
        from newsroom import pagecache

        # Whatever readers can see: a change to any of these makes cached pages stale.
        # Drafts that never went out are invisible, so saving them costs the cache nothing.
        def reader_could_see(article):
            return article.is_live_or_scheduled or article.first_published_at is not None

        pagecache.watch(Article, when=reader_could_see)
        for model in (Byline, Correction):
            pagecache.watch(model, when=lambda obj: reader_could_see(obj.article))
        pagecache.watch(TaggedArticle, when=lambda obj: reader_could_see(obj.content_object))
        for model in (Photo, Section, Agency, Tag, FrontPageSlot, BreakingNews, Author, AuthorLink):
            pagecache.watch(model)
        pagecache.register_next_change(schedule.next_change_at)
        # Which surrogate keys each change affects (purges of the page cache and proxies).
        keys.watch_all()

        # On SQLite the tag links' triggers would break any migration that remakes the
        # articles table: out of the way while migrations run (articles/sqlite_triggers.py).
        pre_migrate.connect(sqlite_triggers.drop, sender=self, dispatch_uid="sqlite_triggers")
        post_migrate.connect(sqlite_triggers.install, sender=self, dispatch_uid="sqlite_triggers")
