from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Newsroom"

    def ready(self):
        from articles import (
            keys,
            revisions,  # noqa: F401 - registers articles with reversion
            schedule,
            sqlite_triggers,
        )
        from newsroom import pagecache

        # Which surrogate keys each change affects (purges of the page cache and proxies);
        # and when content changes by itself, which no purge announces.
        keys.watch_all()
        pagecache.register_next_change(schedule.next_change_at)

        # On SQLite the tag links' triggers would break any migration that remakes the
        # articles table: out of the way while migrations run (articles/sqlite_triggers.py).
        pre_migrate.connect(sqlite_triggers.drop, sender=self, dispatch_uid="sqlite_triggers")
        post_migrate.connect(sqlite_triggers.install, sender=self, dispatch_uid="sqlite_triggers")
