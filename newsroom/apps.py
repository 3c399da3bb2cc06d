from django.apps import AppConfig
from django.db.backends.signals import connection_created


class NewsroomConfig(AppConfig):
    name = "newsroom"

    def ready(self):
        # Receivers of keys_changed run in the order they connect: the application's own
        # page cache first, then the proxies' purge, or a proxy could refetch a page from a
        # page cache that has not heard of the change yet (tests/site/test_purge.py).
        from newsroom import pagecache, purge  # noqa: F401 - connect to keys_changed
        from newsroom.views import database_reachable

        connection_created.connect(database_reachable, dispatch_uid="newsroom.database_reachable")
