from django.core.cache import cache
from django.utils.functional import SimpleLazyObject

from articles.models import BreakingNews, Section
from newsroom import pagecache


def chrome_for(request) -> dict:
    """The sections and the banner, from the cache while the content has not changed."""
    if hasattr(request, "newsroom_chrome"):
        return request.newsroom_chrome
    state = getattr(request, "content_state", None) or pagecache.current_state()
    key = f"chrome:{state.version}"
    chrome = cache.get(key)
    if chrome is None:
        chrome = {
            "sections": list(Section.objects.all()),
            "breaking": BreakingNews.objects.active().first(),
        }
        cache.set(key, chrome, 3600)
    request.newsroom_chrome = chrome
    return chrome


def chrome(request):
    """The navigation and the breaking-news banner of every public page: cached under the
    content version, so they cost no query while nothing changed."""
    return {"chrome": SimpleLazyObject(lambda: chrome_for(request))}
