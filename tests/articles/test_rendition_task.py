"""Uploads off the request (issue 16): the request stores the cleaned original and one
fallback size; the task `articles.photos.make_renditions` makes the others. Until it has
run, every page shows the fallback; run twice it changes nothing; a photo deleted or given
another file meanwhile gets nothing stale."""

import io
import re
from pathlib import Path

import pytest
from django.test import Client, TestCase, override_settings
from django.urls import reverse
from django_tasks import default_task_backend
from PIL import Image

from articles import photos
from articles.models import Photo, Status
from newsroom import decoding
from tests.articles.test_large_uploads import roles_after_flush  # noqa: F401 - a fixture
from tests.articles.test_photo_uploads import stored_files, upload
from tests.factories import jpeg_bytes, make_article, make_photo, section

pytestmark = pytest.mark.django_db

# "Not yet made": the task is recorded, never run (django-tasks' dummy backend).
not_yet_made = override_settings(
    TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
)


@pytest.fixture
def queued():
    """The tasks enqueued while the dummy backend is in place, as (name, args)."""
    with not_yet_made:
        default_task_backend.clear()
        yield lambda: [(r.task.name, r.args) for r in default_task_backend.results]


def names_of(photo: Photo) -> set[str]:
    return {name for by_width in photo.renditions.values() for name in by_width.values()}


def on_disk(settings) -> set[str]:
    return {str(p.relative_to(settings.MEDIA_ROOT)) for p in stored_files(settings)}


def change(client, photo: Photo, **fields):
    form = {
        "alt_text": photo.alt_text, "caption": photo.caption, "credit": photo.credit,
        "agency": photo.agency_id or "", "rights": photo.rights, "licence": photo.licence,
        "usable_until": "", "focal_x": photo.focal_x, "focal_y": photo.focal_y,
        "save_anyway": "on", **fields,
    }  # fmt: skip
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("admin:articles_photo_change", args=[photo.pk]), form)


def test_an_upload_answers_with_the_original_and_a_fallback_and_enqueues_the_task(
    editor_client, settings, queued
):
    assert upload(editor_client, jpeg_bytes((3200, 1600))).status_code == 302
    photo = Photo.objects.get()
    assert queued() == [("make_renditions", [photo.pk])]
    assert not photo.renditions_ready
    assert list(photo.renditions) == ["jpeg"] and list(photo.renditions["jpeg"]) == ["800"]
    fallback = photo.renditions["jpeg"]["800"]
    assert on_disk(settings) == {photo.image.name, fallback}
    assert Image.open(Path(settings.MEDIA_ROOT) / fallback).size == (800, 400)
    # The journalist is told the sizes are being made, as a status, not an error.
    page = editor_client.get(reverse("admin:articles_photo_change", args=[photo.pk]))
    assert "Being made" in page.content.decode() and "errornote" not in page.content.decode()
    listing = editor_client.get(reverse("admin:articles_photo_changelist")).content.decode()
    assert "being made…" in listing
    photos.make_renditions.call(photo.pk)
    page = editor_client.get(reverse("admin:articles_photo_change", args=[photo.pk]))
    assert "Being made" not in page.content.decode() and "Ready." in page.content.decode()


def test_until_the_task_has_run_every_page_shows_the_fallback_never_the_original(
    editor_client, settings, queued
):
    settings.PAGE_CACHE_SECONDS = 0
    upload(editor_client, jpeg_bytes((3200, 1600)))
    photo = Photo.objects.get()
    fallback_url = f"/media/{photo.renditions['jpeg']['800']}"
    story = make_article("Pending photo", lead_photo=photo, primary_section=section("world"))
    reader = Client()
    for url in (story.get_absolute_url(), "/", "/section/world/"):
        html = reader.get(url).content.decode()
        assert f'src="{fallback_url}"' in html or f'srcset="{fallback_url} 800w"' in html, url
        assert photo.image.name not in html, url  # never the (3000-pixel) original
    article_html = reader.get(story.get_absolute_url()).content.decode()
    og_image = re.search(r'<meta property="og:image" content="([^"]+)"', article_html)
    assert og_image and og_image.group(1).endswith(fallback_url)
    assert 'width="800" height="400"' in article_html
    feed = reader.get("/feed/").content.decode()
    assert fallback_url in feed and photo.image.name not in feed

    # Once the task has run, the same pages list every size.
    assert photos.make_renditions.call(photo.pk) == "made"
    photo.refresh_from_db()
    html = reader.get(story.get_absolute_url()).content.decode()
    for width, name in photo.renditions["webp"].items():
        assert f"/media/{name} {width}w" in html
    assert photo.renditions["jpeg"]["800"] in html  # the fallback is the 800 JPEG kept


def test_a_pending_photo_of_an_unpublished_story_reaches_no_reader(editor_client, settings, queued):
    settings.PAGE_CACHE_SECONDS = 0
    upload(editor_client, jpeg_bytes((1600, 1000)))
    photo = Photo.objects.get()
    make_article("Out there", primary_section=section("world"))
    draft = make_article("Draft with photo", lead_photo=photo, status=Status.DRAFT)
    reader = Client()
    secret = [photo.image.name, *names_of(photo)]
    for url in ("/", "/section/world/", "/feed/", "/sitemap.xml", "/news-sitemap.xml",
                "/search/?q=photo", f"/2026/01/01/{draft.slug}/"):  # fmt: skip
        body = reader.get(url).content.decode()
        assert not any(name in body for name in secret), url


def test_the_task_is_idempotent(editor_client, settings, queued):
    upload(editor_client, jpeg_bytes((2000, 1000)))
    photo = Photo.objects.get()
    assert photos.make_renditions.call(photo.pk) == "made"
    photo.refresh_from_db()
    made, files = photo.renditions, on_disk(settings)
    assert photo.renditions_ready and len(names_of(photo)) == 14
    assert files == names_of(photo) | {photo.image.name}
    assert photos.make_renditions.call(photo.pk) == "already made"
    photo.refresh_from_db()
    assert photo.renditions == made and on_disk(settings) == files


def test_a_photo_deleted_before_the_task_runs_is_left_alone(editor_client, settings, queued):
    upload(editor_client, jpeg_bytes((2000, 1000)))
    photo = Photo.objects.get()
    pk = photo.pk
    photo.delete()
    before = on_disk(settings)
    assert photos.make_renditions.call(pk) == "deleted"
    assert on_disk(settings) == before


def test_a_new_file_before_the_task_ran_gets_its_own_renditions(editor_client, settings, queued):
    """Both uploads enqueued a run; whichever runs first makes the renditions of the file
    the photo has then, the other finds them made."""
    upload(editor_client, jpeg_bytes((2000, 1000), colour=(200, 10, 10)))
    photo = Photo.objects.get()
    first_image = photo.image.name
    new = {"image": _upload_file(jpeg_bytes((1000, 2000), colour=(10, 10, 200)))}
    assert change(editor_client, photo, **new).status_code == 302
    photo.refresh_from_db()
    assert photo.image.name != first_image
    assert queued() == [("make_renditions", [photo.pk])] * 2
    assert photos.make_renditions.call(photo.pk) == "made"
    assert photos.make_renditions.call(photo.pk) == "already made"
    photo.refresh_from_db()
    base = photo.image.name.rsplit(".", 1)[0]
    assert all(name.startswith(base) for name in names_of(photo))
    assert int(max(photo.renditions["jpeg"], key=int)) == 1000  # the new, portrait file
    assert on_disk(settings) == names_of(photo) | {photo.image.name}  # the old one is gone


def test_a_run_overtaken_by_a_new_file_attaches_nothing_and_leaves_nothing(
    editor_client, settings, queued, monkeypatch
):
    """A run that was making the old file's renditions when a new file was attached: it
    must not attach them (stale), and deletes what it wrote."""
    upload(editor_client, jpeg_bytes((2000, 1000), colour=(200, 10, 10)))
    photo = Photo.objects.get()
    real_run = decoding.run_when_free

    def cut_then_replace(*args):
        made = real_run(*args)
        # Meanwhile, on the desk: a new file for the same photo.
        files = photos.process(_upload_file(jpeg_bytes((900, 600), colour=(10, 200, 10))))
        photos.attach(Photo.objects.get(pk=photo.pk), files)
        return made

    monkeypatch.setattr(decoding, "run_when_free", cut_then_replace)
    assert photos.make_renditions.call(photo.pk) == "stale"
    monkeypatch.setattr(decoding, "run_when_free", real_run)
    photo.refresh_from_db()
    assert not photo.renditions_ready and list(photo.renditions) == ["jpeg"]
    assert photo.width == 900
    # Only the new file and its fallback, plus the old file and fallback that the new
    # file's commit deletes (a test's transaction never commits).
    leftovers = on_disk(settings) - names_of(photo) - {photo.image.name}
    assert len(leftovers) == 2 and all("-card" not in n and "webp" not in n for n in leftovers)
    assert photos.make_renditions.call(photo.pk) == "made"


def test_a_new_focal_point_is_cut_by_the_task_and_the_page_keeps_the_old_cards_until_then(
    editor_client, settings, queued
):
    upload(editor_client, jpeg_bytes((2000, 1000)))
    photo = Photo.objects.get()
    photos.make_renditions.call(photo.pk)
    photo.refresh_from_db()
    old = photo.renditions
    default_task_backend.clear()
    assert change(editor_client, photo, focal_x="0.1").status_code == 302
    photo.refresh_from_db()
    assert queued() == [("make_renditions", [photo.pk])]
    assert photo.focal_x == 0.1 and not photo.renditions_ready
    assert photo.renditions == old  # the old crops, all present, until the task has run
    assert all((Path(settings.MEDIA_ROOT) / n).exists() for n in names_of(photo))
    assert photos.make_renditions.call(photo.pk) == "made"
    photo.refresh_from_db()
    assert photo.renditions["jpeg"] == old["jpeg"] and photo.renditions["webp"] == old["webp"]
    assert photo.renditions["card_jpeg"] != old["card_jpeg"]


def test_a_form_saved_while_the_task_runs_does_not_put_back_the_fallback(editor_client, queued):
    """The desk's form saves what it edits, not the renditions the task has replaced."""
    upload(editor_client, jpeg_bytes((2000, 1000)))
    photo = Photo.objects.get()  # as the desk loaded it: fallback only
    photos.make_renditions.call(photo.pk)
    photos.save_details(photo)  # e.g. the caption, saved from the stale copy
    photo.refresh_from_db()
    assert photo.renditions_ready and len(names_of(photo)) == 14


def test_demo_and_factory_photos_go_the_same_way(settings):
    photo = make_photo(renditions=True, size=(1000, 700))
    assert photo.renditions_ready and len(names_of(photo)) == 10  # 3 widths, 2 card widths
    assert on_disk(settings) == names_of(photo) | {photo.image.name}


def _upload_file(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("new.jpg", content, content_type="image/jpeg")


def test_the_fallback_of_a_small_photo_is_its_own_width():
    from newsroom import imaging

    fallback = imaging.make_fallback(Image.new("RGB", (600, 400)))
    assert list(fallback) == ["jpeg"] and list(fallback["jpeg"]) == [600]
    assert Image.open(io.BytesIO(fallback["jpeg"][600])).size == (600, 400)
    assert 600 in imaging.make_renditions(Image.new("RGB", (600, 400)))["jpeg"]


def test_a_transparent_png_gets_every_size_from_its_stored_copy(editor_client, settings):
    """The task decodes the stored copy (here a PNG with alpha), not the upload."""
    out = io.BytesIO()
    Image.new("RGBA", (1300, 900), (10, 120, 200, 100)).save(out, "PNG")
    assert upload(editor_client, out.getvalue(), name="logo.png").status_code == 302
    photo = Photo.objects.get()
    assert photo.renditions_ready and photo.image.name.endswith(".png")
    root = Path(settings.MEDIA_ROOT)
    assert Image.open(root / photo.renditions["webp"]["1200"]).mode == "RGBA"
    assert Image.open(root / photo.renditions["jpeg"]["1200"]).mode == "RGB"
    assert Image.open(root / photo.renditions["card_jpeg"]["800"]).size == (800, 533)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("roles_after_flush")
def test_a_real_worker_makes_the_renditions_the_upload_queued(task_worker, client, settings):
    """The whole path with the production queue: the upload answers with the fallback and a
    queued task (written in the upload's own transaction), a `manage.py worker` process
    makes the renditions, and the page lists every size. (PostgreSQL pass only.)"""
    from django_tasks_db.models import DBTaskResult

    from tests.factories import make_user
    from tests.support import wait_until

    client.force_login(make_user("editor", "Editor"))
    assert upload(client, jpeg_bytes((2000, 1000))).status_code == 302
    photo = Photo.objects.get()
    assert not photo.renditions_ready and list(photo.renditions) == ["jpeg"]
    queued_task = DBTaskResult.objects.get(task_path="articles.photos.make_renditions")
    assert queued_task.args_kwargs["args"] == [photo.pk]

    worker = task_worker(MEDIA_ROOT=str(settings.MEDIA_ROOT))
    wait_until(
        lambda: Photo.objects.filter(pk=photo.pk, renditions_ready=True).exists(),
        timeout=60, what="the renditions", log=worker.log,
    )  # fmt: skip
    photo.refresh_from_db()
    assert len(names_of(photo)) == 14
    assert on_disk(settings) == names_of(photo) | {photo.image.name}
    finished = wait_until(
        lambda: DBTaskResult.objects.filter(pk=queued_task.pk).finished().first(),
        timeout=30, what="the task's result", log=worker.log,
    )  # fmt: skip
    assert finished.status == "SUCCESSFUL" and finished.return_value == "made"


def test_until_the_task_has_run_emails_and_the_api_show_the_fallback_never_the_original(
    editor_client, editor, settings, queued
):
    # An alert sent right after the upload: the email wants a 600-pixel image and only the
    # 800-pixel fallback exists yet; the narrowest rendition is what goes, not the original.
    from newsletter import services as newsletter
    from newsletter.models import Issue

    settings.PAGE_CACHE_SECONDS = 0
    upload(editor_client, jpeg_bytes((3200, 1600)))
    photo = Photo.objects.get()
    fallback = photo.renditions["jpeg"]["800"]
    story = make_article("Pending photo", lead_photo=photo, primary_section=section("world"))
    newsletter.start_alert(story, by=editor)
    issue = Issue.objects.get()
    for part in (issue.html, issue.text):
        assert photo.image.name not in part  # never the (3200-pixel) original
    assert fallback in issue.html
    data = Client().get(f"/api/v1/articles/{story.pk}").content.decode()
    assert fallback in data and photo.image.name not in data
