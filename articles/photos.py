"""Storing photos: the cleaned original, its renditions, and the near-duplicate check.

Files go through Django's storage API (default_storage), so moving media to object storage
is a settings change. Renditions are made here, at upload, never during a reader's request.
"""

from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count

from articles.models import Photo
from newsroom import imaging

NEAR_DUPLICATE_BITS = 8  # of 64: resized or re-compressed copies differ by a few bits


def store(photo: Photo, prepared: imaging.PreparedImage, *, by=None) -> Photo:
    """Save a new or replaced photo file with its renditions (the photo row too)."""
    old_files = _files_of(photo) if photo.pk else []
    name = photo.image.field.generate_filename(photo, f"upload.{prepared.extension}")
    # Assign the stored name, not a file: the upload itself (possibly with a payload after
    # the image, or GPS in its metadata) must never be what gets saved.
    photo.image = default_storage.save(name, ContentFile(prepared.content))
    photo.width, photo.height = prepared.width, prepared.height
    photo.perceptual_hash = prepared.perceptual_hash
    if by is not None and photo.uploaded_by_id is None:
        photo.uploaded_by = by
    photo.renditions = _save_renditions(photo, prepared.image)
    photo.save()
    # The old files go once the new ones are committed; a rollback keeps them.
    transaction.on_commit(lambda: _delete(old_files))
    return photo


def recrop(photo: Photo) -> Photo:
    """Make the renditions again from the stored original (after the focal point moved)."""
    old = [name for name in _files_of(photo) if name != photo.image.name]
    with default_storage.open(photo.image.name, "rb") as original:
        prepared = imaging.prepare(original)
    photo.renditions = _save_renditions(photo, prepared.image)
    photo.save(update_fields=["renditions"])
    transaction.on_commit(lambda: _delete(old))
    return photo


def _save_renditions(photo: Photo, image) -> dict:
    base = photo.image.name.rsplit(".", 1)[0]
    made = imaging.make_renditions(image, focal=(photo.focal_x, photo.focal_y))
    stored: dict[str, dict[str, str]] = {}
    for kind, by_width in made.items():
        extension = "webp" if kind.endswith("webp") else "jpg"
        label = "-card" if kind.startswith("card") else ""
        stored[kind] = {
            str(width): default_storage.save(
                f"{base}{label}-{width}.{extension}", ContentFile(data)
            )
            for width, data in by_width.items()
        }
    return stored


def _files_of(photo: Photo) -> list[str]:
    current = Photo.objects.filter(pk=photo.pk).values_list("image", "renditions").first()
    if current is None:
        return []
    image, renditions = current
    names = [image] if image else []
    for by_width in (renditions or {}).values():
        names += list(by_width.values())
    return names


def _delete(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)


@dataclass(frozen=True)
class Similar:
    photo: Photo
    distance: int
    uses: int


def near_duplicates(perceptual_hash: str, *, exclude_pk=None, limit: int = 5) -> list[Similar]:
    """Photos in the library that look like this one, closest first, with how many
    stories use each."""
    if not perceptual_hash:
        return []
    candidates = Photo.objects.exclude(perceptual_hash="")
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)
    close = {}
    for pk, other in candidates.values_list("pk", "perceptual_hash").iterator():
        distance = imaging.hash_distance(perceptual_hash, other)
        if distance <= NEAR_DUPLICATE_BITS:
            close[pk] = distance
    if not close:
        return []
    photos = (
        Photo.objects.filter(pk__in=close)
        .select_related("agency")
        .annotate(uses=Count("lead_articles"))
    )
    found = [Similar(photo, close[photo.pk], photo.uses) for photo in photos]
    return sorted(found, key=lambda s: (s.distance, -s.uses))[:limit]
