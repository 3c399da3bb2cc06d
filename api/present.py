"""What the API says about each thing readers may see: plain dicts built from the objects
the readers' reads made (articles/cards.py, articles/detail.py), so the API shows exactly
what the pages show (the photo whose rights lapsed is left out, the credit is the one
`public_credit`, the body is the sanitised HTML the page prints)."""

from django.utils.translation import gettext as _

from articles import renditions
from articles.models import Article, Photo
from newsroom.site import absolute_url

API_ROOT = "/api/v1"


def api_url(path: str) -> str:
    return absolute_url(f"{API_ROOT}{path}")


def section(section, *, primary_id: int | None = None) -> dict:
    found = {
        "slug": section.slug,
        "name": section.name,
        "url": absolute_url(section.get_absolute_url()),
    }
    if primary_id is not None:
        found["is_primary"] = section.pk == primary_id
    return found


def section_with_description(section_) -> dict:
    return {**section(section_), "description": section_.description}


def author_summary(author) -> dict:
    return {
        "slug": author.slug,
        "name": author.name,
        "profile_url": absolute_url(author.get_absolute_url()),
        "api_url": api_url(f"/authors/{author.slug}"),
    }


def author(author_) -> dict:
    return {
        **author_summary(author_),
        "job_title": author_.job_title,
        "bio": author_.bio,
        "portrait_url": absolute_url(author_.portrait.url) if author_.portrait else None,
    }


def tag(tag_) -> dict:
    return {
        "slug": tag_.slug,
        "name": tag_.name,
        "url": absolute_url(f"/tags/{tag_.slug}/"),
        "api_url": api_url(f"/tags/{tag_.slug}"),
    }


def photo_renditions(photo: Photo) -> list[dict]:
    """Every rendition, JPEG and WebP, full frame and the 3:2 card crops."""
    found = []
    for fmt in ("jpeg", "webp", "card_jpeg", "card_webp"):
        media_type = "image/webp" if fmt.endswith("webp") else "image/jpeg"
        crop = "card" if fmt.startswith("card_") else "full"
        for width, url in renditions.sized(photo, fmt):
            if crop == "card":
                height = round(width / 1.5)
            else:
                height = round(photo.height * width / photo.width) if photo.width else 0
            found.append({"url": absolute_url(url), "media_type": media_type, "crop": crop,
                          "width": width, "height": height})  # fmt: skip
    if not found and photo.image:
        found.append({"url": absolute_url(photo.image.url), "media_type": "image/jpeg",
                      "crop": "full", "width": photo.width, "height": photo.height})  # fmt: skip
    return found


def photo(photo_: Photo | None) -> dict | None:
    if photo_ is None:
        return None
    return {
        "alt_text": photo_.alt_text,
        "caption": photo_.caption,
        "credit": photo_.public_credit,
        "rights": photo_.rights,
        "rights_label": _(photo_.get_rights_display()),
        "licence": photo_.licence,
        "copyright_notice": photo_.copyright_notice,
        "width": photo_.width,
        "height": photo_.height,
        "renditions": photo_renditions(photo_),
    }


def article_summary(article: Article) -> dict:
    """A story card: what a list shows (articles/cards.py read it)."""
    primary = article.primary_section
    return {
        "id": article.pk,
        "url": absolute_url(article.get_absolute_url()),
        "api_url": api_url(f"/articles/{article.pk}"),
        "headline": article.headline,
        "standfirst": article.standfirst,
        "published_at": article.published_at,
        "updated_at": article.updated_at or article.published_at,
        "primary_section": section(primary) if primary else None,
        "bylines": [author_summary(person) for person in article.byline_authors],
        "lead_photo": photo(article.visible_lead_photo),
    }


def article(article_: Article) -> dict:
    """The whole story, as its page shows it (articles/detail.py read it)."""
    corrections = list(article_.corrections.all())
    return {
        **article_summary(article_),
        "ninjs_url": api_url(f"/articles/{article_.pk}/ninjs"),
        "body": article_.body,
        "first_published_at": article_.first_published_at,
        "sections": [
            section(s, primary_id=article_.primary_section_id) for s in article_.all_sections
        ],
        "agencies": [
            {"name": agency.name, "website": agency.website} for agency in article_.agencies.all()
        ],
        "tags": [tag(t) for t in article_.tags.all()],
        "corrections": [
            {"kind": c.kind, "text": c.text, "created_at": c.created_at} for c in corrections
        ],
        "version": 1 + len(corrections),
    }


def correction(note) -> dict:
    story = note.article
    return {
        "id": note.pk,
        "kind": note.kind,
        "text": note.text,
        "created_at": note.created_at,
        "article": {
            "id": story.pk,
            "headline": story.headline,
            "url": absolute_url(story.get_absolute_url()),
            "api_url": api_url(f"/articles/{story.pk}"),
        },
    }
