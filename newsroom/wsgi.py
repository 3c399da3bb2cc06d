import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

django_application = get_wsgi_application()

from newsroom import fastpath  # noqa: E402 - needs the settings above

# Fresh hits in the page cache are answered before Django builds a request (see the module).
application = fastpath.ServeCachedPagesFirst(django_application)

# Loaded here, not on each worker's first request: with gunicorn's preload_app every worker
# is forked with them. Neither touches the database or the cache.
get_resolver().url_patterns  # noqa: B018 - imports the views
fastpath.warm()
