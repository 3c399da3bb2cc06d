"""Small pieces of markup the readers' pages share, built in Python (they are rendered
dozens of times per page), and the formatting helpers Jinja2 exposes to templates."""

from urllib.parse import urlsplit

from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from markupsafe import Markup

from articles import renditions

DEFAULT_SIZES = "(min-width: 60rem) 60rem, 100vw"


def render_picture(photo, sizes: str = DEFAULT_SIZES, *, eager: bool = False, card: bool = False):
    """A responsive <picture>: WebP and JPEG renditions, width and height so nothing jumps,
    lazy loading unless `eager` (the first photo on a page). `card` uses the 3:2 crops made
    around the photo's focal point."""
    prefix = "card_" if card and photo.renditions.get("card_jpeg") else ""
    fallback = renditions.best(photo, max_width=800, fmt=f"{prefix}jpeg")
    sources = "".join(
        format_html('<source type="image/{}" srcset="{}" sizes="{}">', kind, srcset, sizes)
        for kind, srcset in (
            ("webp", renditions.srcset(photo, f"{prefix}webp")),
            ("jpeg", renditions.srcset(photo, f"{prefix}jpeg")),
        )
        if srcset
    )
    loading = Markup(' fetchpriority="high"') if eager else Markup(' loading="lazy"')
    return format_html(
        '<picture>{}<img src="{}" alt="{}" width="{}" height="{}"{} decoding="async"></picture>',
        Markup(sources),
        fallback["url"],
        photo.alt_text,
        fallback["width"],
        fallback["height"],
        loading,
    )


def and_list(items) -> str:
    """["AP", "Reuters", "Al Jazeera"] → "AP, Reuters and Al Jazeera"."""
    names = [str(item) for item in items]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def safe_url(value) -> str:
    """Only links a reader may follow: a path on this site, http(s) or mailto. Forms
    validate links already; this keeps a bad value stored some other way harmless."""
    url = str(value or "").strip()
    if url.startswith("/") and not url.startswith("//"):
        return url
    return url if urlsplit(url).scheme.lower() in ("http", "https", "mailto") else ""


def timestamp(moment, fmt: str = "j F Y, H:i"):
    """<time datetime="…"> in the newsroom's time zone."""
    if not moment:
        return ""
    local = timezone.localtime(moment)
    return format_html(
        '<time datetime="{}">{}</time>', local.replace(microsecond=0).isoformat(),
        date_format(local, fmt),
    )  # fmt: skip
