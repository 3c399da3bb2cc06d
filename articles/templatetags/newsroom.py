"""Template helpers for the readers' site."""

from urllib.parse import urlsplit

from django import template
from django.utils import timezone
from django.utils.html import format_html

from articles import renditions

register = template.Library()

DEFAULT_SIZES = "(min-width: 60rem) 60rem, 100vw"


@register.inclusion_tag("partials/picture.html")
def picture(photo, sizes=DEFAULT_SIZES, eager=False, css_class="", card=False):
    """A responsive <picture>: WebP and JPEG renditions, width and height so nothing jumps,
    lazy loading unless `eager` (the first photo on a page). `card` uses the 3:2 crops made
    around the photo's focal point."""
    prefix = "card_" if card and photo.renditions.get("card_jpeg") else ""
    fallback = renditions.best(photo, max_width=800, fmt=f"{prefix}jpeg")
    return {
        "photo": photo,
        "webp": renditions.srcset(photo, f"{prefix}webp"),
        "jpeg": renditions.srcset(photo, f"{prefix}jpeg"),
        "src": fallback["url"],
        "width": fallback["width"],
        "height": fallback["height"],
        "sizes": sizes,
        "eager": eager,
        "css_class": css_class,
    }


@register.filter
def and_list(items) -> str:
    """["AP", "Reuters", "Al Jazeera"] → "AP, Reuters and Al Jazeera"."""
    names = [str(item) for item in items]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


@register.filter
def safe_url(value) -> str:
    """Only links a reader may follow: a path on this site, http(s) or mailto. Forms
    validate links already; this keeps a bad value stored some other way harmless."""
    url = str(value or "").strip()
    if url.startswith("/") and not url.startswith("//"):
        return url
    return url if urlsplit(url).scheme.lower() in ("http", "https", "mailto") else ""


@register.simple_tag
def timestamp(moment, fmt="j F Y, H:i"):
    """<time datetime="…"> in the newsroom's time zone."""
    if not moment:
        return ""
    from django.utils.dateformat import format as date_format

    local = timezone.localtime(moment)
    return format_html(
        '<time datetime="{}">{}</time>',
        local.replace(microsecond=0).isoformat(),
        date_format(local, fmt),
    )
