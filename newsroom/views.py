import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponsePermanentRedirect, HttpResponseServerError
from django.template import loader
from django.templatetags.static import static
from django.views.decorators.http import require_safe

DATABASE_DOWN = (OperationalError, InterfaceError)


@require_safe
def robots_txt(request):
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
    overload), answer 503 with Retry-After: the site is unavailable, not broken."""
    exception = sys.exc_info()[1]
    context = {"SITE_NAME": settings.SITE_NAME}
    if isinstance(exception, DATABASE_DOWN):
        response = HttpResponse(loader.get_template("503.html").render(context), status=503)
        response["Retry-After"] = "5"
        response["Cache-Control"] = "no-store"
        return response
    return HttpResponseServerError(loader.get_template("500.html").render(context))
