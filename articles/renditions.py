"""Reading a photo's renditions for pages, feeds and social cards.

`Photo.renditions` holds what newsroom/imaging.py made at upload:
{"jpeg": {"480": "photos/…-480.jpg", …}, "webp": {"480": …}} (widths as strings, JSON keys).
Until renditions exist (or for tiny images) the stored original is used.
"""

from functools import lru_cache

from django.core.files.storage import default_storage
from django.core.signals import setting_changed
from django.dispatch import receiver

from articles.models import Photo
from newsroom import storage
from newsroom.site import absolute_url

OG_WIDTH = 1200


def media_url(name: str) -> str:
    """The public URL of a stored file. A list page shows each card's photo at several
    widths in two formats, and asking the storage each time was a tenth of the page's CPU,
    so plain URLs are memoised: a name's URL then depends only on the storage settings
    (cleared below when tests change them). A signed URL expires (S3_SIGNED_URLS): it is
    asked for each time, never kept past its lifetime."""
    if storage.urls_expire(default_storage):
        return default_storage.url(name)
    return _plain_url(name)


@lru_cache(maxsize=16384)
def _plain_url(name: str) -> str:
    return default_storage.url(name)


@receiver(setting_changed)
def _forget_urls(*, setting, **kwargs):
    if setting in {"MEDIA_URL", "STORAGES"}:
        _plain_url.cache_clear()


def sized(photo: Photo, fmt: str) -> list[tuple[int, str]]:
    """(width, URL) of each rendition of this format, narrowest first."""
    found = photo.renditions.get(fmt) or {}
    return sorted((int(width), media_url(name)) for width, name in found.items())


def srcset(photo: Photo, fmt: str) -> str:
    return ", ".join(f"{url} {width}w" for width, url in sized(photo, fmt))


def best(photo: Photo, *, max_width: int = OG_WIDTH, fmt: str = "jpeg") -> dict:
    """The largest rendition not wider than max_width: {"url", "width", "height"}."""
    fitting = [(w, url) for w, url in sized(photo, fmt) if w <= max_width]
    if fitting:
        width, url = fitting[-1]
    else:
        width, url = photo.width, photo.image.url
    if fmt.startswith("card_"):
        height = round(width / 1.5)
    else:
        height = round(photo.height * width / photo.width) if photo.width else photo.height
    return {"url": url, "width": width, "height": height}


def og_image(photo: Photo | None) -> dict | None:
    """The 1200-wide JPEG for OpenGraph, Twitter cards and JSON-LD, with its credit."""
    if photo is None:
        return None
    image = best(photo, max_width=OG_WIDTH)
    return {**image, "url": absolute_url(image["url"]), "alt": photo.alt_text,
            "credit": photo.public_credit}  # fmt: skip
