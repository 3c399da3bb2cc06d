"""Storing photos: the cleaned original, its renditions, and the near-duplicate check.

Files go through Django's storage API (default_storage), so moving media to object storage
is a settings change. Renditions are made here, at upload, never during a reader's request.

Decoding a big photo and making its renditions takes seconds, so it happens *before* the
database transaction that saves the photo (`process`, `recut`): the files are written
under a new random name first, then a short transaction points the row at them
(`attach`). Whatever goes wrong in between, the row never points at a file that does not
exist: files nobody uses are removed (`discard`), and the old files go only once the new
ones are committed.
"""

import logging
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count

from articles.models import Photo
from newsroom import decoding, imaging, storage

logger = logging.getLogger(__name__)

NEAR_DUPLICATE_BITS = 8  # of 64: resized or re-compressed copies differ by a few bits


@dataclass(frozen=True)
class NewFiles:
    """Files written for a photo before its row is saved: a new original and its
    renditions, or (after a focal point moved) new renditions of the stored original."""

    renditions: dict[str, dict[str, str]]
    focal: tuple[float, float]
    image: str = ""  # "" when only the renditions are new
    width: int = 0
    height: int = 0
    perceptual_hash: str = ""
    photo_pk: int | None = field(default=None, compare=False)

    @property
    def names(self) -> list[str]:
        names = [self.image] if self.image else []
        for by_width in self.renditions.values():
            names += list(by_width.values())
        return names


def process(upload, *, focal: tuple[float, float] = (0.5, 0.5)) -> NewFiles:
    """Decode an upload, make its renditions and write them all, on the decoding thread
    (newsroom/decoding.py). Call it outside any transaction; raises imaging.ImageRejected
    or storage.NotStored, and leaves no file behind when it fails."""
    opened = imaging.inspect(upload)  # a refusal from the header needs no decoding thread
    return decoding.run(_decode_and_write, opened, focal)


def _decode_and_write(opened, focal: tuple[float, float]) -> NewFiles:
    return write(imaging.clean(opened), focal=focal)


def write(prepared: imaging.PreparedImage, *, focal: tuple[float, float]) -> NewFiles:
    """Write a prepared image and its renditions under a new random name."""
    name = Photo._meta.get_field("image").generate_filename(None, f"upload.{prepared.extension}")
    written: list[str] = []
    with _all_or_nothing(written):
        # The stored bytes are the re-encoded image, never the upload itself (which might
        # carry a payload after the image, or GPS in its metadata).
        written.append(default_storage.save(name, ContentFile(prepared.content)))
        renditions = _save_renditions(written[0], prepared.image, focal, written)
    return NewFiles(
        renditions=renditions,
        focal=focal,
        image=written[0],
        width=prepared.width,
        height=prepared.height,
        perceptual_hash=prepared.perceptual_hash,
    )


def recut(photo: Photo, *, focal: tuple[float, float]) -> NewFiles:
    """New renditions of a stored photo around another focal point (outside any
    transaction, like `process`; raises storage.NotStored)."""
    renditions = decoding.run(_cut, photo.image.name, focal)
    return NewFiles(renditions=renditions, focal=focal, photo_pk=photo.pk)


def _cut(original: str, focal: tuple[float, float]) -> dict:
    written: list[str] = []
    with _all_or_nothing(written):
        with default_storage.open(original, "rb") as stored:
            prepared = imaging.prepare(stored)
        return _save_renditions(original, prepared.image, focal, written)


@contextmanager
def _all_or_nothing(written: list[str]):
    """Delete the files written so far if anything fails; a storage fault becomes the
    journalist's NotStored (its cause logged for us)."""
    try:
        yield
    except BaseException as failure:
        _delete(written)
        if isinstance(failure, storage.FAULTS):
            logger.error("Media storage failed while writing a photo: %r", failure)
            raise storage.NotStored() from failure
        raise


def attach(photo: Photo, files: NewFiles, *, by=None) -> Photo:
    """Point the photo row at files written by `process` or `recut` and save it; the
    files it pointed at before are deleted once this is committed (a rollback keeps
    them)."""
    old_files = _files_of(photo) if photo.pk else []
    if files.image:
        photo.image = files.image
        photo.width, photo.height = files.width, files.height
        photo.perceptual_hash = files.perceptual_hash
        if by is not None and photo.uploaded_by_id is None:
            photo.uploaded_by = by
    else:
        old_files = [name for name in old_files if name != photo.image.name]
    photo.renditions = files.renditions
    photo.save()
    transaction.on_commit(lambda: _delete(old_files))
    return photo


def is_used(files: NewFiles) -> bool:
    """Whether a saved photo row points at these files (read in the caller's transaction)."""
    if files.image:
        return Photo.objects.filter(image=files.image).exists()
    stored = Photo.objects.filter(pk=files.photo_pk).values_list("renditions", flat=True)
    return files.renditions in list(stored)


def discard(files: NewFiles) -> None:
    """Delete files no row points at (the form was refused, or the save rolled back)."""
    _delete(files.names)


def store(photo: Photo, prepared: imaging.PreparedImage, *, by=None) -> Photo:
    """Write and attach a prepared photo in one go (demo content and tests; the admin
    writes the files before its transaction, see PhotoAdmin.changeform_view)."""
    return _attach_or_discard(photo, write(prepared, focal=(photo.focal_x, photo.focal_y)), by=by)


def recrop(photo: Photo) -> Photo:
    """Make the renditions again from the stored original (after the focal point moved)."""
    return _attach_or_discard(photo, recut(photo, focal=(photo.focal_x, photo.focal_y)))


def _attach_or_discard(photo: Photo, files: NewFiles, *, by=None) -> Photo:
    try:
        return attach(photo, files, by=by)
    except BaseException:
        discard(files)
        raise


def _save_renditions(original: str, image, focal, written: list[str]) -> dict:
    """Write the renditions beside `original`, adding each stored name to `written`."""
    base = original.rsplit(".", 1)[0]
    made = imaging.make_renditions(image, focal=focal)
    stored: dict[str, dict[str, str]] = {}
    for kind, by_width in made.items():
        extension = "webp" if kind.endswith("webp") else "jpg"
        label = "-card" if kind.startswith("card") else ""
        stored[kind] = {}
        for width, data in by_width.items():
            name = default_storage.save(f"{base}{label}-{width}.{extension}", ContentFile(data))
            written.append(name)
            stored[kind][str(width)] = name
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


def delete_files(photo: Photo) -> None:
    """Delete a deleted photo's files once the deletion is committed (a rollback keeps
    them); a storage fault then is logged, never the deletion's failure."""
    names = ([photo.image.name] if photo.image else []) + [
        name for by_width in (photo.renditions or {}).values() for name in by_width.values()
    ]
    transaction.on_commit(lambda: _delete(names))


def _delete(names: list[str]) -> None:
    # Runs after a commit or while another error is on its way: a file left behind is
    # harmless (and logged), an exception here would hide what happened.
    storage.delete_quietly(default_storage, names)


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
