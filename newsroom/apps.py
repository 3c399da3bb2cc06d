from django.apps import AppConfig
from django.db.backends.signals import connection_created


class NewsroomConfig(AppConfig):
    name = "newsroom"

    def ready(self):
        from newsroom import pagecache  # noqa: F401 - its purge listens to keys_changed
        from newsroom.views import database_reachable

        connection_created.connect(database_reachable, dispatch_uid="newsroom.database_reachable")
