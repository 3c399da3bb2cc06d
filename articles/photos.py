"""Storing photos: the cleaned original, its renditions, and the near-duplicate check.

Files go through Django's storage API (default_storage), so moving media to object storage
is a settings change. Renditions are never made during a reader's request.

An upload is handled in two steps (issue 16):

1. The request (`process`, before the database transaction): the upload gate
   (newsroom/imaging.py), which decodes the file at reduced size — the decode is what
   proves a file is sound, a truncated JPEG fails only there — and writes the cleaned
   original and one fallback rendition (an 800-pixel JPEG) under a new random name. A short
   transaction then points the row at them (`attach`), marks its renditions as not ready
   and, once committed, enqueues the task.
2. The task (`make_renditions`): the other renditions, from the stored original, in
   `manage.py worker` (or in the request itself after the commit, with the immediate
   backend).

Until the task has run, `Photo.renditions` lists the fallback alone, so every page and feed
shows that instead of a broken or full-size image. A new focal point goes the same way:
the row is saved with its renditions not ready, and the task cuts the cards again.

Whatever goes wrong in between, the row never points at a file that does not exist: files
nobody uses are removed (`discard`), and the old files go only once the new ones are
committed. The task is idempotent and attaches nothing stale: it writes under new names,
then, with the row locked, checks that the photo still has the file, focal point and
renditions it started from, and otherwise deletes what it wrote.
"""

import logging
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count
from django_tasks import task

from articles.models import Photo
from newsroom import decoding, imaging, storage
from newsroom.background import enqueue_after_commit

logger = logging.getLogger(__name__)

NEAR_DUPLICATE_BITS = 8  # of 64: resized or re-compressed copies differ by a few bits


@dataclass(frozen=True)
class NewFiles:
    """Files an upload wrote before its row is saved: the cleaned original and the
    fallback rendition."""

    image: str
    renditions: dict[str, dict[str, str]]
    width: int
    height: int
    perceptual_hash: str

    @property
    def names(self) -> list[str]:
        return [self.image, *_names_in(self.renditions)]


def process(upload) -> NewFiles:
    """Check an upload, clean it and write it with its fallback rendition, on the decoding
    thread (newsroom/decoding.py). Call it outside any transaction; raises
    imaging.ImageRejected or storage.NotStored, and leaves no file behind when it fails."""
    opened = imaging.inspect(upload)  # a refusal from the header needs no decoding thread
    return decoding.run(_decode_and_write, opened)


def _decode_and_write(opened) -> NewFiles:
    return write(imaging.clean(opened))


def write(prepared: imaging.PreparedImage) -> NewFiles:
    """Write a prepared image and its fallback rendition under a new random name."""
    name = Photo._meta.get_field("image").generate_filename(None, f"upload.{prepared.extension}")
    written: list[str] = []
    with _all_or_nothing(written):
        # The stored bytes are the re-encoded image, never the upload itself (which might
        # carry a payload after the image, or GPS in its metadata).
        written.append(default_storage.save(name, ContentFile(prepared.content)))
        renditions = _save_renditions(written[0], imaging.make_fallback(prepared.image), written)
    return NewFiles(
        image=written[0],
        renditions=renditions,
        width=prepared.width,
        height=prepared.height,
        perceptual_hash=prepared.perceptual_hash,
    )


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
    """Point the photo row at files written by `process` and save it; the files it pointed
    at before are deleted once this is committed (a rollback keeps them), and the task
    that makes the other renditions is queued with it."""
    with transaction.atomic():
        old_files = _files_of(photo) if photo.pk else []
        photo.image = files.image
        photo.width, photo.height = files.width, files.height
        photo.perceptual_hash = files.perceptual_hash
        if by is not None and photo.uploaded_by_id is None:
            photo.uploaded_by = by
        photo.renditions = files.renditions
        photo.renditions_ready = False
        photo.save()
        transaction.on_commit(lambda: _delete(old_files))
        enqueue_after_commit(make_renditions, photo.pk)
    return photo


def save_details(photo: Photo, *, focal_moved: bool = False) -> Photo:
    """Save what the desk edits on a photo (alt text, credit, rights, focal point…), never
    its file or renditions: those belong to `attach` and the task, and a form saved while
    the task runs must not put back what it replaced. A moved focal point sends the card
    crops to be cut again."""
    fields = [
        f.name
        for f in Photo._meta.concrete_fields
        if f.editable and not f.primary_key and f.name != "image"
    ]
    with transaction.atomic():
        if focal_moved:
            photo.renditions_ready = False
            fields.append("renditions_ready")
        photo.save(update_fields=fields)
        if focal_moved:
            enqueue_after_commit(make_renditions, photo.pk)
    return photo


def is_used(files: NewFiles) -> bool:
    """Whether a saved photo row points at these files (read in the caller's transaction)."""
    return Photo.objects.filter(image=files.image).exists()


def discard(files: NewFiles) -> None:
    """Delete files no row points at (the form was refused, or the save rolled back)."""
    _delete(files.names)


def store(photo: Photo, prepared: imaging.PreparedImage, *, by=None) -> Photo:
    """Write and attach a prepared photo in one go (demo content and tests; the admin
    writes the files before its transaction, see PhotoAdmin.changeform_view)."""
    files = write(prepared)
    try:
        return attach(photo, files, by=by)
    except BaseException:
        discard(files)
        raise


# --- the task -------------------------------------------------------------------------


@task()
def make_renditions(photo_id: int) -> str:
    """Make a photo's renditions from its stored original, after an upload or a new focal
    point, and attach them. Run twice, the second run finds them made; a photo deleted or
    given another file or focal point meanwhile gets nothing from this run (the change
    enqueued a run of its own). Returns what it did, for the task's result."""
    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is None:
        return "deleted"
    if photo.renditions_ready:
        return "already made"
    started_from = _state(photo)
    # Decoding and writing happen outside any transaction (on SQLite a transaction holds
    # the only write lock), on the process's decoding thread (one image at a time).
    renditions = decoding.run_when_free(
        _cut, photo.image.name, (photo.focal_x, photo.focal_y), photo.renditions
    )
    written = [name for name in _names_in(renditions) if name not in _names_in(photo.renditions)]
    try:
        with transaction.atomic():
            current = Photo.objects.select_for_update().filter(pk=photo_id).first()
            stale = current is None or _state(current) != started_from
            if not stale:
                replaced = [
                    n for n in _names_in(current.renditions) if n not in _names_in(renditions)
                ]
                current.renditions = renditions
                current.renditions_ready = True
                # save(), not update(): the page cache hears of it (a post_save receiver).
                current.save(update_fields=["renditions", "renditions_ready"])
                transaction.on_commit(lambda: _delete(replaced))
    except BaseException:
        _delete(written)
        raise
    if stale:
        _delete(written)  # no row points at them
        return "stale"
    return "made"


def _state(photo: Photo) -> tuple:
    """What a run of the task starts from, and must find unchanged to attach its work."""
    return (
        photo.image.name,
        photo.focal_x,
        photo.focal_y,
        photo.renditions,
        photo.renditions_ready,
    )


def _cut(original: str, focal: tuple[float, float], have: dict) -> dict:
    """Every rendition of a stored original: the plain ones it already has are kept (they
    depend on the file alone), the others and the card crops are made and written."""
    kept = {kind: dict(by_width) for kind, by_width in have.items() if kind in ("jpeg", "webp")}
    with default_storage.open(original, "rb") as stored:
        image = imaging.open_stored(stored)
    made = imaging.make_renditions(
        image,
        focal=focal,
        have=frozenset((kind, int(w)) for kind, by_width in kept.items() for w in by_width),
    )
    written: list[str] = []
    with _all_or_nothing(written):
        new = _save_renditions(original, made, written)
    for kind, by_width in kept.items():
        new.setdefault(kind, {}).update(by_width)
    return new


def _save_renditions(original: str, made: dict, written: list[str]) -> dict:
    """Write renditions beside `original`, adding each stored name to `written`."""
    base = original.rsplit(".", 1)[0]
    stored: dict[str, dict[str, str]] = {}
    for kind, by_width in made.items():
        extension = "webp" if kind.endswith("webp") else "jpg"
        label = "-card" if kind.startswith("card") else ""
        for width, data in by_width.items():
            name = default_storage.save(f"{base}{label}-{width}.{extension}", ContentFile(data))
            written.append(name)
            stored.setdefault(kind, {})[str(width)] = name
    return stored


def _names_in(renditions: dict) -> list[str]:
    return [name for by_width in (renditions or {}).values() for name in by_width.values()]


def _files_of(photo: Photo) -> list[str]:
    current = (
        Photo.objects.select_for_update()
        .filter(pk=photo.pk)
        .values_list("image", "renditions")
        .first()
    )
    if current is None:
        return []
    image, renditions = current
    return ([image] if image else []) + _names_in(renditions)


def delete_files(photo: Photo) -> None:
    """Delete a deleted photo's files once the deletion is committed (a rollback keeps
    them); a storage fault then is logged, never the deletion's failure."""
    names = ([photo.image.name] if photo.image else []) + _names_in(photo.renditions)
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
