from django.core.cache import cache
from django.utils.functional import SimpleLazyObject

from articles import keys
from articles.models import BreakingNews, Section
from newsroom import pagecache

# (content version, chrome) last read by this process. Every page shows the chrome, and
# reading it from the shared cache (a round trip and unpickling model objects) cost more
# than the version check that already says whether it changed. The objects are shared
# by the requests of this process: pages only read them.
_memo: tuple[int, dict] | None = None


def chrome_for(request) -> dict:
    """The sections and the banner, from memory or the cache while the content has not
    changed (the content version moves on every change, and when a banner expires)."""
    global _memo
    if hasattr(request, "newsroom_chrome"):
        return request.newsroom_chrome
    state = getattr(request, "content_state", None) or pagecache.current_state()
    memo = _memo
    if memo is not None and memo[0] == state.version:
        chrome = memo[1]
    else:
        key = f"chrome:{state.version}"
        chrome = cache.get(key)
        if chrome is None:
            chrome = {
                "sections": list(Section.objects.all()),
                "breaking": BreakingNews.objects.active().first(),
            }
            cache.set(key, chrome, 3600)
        _memo = (state.version, chrome)
    request.newsroom_chrome = chrome
    # The banner's key whether one is up or not: putting one up changes every page.
    keys.show(keys.BANNER, *(keys.section(s.pk) for s in chrome["sections"]))
    return chrome


def forget() -> None:
    """Drop this process's copy (tests, which roll the content version back)."""
    global _memo
    _memo = None


def chrome(request):
    """The navigation and the breaking-news banner of every public page: cached under the
    content version, so they cost no query while nothing changed."""
    return {"chrome": SimpleLazyObject(lambda: chrome_for(request))}
