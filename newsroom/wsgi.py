import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

application = get_wsgi_application()

# Loaded here, not on each worker's first request: with gunicorn's preload_app every worker
# is forked with them. It touches neither the database nor the cache.
get_resolver().url_patterns  # noqa: B018 - imports the views
