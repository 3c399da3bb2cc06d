"""What search engines and social networks read: meta tags and schema.org JSON-LD.

Absolute addresses come from SITE_URL, never from the request's Host header, so a cached
page cannot be poisoned with someone else's host name.
"""

import json
from dataclasses import dataclass, field

from django.conf import settings
from django.templatetags.static import static
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from articles.models import Article
from articles.renditions import og_image
from newsroom.site import absolute_url

# Like Django's json_script: nothing in the data can close the <script> element.
_JSON_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@dataclass
class Meta:
    title: str
    description: str = ""
    canonical: str = ""
    og_type: str = "website"
    image: dict | None = None
    noindex: bool = False
    extra: dict = field(default_factory=dict)


def page_meta(
    *, title: str, description: str = "", path: str = "", page: int = 1, noindex: bool = False
) -> Meta:
    """`page` is the number listing.page_number() found, never the raw query string."""
    canonical = absolute_url(path) if path else ""
    if canonical and page > 1:
        canonical = f"{canonical}?page={page}"
    return Meta(title=title, description=description, canonical=canonical, noindex=noindex)


def article_meta(article: Article) -> Meta:
    image = og_image(article.visible_lead_photo)
    description = article.standfirst or Truncator(article.body_text).words(40)
    return Meta(
        title=f"{article.headline} — {settings.SITE_NAME}",
        description=description,
        canonical=absolute_url(article.get_absolute_url()) if article.published_at else "",
        og_type="article",
        image=image,
        noindex=not article.is_visible(),
        extra={
            "published": article.published_at,
            "modified": article.updated_at or article.published_at,
            "section": article.primary_section.name if article.primary_section_id else "",
            "tags": [tag.name for tag in article.tags.all()],
        },
    )


def _iso(moment) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def publisher() -> dict:
    return {
        "@type": "NewsMediaOrganization",
        "name": settings.SITE_NAME,
        "url": settings.SITE_URL + "/",
        "logo": {
            "@type": "ImageObject",
            "url": absolute_url(static("img/logo.png")),
            "width": 600,
            "height": 60,
        },
    }


def article_jsonld(article: Article) -> SafeString:
    """schema.org NewsArticle for the article page, as a safe <script> body."""
    photo = article.visible_lead_photo
    image = og_image(photo)
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.headline[:110],
        "description": article.standfirst,
        "mainEntityOfPage": absolute_url(article.get_absolute_url())
        if article.published_at
        else "",
        "datePublished": _iso(article.published_at),
        "dateModified": _iso(article.updated_at or article.published_at),
        "author": [
            {
                "@type": "Person",
                "name": author.name,
                "url": absolute_url(author.get_absolute_url()),
                **({"jobTitle": author.job_title} if author.job_title else {}),
            }
            for author in article.byline_authors
        ],
        "publisher": publisher(),
        "articleSection": [section.name for section in article.all_sections],
        "keywords": [tag.name for tag in article.tags.all()],
        "isAccessibleForFree": True,
    }
    if image:
        data["image"] = [
            {
                "@type": "ImageObject",
                "url": image["url"],
                "width": image["width"],
                "height": image["height"],
                "caption": photo.caption or photo.alt_text,
                "creditText": photo.public_credit,
                "copyrightNotice": photo.copyright_notice,
                **({"license": photo.licence} if photo.licence else {}),
            }
        ]
    agencies = list(article.agencies.all())
    if agencies:
        data["sourceOrganization"] = [
            {"@type": "NewsMediaOrganization", "name": agency.name, **(
                {"url": agency.website} if agency.website else {})}
            for agency in agencies
        ]  # fmt: skip
    corrections = list(article.corrections.all())
    if corrections:
        data["correction"] = [
            {
                "@type": "CorrectionComment",
                "text": f"{correction.get_kind_display()}: {correction.text}",
                "datePublished": _iso(correction.created_at),
            }
            for correction in corrections
        ]
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return mark_safe(text.translate(_JSON_ESCAPES))  # noqa: S308 - <, > and & escaped
