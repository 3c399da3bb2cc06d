import logging
import sys
import threading

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponsePermanentRedirect, HttpResponseServerError
from django.template import loader
from django.templatetags.static import static
from django.urls import Resolver404, resolve, reverse
from django.views.decorators.http import require_safe

DATABASE_DOWN = (OperationalError, InterfaceError)

logger = logging.getLogger(__name__)

# Set when this process answers a request with the database down, cleared by the next
# connection that opens (database_reachable).
database_was_down = threading.Event()


@require_safe
def robots_txt(request):
    from articles import keys  # the readers' keys are declared there

    keys.show(keys.ROBOTS)
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /preview/",
        "Disallow: /search/",
        "",
        f"Sitemap: {settings.SITE_URL}/sitemap.xml",
        f"Sitemap: {settings.SITE_URL}/news-sitemap.xml",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_safe
def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says; send them to the real one
    (looked up per request: the hashed name exists only after collectstatic)."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


def server_error(request):
    """The 500 page: a plain template with no context processors, so it renders even when
    the database and the cache are both down. When the database is what failed (restart,
    overload), answer 503 with Retry-After: the site is unavailable, not broken. The desk
    gets its own page, which says whether anything was saved and how to get back to it."""
    exception = sys.exc_info()[1]
    context = {"SITE_NAME": settings.SITE_NAME}
    if isinstance(exception, DATABASE_DOWN):
        database_was_down.set()
        if is_desk_request(request):
            page = loader.get_template("admin/database_unavailable.html")
            context |= desk_outage_context(request)
        else:
            page = loader.get_template("503.html")
        response = HttpResponse(page.render(context), status=503)
        response["Retry-After"] = "5"
        response["Cache-Control"] = "no-store"
        return response
    return HttpResponseServerError(loader.get_template("500.html").render(context))


def is_desk_request(request) -> bool:
    return request.path.startswith(reverse("admin:index"))


# Only the article editor keeps a copy of the text in this browser
# (static/admin/js/article_editor.js) and offers it back when its form opens again.
ARTICLE_EDITOR_URL_NAMES = {"articles_article_add", "articles_article_change"}


def desk_outage_context(request) -> dict:
    """What the desk's outage page needs, from the request alone: no session, no user, no
    query (the database is what is missing). The retry is a plain link to the same address,
    so it asks for the form again instead of sending the failed save a second time."""
    try:
        url_name = resolve(request.path_info).url_name
    except Resolver404:
        url_name = None
    return {
        "save_failed": request.method == "POST",
        "browser_keeps_copy": url_name in ARTICLE_EDITOR_URL_NAMES,
        "retry_url": request.get_full_path(),
    }


def database_reachable(sender, connection, **kwargs):
    """connection_created: after an outage, say that the database answers again (threads
    racing here may say it twice; newsroom.logthrottle lets one line through)."""
    if database_was_down.is_set():
        database_was_down.clear()
        logger.info("Database reachable again", extra={"recovers": DATABASE_DOWN})
