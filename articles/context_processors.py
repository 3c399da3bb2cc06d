from django.core.cache import cache
from django.utils.functional import SimpleLazyObject

from articles.models import BreakingNews, Section
from newsroom import pagecache


def _chrome(request) -> dict:
    state = getattr(request, "content_state", None) or pagecache.current_state()
    key = f"chrome:{state.version}"
    chrome = cache.get(key)
    if chrome is None:
        chrome = {
            "sections": list(Section.objects.all()),
            "breaking": BreakingNews.objects.active().first(),
        }
        cache.set(key, chrome, 3600)
    return chrome


def chrome(request):
    """The navigation and the breaking-news banner of every public page: cached under the
    content version, so they cost no query while nothing changed."""
    return {"chrome": SimpleLazyObject(lambda: _chrome(request))}
