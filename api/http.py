"""HTTP for the API: errors as RFC 9457 problem details, CORS for reading from anywhere,
the per-client rate limit, and If-Modified-Since.

ETags and 304s come from the page cache middleware (newsroom/pagecache.py), which treats
the API's JSON like any readers' page: stored, purged with the content, conditional."""

import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.utils.cache import get_conditional_response
from django.utils.http import parse_http_date_safe
from ninja.throttling import BaseThrottle

from newsroom.security import client_ip

PROBLEM_TYPE = "application/problem+json"

CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, If-None-Match, If-Modified-Since",
    "Access-Control-Expose-Headers": "ETag, Last-Modified, Link, Retry-After",
    "Access-Control-Max-Age": "86400",
}


def problem(status: int, title: str, detail: str = "", **extra) -> JsonResponse:
    """An RFC 9457 problem: `type` is about:blank (the status says it all), `title` short
    and the same for every problem of its kind, `detail` about this occurrence."""
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return JsonResponse(body, status=status, content_type=PROBLEM_TYPE)


class ApiHeadersMiddleware:
    """For /api/: errors in one format (problem details), CORS on every answer, the
    preflight (OPTIONS) answered at once, and 304 for an If-Modified-Since that the
    answer's Last-Modified satisfies (If-None-Match is answered from the ETag by the page
    cache, which wraps this). Sits inside the page cache, so the copies it keeps carry
    the CORS headers too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path_info.startswith(API_PREFIX):
            return self.get_response(request)
        head = request.method == "HEAD"
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
        else:
            if head:  # the endpoints are declared for GET; HEAD is the same answer
                request.method = "GET"
            response = _as_problem(self.get_response(request))
            response = _if_modified_since(request, response)
        if head:
            # The body stays: the server leaves it out (gunicorn, runserver, the test
            # client), as for the pages, and the page cache keeps one copy for both.
            request.method = "HEAD"
        # Anyone may read the API from a browser: it holds only what readers may see, and
        # it reads no cookie.
        for name, value in CORS_HEADERS.items():
            response[name] = value
        return response


API_PREFIX = "/api/"


def _as_problem(response):
    """A refusal made before the API's own code ran (RefuseNulBytesMiddleware's 400, a
    plain text answer), in the API's format for errors."""
    if response.status_code >= 400 and response.get("Content-Type", "").startswith("text/plain"):
        return problem(response.status_code, response.reason_phrase,
                       response.content.decode(errors="replace"))  # fmt: skip
    return response


def _if_modified_since(request, response):
    last_modified = response.get("Last-Modified")
    if (
        response.status_code != 200
        or not last_modified
        or "HTTP_IF_NONE_MATCH" in request.META
        or "HTTP_IF_MODIFIED_SINCE" not in request.META
    ):
        return response
    stamp = parse_http_date_safe(last_modified)
    return get_conditional_response(request, last_modified=stamp, response=response)


class PerClientLimit(BaseThrottle):
    """API_RATE_LIMIT requests per API_RATE_WINDOW_SECONDS for each client address (as
    TrustedProxyMiddleware established it), counted in the cache: one atomic increment per
    request (Redis shares it between workers; the local-memory cache of development counts
    per process). The database counter of newsroom/ratelimit.py would cost a write and a
    transaction on every read of a public API, and keep its query budget from being fixed.
    Pages answered from the page cache or the proxy cost nothing and are not counted."""

    def __init__(self):
        # allow_request() and wait() run one after the other in the request's thread.
        self._local = threading.local()

    def allow_request(self, request) -> bool:
        limit = settings.API_RATE_LIMIT
        if limit <= 0:
            return True
        window = settings.API_RATE_WINDOW_SECONDS
        now = time.time()
        slot = int(now // window)
        key = f"api-rate:{client_ip(request)}:{slot}"
        cache.add(key, 0, window + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr(): a new window
            cache.add(key, 1, window + 1)
            count = 1
        self._local.remaining = (slot + 1) * window - now
        return count <= limit

    def wait(self) -> float:
        return max(getattr(self._local, "remaining", 1.0), 1.0)
