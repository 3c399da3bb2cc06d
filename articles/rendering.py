"""Small pieces of markup the readers' pages share, built in Python (they are rendered
dozens of times per page), and the formatting helpers Jinja2 exposes to templates."""

from functools import lru_cache

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import timezone
from django.utils.dateformat import format as date_format
from markupsafe import Markup, escape

from articles import renditions
from newsroom import links

DEFAULT_SIZES = "(min-width: 60rem) 60rem, 100vw"


def render_picture(photo, sizes: str = DEFAULT_SIZES, *, eager: bool = False, card: bool = False):
    """A responsive <picture>: WebP and JPEG renditions, width and height so nothing jumps,
    lazy loading unless `eager` (the first photo on a page). `card` uses the 3:2 crops made
    around the photo's focal point. Built with f-strings and escape() rather than
    format_html: a list page draws twenty of these."""
    prefix = "card_" if card and photo.renditions.get("card_jpeg") else ""
    fallback = renditions.best(photo, max_width=800, fmt=f"{prefix}jpeg")
    sizes = escape(sizes)
    sources = "".join(
        f'<source type="image/{kind}" srcset="{escape(srcset)}" sizes="{sizes}">'
        for kind, srcset in (
            ("webp", renditions.srcset(photo, f"{prefix}webp")),
            ("jpeg", renditions.srcset(photo, f"{prefix}jpeg")),
        )
        if srcset
    )
    loading = ' fetchpriority="high"' if eager else ' loading="lazy"'
    return Markup(
        f'<picture>{sources}<img src="{escape(fallback["url"])}" alt="{escape(photo.alt_text)}"'
        f' width="{int(fallback["width"])}" height="{int(fallback["height"])}"{loading}'
        ' decoding="async"></picture>'
    )


def and_list(items) -> str:
    """["AP", "Reuters", "Al Jazeera"] → "AP, Reuters and Al Jazeera"."""
    names = [str(item) for item in items]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def safe_url(value) -> str:
    """Only links a reader may follow: a path on this site, http(s) or mailto, as the
    browser will read it (newsroom/links.py). Forms validate links already; this keeps a
    bad value stored some other way harmless."""
    link = links.parse(value or "")
    return link.href if link is not None and link.kind in _SHOWN else ""


_SHOWN = {links.Kind.SITE, links.Kind.WEB, links.Kind.MAILTO}


def timestamp(moment, fmt: str = "j F Y, H:i"):
    """<time datetime="…"> in the newsroom's time zone."""
    if not moment:
        return ""
    return _timestamp(moment, fmt)


@lru_cache(maxsize=16384)
def _timestamp(moment, fmt: str) -> Markup:
    # Remembered: every card prints its date, and Django's date formatting is slow. A
    # moment's text depends only on the time zone setting, which clears the memo.
    local = timezone.localtime(moment)
    return Markup('<time datetime="{}">{}</time>').format(
        local.replace(microsecond=0).isoformat(), date_format(local, fmt)
    )


@receiver(setting_changed)
def _forget_times(*, setting, **kwargs):
    if setting in {"TIME_ZONE", "USE_TZ"}:
        _timestamp.cache_clear()
