"""The API's human documentation: Swagger UI from our own static files (django-ninja ships
them; "ninja" is in INSTALLED_APPS so its template uses them instead of a CDN)."""

from ninja.openapi.docs import Swagger

# The readers' policy forbids every script; this page needs Swagger UI's two files, from
# our own origin only, and the inline styles React sets. Still no third party.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class OwnSwagger(Swagger):
    def render_page(self, request, api, **kwargs):
        response = super().render_page(request, api, **kwargs)
        response["Content-Security-Policy"] = DOCS_POLICY
        return response
