"""Readable, unique slugs from headlines and names in any script."""

import unicodedata

from django.db import models
from django.utils.text import slugify

MAX_LENGTH = 120


def readable_slug(text: str, *, max_length: int = MAX_LENGTH) -> str:
    """Latin accents are folded (“Café” → “cafe”); other scripts stay as they are
    (Arabic, Cyrillic…), so a reader of that language can read the address."""
    folded = []
    for char in unicodedata.normalize("NFC", text):
        base = unicodedata.normalize("NFKD", char)[0]
        folded.append(base if base.isascii() else char)
    slug = slugify("".join(folded), allow_unicode=True)
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug.strip("-")


def unique_slug(
    model: type[models.Model],
    text: str,
    *,
    field: str = "slug",
    exclude_pk=None,
    fallback: str = "item",
    max_length: int = MAX_LENGTH,
) -> str:
    """The readable slug of `text`, with -2, -3… appended when it is taken."""
    base = readable_slug(text, max_length=max_length) or fallback
    taken = model._default_manager.filter(**{f"{field}__startswith": base})
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    taken_slugs = set(taken.values_list(field, flat=True))
    if base not in taken_slugs:
        return base
    number = 2
    while f"{base}-{number}" in taken_slugs:
        number += 1
    return f"{base}-{number}"
