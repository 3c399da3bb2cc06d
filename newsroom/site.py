"""The public site's own address."""

from django.conf import settings


def absolute_url(path: str) -> str:
    """SITE_URL + path. Never built from the request's Host header, so a cached page or a
    feed cannot carry a host name an attacker sent."""
    if path.startswith(("http://", "https://")):
        return path
    return f"{settings.SITE_URL}{path}"
