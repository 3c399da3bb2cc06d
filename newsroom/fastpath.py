"""Cached pages served before Django builds a request.

On a busy day nearly every reader's request is a plain hit in the page cache
(`newsroom.pagecache`): the answer is already in Redis. Through Django's handler such a hit
still builds a request, runs the middleware chain and copies the stored headers into a new
response, which costs about as much CPU as the cache round trip itself. This WSGI wrapper
answers those hits directly and hands everything else to Django unchanged.

It answers only when every rule the full path applies is certain to hold, and otherwise
steps aside (Django then does exactly what it did before, reusing the lookup made here):
  * GET or HEAD, no session cookie, not an excluded path (`pagecache.is_reader_request`);
  * the Host header is one of ALLOWED_HOSTS (stricter than a hit through Django, where
    nothing in front of the page cache looks at the host);
  * no redirect to HTTPS is due (SECURE_SSL_REDIRECT on a plain-HTTP request);
  * the content version is mirrored in the shared cache and no scheduled change is due
    (either may need the database, which only Django's request cycle may touch);
  * the stored page is fresh: the current version, within PAGE_CACHE_SECONDS, and the
    variant for this request if the page varies (`pagecache.entry_for`);
  * no If-Match or If-Unmodified-Since (their 412 is logged with Django's request).

The response is the one the full path gives: the stored page, the page cache's headers
(`pagecache.served_headers`), or for a conditional request what `pagecache.served` (Django's
get_conditional_response) answers, and the headers the middleware outside the page cache adds
(security headers, HSTS on HTTPS), learnt once per process by running that middleware over
an empty response; like that middleware, they never replace a header the page has itself.
That middleware must only add headers (it could otherwise answer a request itself, which
the fast path would skip), so the fast path runs only while it is the middleware listed in
OUTER_MIDDLEWARE. tests/site/test_fastpath.py compares the two paths header by header.
"""

import functools
import io
import logging
from http import HTTPStatus
from types import SimpleNamespace

from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest, get_path_info
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpResponse
from django.http.cookie import parse_cookie
from django.http.request import split_domain_port, validate_host
from django.utils.module_loading import import_string

from newsroom import pagecache
from newsroom.security import TrustedProxies

logger = logging.getLogger(__name__)

PAGE_CACHE_MIDDLEWARE = "newsroom.pagecache.PageCacheMiddleware"
# What may stand before the page cache: each either only adds response headers or, for
# paths the page cache excludes anyway (/static/), answers itself.
OUTER_MIDDLEWARE = frozenset({
    "newsroom.security.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "newsroom.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
})  # fmt: skip


class ServeCachedPagesFirst:
    """WSGI middleware around Django's application; see the module docstring."""

    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        try:
            answer = cached_answer(environ)
        except Exception:  # never turn a request Django could answer into an error
            logger.exception("Page cache fast path failed; Django answers instead")
            answer = None
        if answer is None:
            return self.application(environ, start_response)
        status, headers, body = answer
        start_response(status, headers)
        return [body]


def cached_answer(environ) -> tuple[str, list[tuple[str, str]], bytes] | None:
    """(status line, headers, body) of the fresh cached page for this request, or None
    when Django must handle it."""
    if settings.PAGE_CACHE_SECONDS <= 0 or not settings.PAGE_CACHE_SHARED_VERSION:
        return None
    if not _in_front_only_known_middleware():
        return None
    method = environ.get("REQUEST_METHOD", "").upper()
    cookie = environ.get("HTTP_COOKIE")
    cookies = parse_cookie(cookie) if cookie else {}
    path_info = get_path_info(environ) or "/"
    if not pagecache.is_reader_request(method, cookies, path_info):
        return None
    if not _allowed_host(environ):
        return None
    secure = _is_secure(environ)
    if settings.SECURE_SSL_REDIRECT and not secure:
        return None

    key = pagecache.page_key(path_info, environ.get("QUERY_STRING", ""))
    found = pagecache.lookup(key)
    environ[pagecache.LOOKUP_ENVIRON_KEY] = (key, found)  # Django reuses it if we step aside
    state: pagecache.State | None = found.get(pagecache.STATE_KEY)
    if state is None or pagecache.is_due(state):
        return None
    entry = pagecache.entry_for(key, found, environ)
    if not pagecache.is_fresh(entry, state):
        return None

    if pagecache.CONDITIONAL_HEADERS.isdisjoint(environ):
        status = HTTPStatus(entry.status)
        status_line = f"{status.value} {status.phrase}"
        headers = [*entry.headers, *pagecache.served_headers(entry, state, "hit")]
        body = entry.content
    else:
        if "HTTP_IF_MATCH" in environ or "HTTP_IF_UNMODIFIED_SINCE" in environ:
            return None
        # get_conditional_response reads only META and method of a request for the others.
        response = pagecache.served(
            SimpleNamespace(META=environ, method=method), entry, state, "hit"
        )
        status_line = f"{response.status_code} {response.reason_phrase}"
        headers, body = list(response.items()), response.content
    if method == "HEAD":
        body = b""
    own = {name.lower() for name, _value in headers}
    headers += [(name, value) for name, value in _outer_headers(secure) if name.lower() not in own]
    return status_line, headers, body


def warm() -> None:
    """Learn the outer headers now (in gunicorn's master, before workers are forked)."""
    if _in_front_only_known_middleware():
        _outer_headers(True)
        if not settings.SECURE_SSL_REDIRECT:  # plain HTTP is answered only then
            _outer_headers(False)


@functools.cache
def _in_front_only_known_middleware() -> bool:
    if PAGE_CACHE_MIDDLEWARE not in settings.MIDDLEWARE:
        return False
    outer = settings.MIDDLEWARE[: settings.MIDDLEWARE.index(PAGE_CACHE_MIDDLEWARE)]
    return set(outer) <= OUTER_MIDDLEWARE


def _allowed_host(environ) -> bool:
    # Django's own rule (HttpRequest.get_host), without X-Forwarded-Host, which we never use.
    if settings.USE_X_FORWARDED_HOST:
        return False
    host = environ.get("HTTP_HOST") or environ.get("SERVER_NAME", "")
    domain, _port = split_domain_port(host)
    return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)


def _is_secure(environ) -> bool:
    # As TrustedProxyMiddleware and HttpRequest.is_secure decide: the forwarded scheme
    # counts only from one of our proxies.
    if settings.SECURE_PROXY_SSL_HEADER:
        header, secure_value = settings.SECURE_PROXY_SSL_HEADER
        forwarded = environ.get(header)
        if forwarded is not None and environ.get("REMOTE_ADDR", "") in _trusted_proxies():
            return forwarded.split(",", 1)[0].strip() == secure_value
    return environ.get("wsgi.url_scheme") == "https"


@functools.cache
def _trusted_proxies() -> TrustedProxies:
    return TrustedProxies(settings.TRUSTED_PROXIES)


@functools.cache
def _outer_headers(secure: bool) -> tuple[tuple[str, str], ...]:
    """The headers the middleware listed before the page cache adds to a reader's page,
    found by running that middleware once over an empty response."""
    names = settings.MIDDLEWARE[: settings.MIDDLEWARE.index(PAGE_CACHE_MIDDLEWARE)]
    inner = HttpResponse()
    own = {name.lower() for name in inner.headers}
    handler = lambda request: inner  # noqa: E731
    for name in reversed(names):
        handler = import_string(name)(handler)
    request = WSGIRequest(
        {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": "/",
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "443" if secure else "80",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "https" if secure else "http",
            "wsgi.input": io.BytesIO(),
        }
    )
    response = handler(request)
    return tuple((name, value) for name, value in response.items() if name.lower() not in own)


@receiver(setting_changed)
def _forget(*, setting, **kwargs):
    _outer_headers.cache_clear()
    _trusted_proxies.cache_clear()
    _in_front_only_known_middleware.cache_clear()
