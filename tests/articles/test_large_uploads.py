"""Large uploads (issue 14, item 13): decoded outside the database transaction, at a
reduced size where Pillow can, refused when they would need too much memory, and never
half-saved."""

import io
import json
import os
import subprocess
import sys
from importlib import import_module
from pathlib import Path

import pytest
from django.apps import apps
from django.core.files.storage import FileSystemStorage, default_storage
from django.db import connection
from django.urls import reverse
from PIL import Image, ImageFile

from articles import photos
from articles.models import Photo
from newsroom import decoding, imaging
from tests.articles.test_photo_uploads import png_claiming, stored_files, upload
from tests.factories import jpeg_bytes, make_user

ROOT = Path(__file__).resolve().parents[2]
MEMORY_CEILING_MB = 250

# Runs in a fresh interpreter, so that its peak resident memory is the photo's and
# Django's alone: what the upload request does (the gate, the cleaned original, the
# fallback), then what the task does (every other rendition from the stored copy). One
# process doing both peaks at least as high as either of the two processes would.
MEASURE = """
import io, json, sys
import django
django.setup()
from django.core.files import File
from newsroom import imaging
step, path, stored_path = sys.argv[1:4]
if step == "request":
    with open(path, "rb") as handle:
        prepared = imaging.prepare(File(handle, name="upload"))
    fallback = imaging.make_fallback(prepared.image)
    with open(stored_path, "wb") as out:
        out.write(prepared.content)
    result = {"size": [prepared.width, prepared.height],
              "renditions": sum(len(by_width) for by_width in fallback.values()),
              "fallback": sorted(fallback["jpeg"])}
else:
    with open(stored_path, "rb") as handle:
        image = imaging.open_stored(io.BytesIO(handle.read()))
    have = frozenset(("jpeg", width) for width in json.loads(sys.argv[4]))
    renditions = imaging.make_renditions(image, have=have)
    result = {"renditions": sum(len(by_width) for by_width in renditions.values())}
status = open("/proc/self/status").read().split("VmHWM:")[1].split()[0]
result["peak_mb"] = int(status) / 1024
print(json.dumps(result))
"""
# VmHWM, the high-water mark of this process's memory since it started: getrusage's
# maxrss would include the test process's own peak, which Linux carries over on exec.
# The upload request and the renditions task run in different processes (a web worker, a
# task worker: issue 16), so each is measured in a process of its own, as deployed.


def photo_like(size: tuple[int, int], noise: int = 12) -> Image.Image:
    """Gradients with a little noise: compresses like a photo, within the upload limit."""
    gradient = Image.linear_gradient("L").resize(size)
    noise = Image.effect_noise(size, noise) if noise else gradient
    return Image.merge("RGB", (gradient, noise, gradient.transpose(Image.Transpose.ROTATE_180)))


def peak_memory_of_processing(path: Path) -> dict:
    """The upload request's part, then the renditions task's part, each in a fresh process:
    the size kept, the renditions made by both, and the larger of the two peaks."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "newsroom.settings", "ENV_FILE": ""}
    for name in ("PHOTO_MAX_UPLOAD_MB", "PHOTO_MAX_MEGAPIXELS", "PHOTO_DECODE_MEMORY_MB"):
        env.pop(name, None)  # the defaults, as deployed
    stored = path.with_name(path.name + ".stored")

    def run(*args: str) -> dict:
        result = subprocess.run(
            [sys.executable, "-c", MEASURE, *args],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-2000:]
        return json.loads(result.stdout)

    request = run("request", str(path), str(stored))
    task = run("task", str(path), str(stored), json.dumps(request["fallback"]))
    return {
        "size": request["size"],
        "renditions": request["renditions"] + task["renditions"],
        "peak_mb": max(request["peak_mb"], task["peak_mb"]),
        "request_mb": request["peak_mb"],
        "task_mb": task["peak_mb"],
    }


def test_a_49_megapixel_jpeg_is_processed_in_under_250_mb(tmp_path):
    """The largest accepted JPEG (the pixel cap is 50 MP) is decoded at a reduced size."""
    path = tmp_path / "7000x7000.jpg"
    photo_like((7000, 7000)).save(path, "JPEG", quality=85)
    assert path.stat().st_size < 25 * 1024 * 1024
    measured = peak_memory_of_processing(path)
    assert measured["peak_mb"] < MEMORY_CEILING_MB, measured
    assert measured["renditions"] == 14
    assert max(measured["size"]) <= 3200  # what is kept: see the test below


def test_the_largest_png_accepted_is_processed_in_under_250_mb(tmp_path, settings):
    """A PNG cannot be decoded at a reduced size: the largest one the memory budget lets
    through (RGB, 4 bytes a pixel in Pillow) stays under the ceiling too."""
    pixels = settings.PHOTO_DECODE_MEMORY_MB * 1024 * 1024 // 4
    width = 7000
    height = pixels // width
    path = tmp_path / "largest.png"
    photo_like((width, height), noise=0).save(path, "PNG")
    assert path.stat().st_size < 25 * 1024 * 1024
    measured = peak_memory_of_processing(path)
    assert measured["renditions"] == 14
    assert measured["peak_mb"] < MEMORY_CEILING_MB, measured


def test_the_largest_webp_accepted_is_processed_in_under_250_mb(tmp_path, settings):
    """libwebp holds a canvas of its own and hands Pillow a copy: 12 bytes a pixel."""
    pixels = settings.PHOTO_DECODE_MEMORY_MB * 1024 * 1024 // 12
    width = 3700
    path = tmp_path / "largest.webp"
    photo_like((width, pixels // width)).save(path, "WEBP", quality=80)
    measured = peak_memory_of_processing(path)
    assert measured["peak_mb"] < MEMORY_CEILING_MB, measured
    assert measured["renditions"] == 14


def png_of(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 120, 200)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.django_db
def test_a_png_too_large_to_open_is_refused_with_a_clear_message(
    editor_client, settings, monkeypatch
):
    """The audit's file: a 7000 × 7000 PNG of 207 kB, under the pixel cap, but 187 MB to
    decode. Refused from its header, before any decoding (it never even waits for the
    decoding thread), and nothing is stored."""
    from newsroom import decoding

    monkeypatch.setattr(decoding, "run", lambda *args: pytest.fail("sent to be decoded"))
    content = png_of((7000, 7000))
    assert len(content) < 1024 * 1024
    response = upload(editor_client, content, name="huge.png")
    assert response.status_code == 200
    text = response.content.decode()
    assert "This image is too large to process: a 7,000 × 7,000 PNG would need 187 MB" in text
    assert "Please upload a smaller version (at most 28 megapixels)" in text
    assert not Photo.objects.exists()
    assert stored_files(settings) == []


def webp_of(size: tuple[int, int], **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 120, 200)).save(out, "WEBP", **save)
    return out.getvalue()


@pytest.mark.parametrize("save", [{"lossless": True}, {"quality": 80}, {"exif": b"Exif\0\0"}])
def test_webp_sizes_are_read_from_the_header_of_each_kind(save):
    """libwebp allocates its canvas as soon as the file is opened: we read the size first
    from the lossless, lossy and extended headers."""
    assert imaging.webp_size(webp_of((3001, 1999), **save)[:30]) == (3001, 1999)


def test_a_webp_too_large_to_open_is_refused_before_it_is_opened():
    content = webp_of((6000, 3000), quality=50)
    with pytest.raises(imaging.ImageRejected, match="would need 206 MB of memory to open"):
        imaging.prepare(io.BytesIO(content))


def test_a_progressive_jpeg_is_refused_when_its_coefficients_would_not_fit(tmp_path):
    """libjpeg keeps every coefficient of a progressive JPEG however small it decodes."""
    out = io.BytesIO()
    Image.new("RGB", (7000, 7000), (90, 20, 20)).save(out, "JPEG", progressive=True)
    with pytest.raises(imaging.ImageRejected, match="progressive JPEG would need"):
        imaging.prepare(io.BytesIO(out.getvalue()))
    out = io.BytesIO()
    Image.new("RGB", (7000, 7000), (90, 20, 20)).save(out, "JPEG")  # baseline: accepted
    assert imaging.prepare(io.BytesIO(out.getvalue())).width == 2334


def test_what_is_kept_of_a_big_photo_is_at_most_3200_pixels_and_upright():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    out = io.BytesIO()
    Image.new("RGB", (8000, 2000), (10, 200, 10)).save(out, "JPEG", exif=exif.tobytes())
    prepared = imaging.prepare(io.BytesIO(out.getvalue()))
    assert (prepared.width, prepared.height) == (667, 2667)
    assert Image.open(io.BytesIO(prepared.content)).size == (667, 2667)


@pytest.fixture
def roles_after_flush(transactional_db):
    """What the data migrations create, back after a transactional test's flush."""
    import_module("articles.migrations.0002_sections_and_roles").seed(apps)


@pytest.mark.django_db(transaction=True)
def test_decoding_and_renditions_happen_outside_the_database_transaction(
    client, roles_after_flush, monkeypatch
):
    """On SQLite a transaction holds the only write lock from its first statement: a
    decode inside the admin's transaction made every sign-in wait (issue 14). The request
    decodes before its transaction; the task (here the immediate backend, after the real
    commit) decodes and makes the renditions outside one too."""
    seen: dict[str, list[bool]] = {
        "process": [], "load": [], "make_fallback": [], "make_renditions": [],
        "run_when_free": [], "save": [],
    }  # fmt: skip

    def spy(owner, name):
        real = getattr(owner, name)

        def recording(*args, **kwargs):
            seen[name].append(connection.in_atomic_block)
            return real(*args, **kwargs)

        monkeypatch.setattr(owner, name, recording)

    # The request's thread waits for the decoding thread in process(), the task's in
    # run_when_free(): neither may hold a transaction (a lock) while it waits.
    spy(photos, "process")
    spy(decoding, "run_when_free")
    spy(ImageFile.ImageFile, "load")  # Pillow's decode, wherever it is called from
    spy(imaging, "make_fallback")
    spy(imaging, "make_renditions")
    spy(Photo, "save")  # the row is saved in the admin's transaction, then the task's
    client.force_login(make_user("editor", "Editor"))
    response = upload(client, jpeg_bytes((2000, 1000)))
    assert response.status_code == 302
    photo = Photo.objects.get()
    # In a transaction or not, for each: [False] = only outside, [True] = only inside.
    assert _states(seen) == {
        "process": [False], "load": [False], "make_fallback": [False],
        "make_renditions": [False], "run_when_free": [False], "save": [True],
    }  # fmt: skip
    assert len(seen["save"]) == 2  # the admin's, then the task's
    assert photo.renditions_ready and len(_names(photo)) == 1 + 14
    assert all(default_storage.exists(name) for name in _names(photo))

    # A new focal point: the request decodes nothing; the task cuts the cards again,
    # outside the transaction, and keeps the plain renditions (they do not depend on it).
    for values in seen.values():
        values.clear()
    change = reverse("admin:articles_photo_change", args=[photo.pk])
    form = {
        "alt_text": photo.alt_text, "caption": "", "credit": "", "agency": photo.agency_id,
        "rights": "agency", "licence": "", "usable_until": "", "focal_x": "0.2",
        "focal_y": "0.5", "save_anyway": "",
    }  # fmt: skip
    old = photo.renditions
    assert client.post(change, form).status_code == 302
    photo.refresh_from_db()
    assert _states(seen) == {
        "process": [], "load": [False], "make_fallback": [], "make_renditions": [False],
        "run_when_free": [False], "save": [True],
    }  # fmt: skip
    assert photo.focal_x == 0.2 and photo.renditions_ready
    assert {k: photo.renditions[k] for k in ("jpeg", "webp")} == {
        k: old[k] for k in ("jpeg", "webp")
    }
    assert set(photo.renditions["card_jpeg"].values()).isdisjoint(old["card_jpeg"].values())
    assert all(default_storage.exists(name) for name in _names(photo))
    old_cards = [n for k in ("card_jpeg", "card_webp") for n in old[k].values()]
    assert not any(default_storage.exists(name) for name in old_cards)


def _states(seen: dict[str, list[bool]]) -> dict[str, list[bool]]:
    return {name: sorted(set(values)) for name, values in seen.items()}


def _names(photo: Photo) -> list[str]:
    return [photo.image.name] + [n for sizes in photo.renditions.values() for n in sizes.values()]


class FailingStorage(FileSystemStorage):
    """A disk that fills up after a few files."""

    saved = 0
    room_for = 1

    def _save(self, name, content):
        FailingStorage.saved += 1
        if FailingStorage.saved > FailingStorage.room_for:
            raise OSError(28, "No space left on device")
        return super()._save(name, content)


@pytest.mark.django_db
def test_a_failure_while_writing_the_files_leaves_no_row_and_no_file(settings, editor_client):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.articles.test_large_uploads.FailingStorage"},
    }
    FailingStorage.saved, FailingStorage.room_for = 0, 1  # the original, not the fallback
    response = upload(editor_client, jpeg_bytes((2000, 1000)))
    assert response.status_code == 200  # the form again, not a 500 (issue 16)
    assert "The photo could not be stored, nothing was saved" in response.content.decode()
    assert FailingStorage.saved == 2
    assert not Photo.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.django_db
def test_a_failure_while_making_the_renditions_leaves_the_fallback_and_no_stray_file(
    settings, editor_client
):
    """The request wrote the original and the fallback; the task fails on its third file.
    The journalist got their photo saved, readers get the fallback, and nothing the task
    wrote is left behind (the queue records the failure; a retry can run it again)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "tests.articles.test_large_uploads.FailingStorage"},
    }
    FailingStorage.saved, FailingStorage.room_for = 0, 3
    assert upload(editor_client, jpeg_bytes((2000, 1000))).status_code == 302
    photo = Photo.objects.get()
    assert not photo.renditions_ready
    assert photo.renditions == {"jpeg": {"800": photo.renditions["jpeg"]["800"]}}
    on_disk = sorted(str(p.relative_to(settings.MEDIA_ROOT)) for p in stored_files(settings))
    assert on_disk == sorted([photo.image.name, photo.renditions["jpeg"]["800"]])
    FailingStorage.room_for = 100
    assert photos.make_renditions.call(photo.pk) == "made"  # a retry
    photo.refresh_from_db()
    assert photo.renditions_ready and len(_names(photo)) == 1 + 14


@pytest.mark.django_db
def test_a_refused_form_leaves_no_file_behind(settings, editor_client):
    """The files are written before the form is validated; a form refused for another
    reason (no credit) must not leave them on disk."""
    response = upload(editor_client, jpeg_bytes((2000, 1000)), agency=None, rights="staff")
    assert response.status_code == 200
    assert "credit line or choose its agency" in response.content.decode()
    assert not Photo.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.django_db
def test_a_damaged_file_leaves_no_row_and_no_file(settings, editor_client):
    response = upload(editor_client, jpeg_bytes((3000, 2000))[:5000])
    assert "damaged or incomplete" in response.content.decode()
    assert not Photo.objects.exists()
    assert stored_files(settings) == []


@pytest.mark.django_db
def test_nothing_is_decoded_for_someone_who_may_not_add_photos(client, monkeypatch, settings):
    """Permissions are checked before any decoding: a refused POST costs nothing."""
    decoded = []
    monkeypatch.setattr(photos, "process", lambda *args, **kwargs: decoded.append(args))
    client.force_login(make_user("visitor", None))  # staff, but no role
    response = upload(client, jpeg_bytes((2000, 1000)))
    assert response.status_code == 403
    assert decoded == []
    assert stored_files(settings) == []


def test_pixel_cap_still_comes_first():
    with pytest.raises(imaging.ImageRejected, match="too many pixels"):
        imaging.prepare(io.BytesIO(png_claiming(60_000, 60_000)))


def test_photos_are_decoded_one_at_a_time_on_a_low_priority_thread():
    """A sign-in or a page gets the CPU before the photos, and a worker keeps a thread for
    everyone else: past WAITING_LIMIT waiting uploads, the next is asked to try again."""
    import threading

    from newsroom import decoding

    release, running = threading.Event(), threading.Semaphore(0)
    seen = []

    def slow():
        seen.append((threading.get_native_id(), os.getpriority(os.PRIO_PROCESS, 0)))
        running.release()
        release.wait(10)
        return "decoded"

    waiting = [
        threading.Thread(target=lambda: seen.append(decoding.run(slow)))
        for _ in range(decoding.WAITING_LIMIT)
    ]
    for thread in waiting:
        thread.start()
    assert running.acquire(timeout=10)  # the first has started; the others queue
    with pytest.raises(imaging.ImageRejected, match="Many photos are being processed"):
        decoding.run(slow)
    release.set()
    for thread in waiting:
        thread.join(10)
    threads_and_priorities = [item for item in seen if item != "decoded"]
    assert seen.count("decoded") == decoding.WAITING_LIMIT
    assert len({thread for thread, _ in threads_and_priorities}) == 1  # one thread
    assert {priority for _, priority in threads_and_priorities} == {decoding.NICENESS}
    assert decoding.run(lambda: 42) == 42  # free again
