import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

django_application = get_wsgi_application()

# Fresh hits in the page cache are answered before Django builds a request (see the module).
from newsroom.fastpath import ServeCachedPagesFirst  # noqa: E402 - needs the settings above

application = ServeCachedPagesFirst(django_application)
