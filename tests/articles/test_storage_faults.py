"""Storage faults on the local disk lose nothing and explain themselves.

Reproductions, without root tricks (the tests may run as root, where chmod blocks nothing,
and no tmpfs can be mounted):
- a full disk: RLIMIT_FSIZE, the kernel's own limit on the size of files this process
  writes. A write past it fails part-way with OSError (EFBIG) after the first bytes are on
  disk, exactly as ENOSPC does on a full disk, and it binds root too.
- a folder that cannot be written: MEDIA_ROOT below a plain file, so every write fails
  with OSError (NotADirectoryError) for any user, as a read-only mount would (EROFS).
"""

import contextlib
import io
import os
import resource
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import TestCase
from django.urls import reverse
from PIL import Image

from articles import photos
from articles.models import Photo
from authors.models import Author
from newsroom import storage
from tests.articles.test_photo_uploads import upload
from tests.factories import jpeg_bytes

pytestmark = pytest.mark.django_db

MESSAGE = "The photo could not be stored, nothing was saved — try again later."


@contextlib.contextmanager
def disk_full_after(size: int):
    """Files this process writes cannot grow past `size` bytes while this lasts."""
    before = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, before[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, before)


def noise_jpeg(width: int, height: int) -> bytes:
    """A photo that does not compress: its stored copy is bigger than the limit below."""
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(out, "JPEG")
    return out.getvalue()


def everything_under(folder) -> list[Path]:
    root = Path(folder)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


@pytest.fixture
def unwritable_media(settings, tmp_path):
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("not a folder")
    settings.MEDIA_ROOT = in_the_way / "media"


def test_a_full_disk_keeps_the_form_and_leaves_no_truncated_file(editor_client, settings):
    with disk_full_after(200_000):
        response = upload(editor_client, noise_jpeg(1200, 900), alt_text="Flood in the old town")
    assert response.status_code == 200
    text = response.content.decode()
    assert MESSAGE in text
    assert 'value="Flood in the old town"' in text
    assert not Photo.objects.exists()
    assert everything_under(settings.MEDIA_ROOT) == []  # no partial file, no temporary


def test_a_full_disk_midway_through_the_renditions_leaves_nothing(editor_client, settings):
    # Big enough for the small original, too small for the card crops of a wide photo:
    # the write fails after some files were complete.
    with disk_full_after(60_000):
        response = upload(editor_client, noise_jpeg(700, 300))
    assert MESSAGE in response.content.decode()
    assert not Photo.objects.exists()
    assert everything_under(settings.MEDIA_ROOT) == []


def test_an_unwritable_media_folder_keeps_the_form(editor_client, unwritable_media):
    response = upload(editor_client, jpeg_bytes((800, 600)), alt_text="Crowd at the border")
    assert response.status_code == 200
    text = response.content.decode()
    assert MESSAGE in text and 'value="Crowd at the border"' in text
    assert not Photo.objects.exists()


def test_a_new_focal_point_that_cannot_be_stored_keeps_the_photo(editor_client, settings):
    """Since issue 16 the cards of a new focal point are cut by the renditions task: the
    journalist's save goes through, the task fails to store its files (the queue runs it
    again later), and the photo keeps its old, complete renditions, with nothing stray."""
    upload(editor_client, jpeg_bytes((1200, 800)))
    photo = Photo.objects.get()
    before = dict(photo.renditions)
    change_url = reverse("admin:articles_photo_change", args=[photo.pk])
    data = {
        "alt_text": photo.alt_text, "caption": "", "credit": "", "agency": photo.agency_id,
        "rights": "agency", "licence": "", "usable_until": "", "focal_x": "0.1",
        "focal_y": "0.5",
    }  # fmt: skip
    with disk_full_after(1_000), TestCase.captureOnCommitCallbacks(execute=True):
        response = editor_client.post(change_url, data)
    assert response.status_code == 302
    photo.refresh_from_db()
    assert (photo.focal_x, photo.renditions, photo.renditions_ready) == (0.1, before, False)
    names = {
        p.relative_to(settings.MEDIA_ROOT).as_posix() for p in everything_under(settings.MEDIA_ROOT)
    }
    assert names == {photo.image.name, *(n for s in photo.renditions.values() for n in s.values())}
    assert photos.make_renditions.call(photo.pk) == "made"  # the retry, with room again
    photo.refresh_from_db()
    assert photo.renditions_ready and photo.renditions["card_jpeg"] != before["card_jpeg"]


def test_a_portrait_that_cannot_be_stored_keeps_the_form(editor_client, unwritable_media):
    response = editor_client.post(
        reverse("admin:authors_author_add"),
        {
            "name": "Leila Haddad", "slug": "", "job_title": "", "bio": "",
            "portrait": ContentFile(jpeg_bytes((500, 500)), name="portrait.jpg"),
            "links-TOTAL_FORMS": "0", "links-INITIAL_FORMS": "0",
        },
    )  # fmt: skip
    assert response.status_code == 200
    text = response.content.decode()
    assert "The portrait could not be stored, nothing was saved — try again later." in text
    assert 'value="Leila Haddad"' in text
    assert not Author.objects.exists()


def test_deleting_a_photo_deletes_its_files(
    editor_client, settings, django_capture_on_commit_callbacks
):
    upload(editor_client, jpeg_bytes((900, 600)))
    photo = Photo.objects.get()
    assert len(everything_under(settings.MEDIA_ROOT)) == 1 + sum(
        map(len, photo.renditions.values())
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            reverse("admin:articles_photo_delete", args=[photo.pk]), {"post": "yes"}
        )
    assert response.status_code == 302
    assert everything_under(settings.MEDIA_ROOT) == []


def test_the_local_storage_writes_under_a_temporary_name_and_renames(settings):
    name = default_storage.save("photos/whole.jpg", ContentFile(b"x" * 100_000))
    assert (Path(settings.MEDIA_ROOT) / name).read_bytes() == b"x" * 100_000
    assert oct((Path(settings.MEDIA_ROOT) / name).stat().st_mode & 0o777) == oct(0o644)
    with disk_full_after(50_000), pytest.raises(OSError):
        default_storage.save("photos/cut.jpg", ContentFile(b"y" * 100_000))
    assert [p.name for p in everything_under(settings.MEDIA_ROOT)] == ["whole.jpg"]


def test_check_writable_fails_on_an_unwritable_folder(unwritable_media):
    with pytest.raises(OSError):
        storage.check_writable(default_storage)


def test_deleting_photos_in_bulk_deletes_their_files(
    editor_client, settings, django_capture_on_commit_callbacks
):
    upload(editor_client, jpeg_bytes((900, 600), colour=(20, 40, 60)))
    upload(editor_client, jpeg_bytes((900, 600), colour=(220, 40, 60)), save_anyway="on")
    assert Photo.objects.count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        response = editor_client.post(
            reverse("admin:articles_photo_changelist"),
            {"action": "delete_selected", "post": "yes",
             "_selected_action": [str(pk) for pk in Photo.objects.values_list("pk", flat=True)]},
        )  # fmt: skip
    assert response.status_code == 302
    assert not Photo.objects.exists()
    assert everything_under(settings.MEDIA_ROOT) == []
