import time

from django.utils.functional import SimpleLazyObject

from articles import keys
from articles.models import BreakingNews, Section
from newsroom import pagecache

# (generations of the navigation's and the banner's keys, valid until, chrome) last read
# by this process. Every page shows the chrome; reading it for each page cost two queries,
# and it changes only when a section or a banner does (each purges its key) or when a
# banner starts or ends (the next scheduled change). The objects are shared by the
# requests of this process: pages only read them.
_memo: tuple[tuple, float | None, dict] | None = None


def chrome_for(request) -> dict:
    """The sections and the banner, from this process's memory while neither has changed."""
    global _memo
    if hasattr(request, "newsroom_chrome"):
        return request.newsroom_chrome
    keys.show(keys.NAV, keys.BANNER)
    # Read before the rows: a change committed in between is rendered again next time.
    marks = pagecache.generations([keys.NAV, keys.BANNER])
    memo = _memo
    if memo is not None and memo[0] == marks and (memo[1] is None or time.time() < memo[1]):
        chrome = memo[2]
    else:
        until = pagecache.next_change(pagecache.sequence())
        chrome = {
            "sections": list(Section.objects.all()),
            "breaking": BreakingNews.objects.active().first(),
        }
        _memo = (marks, until, chrome)
    request.newsroom_chrome = chrome
    return chrome


def forget() -> None:
    """Drop this process's copy (tests, which roll the database back under it)."""
    global _memo
    _memo = None


def chrome(request):
    """The navigation and the breaking-news banner of every public page: kept in memory
    while neither changed, so they cost no query."""
    return {"chrome": SimpleLazyObject(lambda: chrome_for(request))}
