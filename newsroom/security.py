"""Browser-facing security: which proxies we believe, and the headers on every response.

* TrustedProxyMiddleware runs first. X-Forwarded-For/-Proto/-Host are believed only when
  the connection comes from an address in TRUSTED_PROXIES; otherwise they are removed, so
  a client cannot claim another address (and dodge the login lock-out) or claim HTTPS.
* SecurityHeadersMiddleware sets a strict Content-Security-Policy, Permissions-Policy and
  Cross-Origin-Resource-Policy. Readers' pages allow no script at all (their only <script>
  is JSON-LD data, which browsers never execute). The admin allows our own scripts and,
  through a per-response nonce, the one inline import map the rich-text editor needs.
"""

import functools
import ipaddress
import secrets
from functools import cached_property
from urllib.parse import urlsplit

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import Http404, HttpResponseBadRequest
from django.utils.functional import SimpleLazyObject
from django.views.static import serve

PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=(), interest-cohort=(), browsing-topics=()"
)
FORWARDED_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST",
                     "HTTP_X_REAL_IP", "HTTP_FORWARDED")  # fmt: skip


class TrustedProxies:
    def __init__(self, entries: list[str]):
        self.networks = [ipaddress.ip_network(entry, strict=False) for entry in entries]

    def __contains__(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.networks)


class TrustedProxyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    @cached_property
    def proxies(self) -> TrustedProxies:
        return TrustedProxies(settings.TRUSTED_PROXIES)

    def __call__(self, request):
        meta = request.META
        peer = meta.get("REMOTE_ADDR", "")
        # Only our proxy is told what a page shows (newsroom/surrogate.py).
        request.via_trusted_proxy = peer in self.proxies
        if request.via_trusted_proxy:
            client = self.client_address(meta.get("HTTP_X_FORWARDED_FOR", ""))
            if client:
                meta["REMOTE_ADDR"] = client
        else:
            for header in FORWARDED_HEADERS:
                meta.pop(header, None)
        return self.get_response(request)

    def client_address(self, forwarded_for: str) -> str | None:
        """The right-most address that is not one of our proxies: the one our proxy saw.
        Addresses further left were written by the client and prove nothing."""
        for candidate in reversed([part.strip() for part in forwarded_for.split(",")]):
            if not candidate:
                continue
            try:
                ipaddress.ip_address(candidate)
            except ValueError:
                return None
            if candidate not in self.proxies:
                return candidate
        return None


def _asset_origins() -> str:
    """Where images and styles come from when media or static files are on another host
    (object storage, a CDN): `MEDIA_URL`/`STATIC_URL` set to an absolute address."""
    origins = []
    for url in (settings.MEDIA_URL, settings.STATIC_URL):
        parts = urlsplit(url or "")
        if parts.scheme in {"http", "https"} and parts.netloc:
            origin = f"{parts.scheme}://{parts.netloc}"
            if origin not in origins:
                origins.append(origin)
    return "".join(f" {origin}" for origin in origins)


def _policy(*, admin: bool, secure: bool, nonce: str | None) -> str:
    assets = _asset_origins()
    scripts = "'self'" + (f" 'nonce-{nonce}'" if nonce else "")
    directives = {
        "default-src": "'self'",
        "script-src": scripts if admin else "'none'",
        # Django's admin and the editor's toolbar set a few styles from script.
        "style-src": ("'self' 'unsafe-inline'" if admin else "'self'") + assets,
        "img-src": ("'self' data: blob:" if admin else "'self' data:") + assets,
        "font-src": "'self'",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'self'" if admin else "'none'",
    }
    # Only on a page that came over HTTPS: on plain HTTP (`make serve`, a proxy that does
    # not terminate TLS) the browser would retry every asset with TLS on a port that
    # speaks none.
    if secure:
        directives["upgrade-insecure-requests"] = ""
    return "; ".join(f"{name} {value}".strip() for name, value in directives.items())


@functools.cache
def _policy_without_nonce(admin: bool, secure: bool) -> str:
    """Most responses (every reader's page) share one policy: build it once."""
    return _policy(admin=admin, secure=secure, nonce=None)


@receiver(setting_changed)
def _forget_policy(*, setting, **kwargs):
    if setting in {"MEDIA_URL", "STATIC_URL"}:
        _policy_without_nonce.cache_clear()


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        nonce: list[str] = []

        def make_nonce() -> str:
            if not nonce:
                nonce.append(secrets.token_urlsafe(16))
            return nonce[0]

        request.csp_nonce = SimpleLazyObject(make_nonce)
        response = self.get_response(request)
        if settings.DEBUG and response.status_code >= 500:
            return response  # Django's debug page needs its inline script and styles
        if "Content-Security-Policy" not in response:
            admin = request.path_info.startswith("/admin/")
            secure = request.is_secure()
            response["Content-Security-Policy"] = (
                _policy(admin=admin, secure=secure, nonce=nonce[0])
                if nonce
                else _policy_without_nonce(admin, secure)
            )
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response


class RefuseNulBytesMiddleware:
    """A NUL byte in the address or the query string is never a page: 400 before any view.

    PostgreSQL text cannot hold NUL, so a lookup by such a slug or search word raised
    DataError (a 500) wherever a view or an admin endpoint passed it to the database
    (tag and author pages, their feeds, tag suggestions, autocomplete). Forms already
    refuse NUL (Django's ProhibitNullCharactersValidator); this closes every other door
    at once."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            return HttpResponseBadRequest(
                "Bad request: this address contains a character no page can have.",
                content_type="text/plain; charset=utf-8",
            )
        return self.get_response(request)


def serve_media(request, path):
    """Uploaded media, for development and small setups (SERVE_MEDIA): images only, never
    sniffed as something else, sandboxed if opened directly."""
    if not path.lower().endswith((".jpg", ".jpeg", ".png", ".webp")):
        raise Http404("Not an image.")
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def client_ip(request) -> str:
    """The client's address as TrustedProxyMiddleware established it (for django-axes)."""
    return request.META.get("REMOTE_ADDR", "")
