"""Published stories as IPTC ninjs 2.1 ("News in JSON"), for partners and wire intakes.

Validated in tests against the IPTC's own schema (../shared/fixtures/ninjs/schemas/). Why
2.1 and not 3.x: 2.1 is what agencies publish today (the IPTC's examples are 2.1) and what
intakes read; 3.x renames every property (camelCase) and few feeds use it yet
(docs/decisions.md).

How our story maps onto ninjs:
  uri              the story's API address (stable: an id, not the slug)
  version          1, plus one per correction: a correction makes a new version
  firstcreated     first publication; versioncreated: the last edit or correction
  headlines        the headline (role "main")
  descriptions     the standfirst (role "summary"), each correction (role "correction")
  bodies           the sanitised HTML body (role "main", text/html)
  by, people       the bylines, in order (people: rel "author", with profile addresses)
  subjects         sections (rel "primarysection", "section") then tags (rel "tag")
  infosources      the agencies of "With input from" (role "contributor")
  associations     the lead photo: renditions, caption and alt text, the credit line as a
                   description of role "creditline" (the way AP does), copyrightholder and
                   usageterms from its rights
"""

import datetime

from django.conf import settings
from django.utils import timezone

from api import present
from articles.models import Article, Photo
from articles.rendering import and_list
from newsroom.site import absolute_url

MEDIA_TYPE = "application/vnd.iptc.ninjs+json"
SCHEMA_URL = "http://www.iptc.org/std/ninjs/ninjs-schema_2.1.json"
STANDARD = {"name": "ninjs", "version": "2.1", "schema": SCHEMA_URL}


def _iso(moment) -> str:
    return timezone.localtime(moment).isoformat()


def language() -> str:
    """BCP 47, as ninjs wants it: en-gb → en-GB."""
    head, _, tail = settings.LANGUAGE_CODE.partition("-")
    return f"{head}-{tail.upper()}" if tail else head


def version_created(article: Article, corrections: list) -> object:
    moments = [article.updated_at or article.published_at, article.published_at]
    moments += [note.created_at for note in corrections]
    return max(moment for moment in moments if moment is not None)


def usage_terms(photo: Photo) -> str:
    terms = photo.get_rights_display()
    return f"{terms}: {photo.licence}" if photo.licence else terms


def picture(photo: Photo) -> dict:
    descriptions = [{"role": "creditline", "value": photo.public_credit.removeprefix("Source: ")}]
    if photo.caption:
        descriptions.append({"role": "caption", "value": photo.caption})
    descriptions.append({"role": "alternative", "value": photo.alt_text})
    found = {
        "name": "leadphoto",
        "uri": absolute_url(photo.image.url),
        "type": "picture",
        "representationtype": "partial",
        "descriptions": descriptions,
        "copyrightholder": photo.copyright_notice or photo.public_credit,
        "usageterms": usage_terms(photo),
        "renditions": [
            {
                "name": f"{item['crop']}-{item['media_type'].split('/')[1]}-{item['width']}",
                "href": item["url"],
                "contenttype": item["media_type"],
                "width": item["width"],
                "height": item["height"],
            }
            for item in present.photo_renditions(photo)
        ],
    }
    if photo.usable_until is not None:
        # Readers see it through the last day it may be used (Photo.rights_lapsed).
        last_moment = datetime.datetime.combine(photo.usable_until, datetime.time.max)
        found["expires"] = _iso(timezone.make_aware(last_moment))
    return found


def item(article: Article) -> dict:
    """One published story (read by articles/detail.py) as a ninjs 2.1 object."""
    corrections = list(article.corrections.all())
    authors = article.byline_authors
    descriptions = []
    if article.standfirst:
        descriptions.append({"role": "summary", "value": article.standfirst})
    for note in corrections:
        descriptions.append(
            {
                "role": "correction",
                "value": f"{note.get_kind_display()} ({_iso(note.created_at)}): {note.text}",
            }  # noqa: E501
        )
    found = {
        "standard": STANDARD,
        "uri": present.api_url(f"/articles/{article.pk}"),
        "type": "text",
        "representationtype": "full",
        "version": str(1 + len(corrections)),
        "firstcreated": _iso(article.first_published_at or article.published_at),
        "versioncreated": _iso(version_created(article, corrections)),
        "pubstatus": "usable",
        "language": language(),
        "slugline": article.slug,
        "headlines": [{"role": "main", "value": article.headline}],
        "bodies": [
            {
                "role": "main",
                "contenttype": "text/html",
                "value": article.body,
                "charcount": len(article.body_text),
                "wordcount": len(article.body_text.split()),
            }
        ],
        "copyrightholder": settings.SITE_NAME,
        "subjects": [
            {
                "name": section.name,
                "rel": "primarysection" if section.pk == article.primary_section_id else "section",
                "uri": absolute_url(section.get_absolute_url()),
                "literal": section.slug,
            }
            for section in article.all_sections
        ]
        + [
            {
                "name": tag.name,
                "rel": "tag",
                "uri": absolute_url(f"/tags/{tag.slug}/"),
                "literal": tag.slug,
            }  # fmt: skip
            for tag in article.tags.all()
        ],
        "altids": [{"role": "canonicalurl", "value": absolute_url(article.get_absolute_url())}],
    }
    if descriptions:
        found["descriptions"] = descriptions
    if authors:
        found["by"] = and_list(person.name for person in authors)
        found["people"] = [
            {
                "name": person.name,
                "rel": "author",
                "literal": person.slug,
                "uri": absolute_url(person.get_absolute_url()),
            }  # fmt: skip
            for person in authors
        ]
    agencies = list(article.agencies.all())
    if agencies:
        found["infosources"] = [
            {
                "name": agency.name,
                "role": "contributor",
                **({"uri": agency.website} if agency.website else {}),
            }  # fmt: skip
            for agency in agencies
        ]
    photo = article.visible_lead_photo
    if photo is not None:
        found["associations"] = [picture(photo)]
    return found
