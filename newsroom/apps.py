import os
import sys

from django.apps import AppConfig
from django.db.backends.signals import connection_created


class NewsroomConfig(AppConfig):
    name = "newsroom"

    def ready(self):
        # background retries failed tasks. Receivers of keys_changed run in the order they
        # connect: the application's own page cache first, then the proxies' purge, or a
        # proxy could refetch a page from a page cache that has not heard of the change yet
        # (tests/site/test_purge.py).
        from newsroom import background, pagecache, purge  # noqa: F401
        from newsroom.views import database_reachable

        connection_created.connect(database_reachable, dispatch_uid="newsroom.database_reachable")
        if serving_for_development():
            from newsroom.worker import start_embedded

            start_embedded()


def serving_for_development() -> bool:
    """Whether this process is `manage.py runserver` serving (with the autoreloader, its
    child) and should drain the task queue itself. gunicorn, `manage.py worker` and every
    other command never do: production runs tasks in workers only."""
    from django.conf import settings
    from django_tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend

    if not settings.TASKS_EMBEDDED_WORKER or sys.argv[1:2] != ["runserver"]:
        return False
    if os.environ.get("RUN_MAIN") != "true" and "--noreload" not in sys.argv:
        return False  # the autoreloader's parent, which only watches files
    return isinstance(task_backends["default"], DatabaseBackend)
