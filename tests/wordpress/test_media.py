"""Attachments become photos: from a local copy of wp-content/uploads, from their URL, or,
when neither works, the story is imported without them and the gap reported."""

import http.server
import io
import threading

import pytest
from django.core.management import call_command

from articles.models import Photo
from tests.factories import jpeg_bytes
from tests.wordpress.builder import Post, write, wxr
from wordpress.media import MediaMissing, MediaSource
from wordpress.models import ImportedAttachment, ImportedPost

pytestmark = pytest.mark.django_db

METADATA = 'a:1:{s:10:"image_meta";a:2:{s:6:"credit";s:13:"AP/Jane Doe  ";s:5:"title";s:0:"";}}'


def attachment(wp_id: int, url: str, **extra) -> Post:
    return Post(
        wp_id,
        title=f"Photo {wp_id}",
        post_type="attachment",
        status="inherit",
        parent=1,
        slug=f"photo-{wp_id}",
        attachment_url=url,
        categories=[],
        **extra,
    )


def run(path, **options) -> str:
    out = io.StringIO()
    call_command(
        "import_wordpress",
        str(path),
        by="editor",
        sections="News=Politics",
        quiet=True,
        stdout=out,
        **options,
    )
    return out.getvalue()


def test_a_local_copy_of_the_uploads_gives_photos_with_caption_alt_text_and_credit(
    editor, tmp_path
):
    uploads = tmp_path / "uploads" / "2024" / "05"
    uploads.mkdir(parents=True)
    (uploads / "boat.jpg").write_bytes(jpeg_bytes((240, 160)))
    export = wxr(
        Post(1, slug="boats", thumbnail=10),
        attachment(
            10,
            "https://old.example/wp-content/uploads/2024/05/boat.jpg",
            excerpt="A boat on the Nile.",
            meta={
                "_wp_attachment_image_alt": "A felucca at dusk",
                "_wp_attachment_metadata": METADATA,
            },
        ),
        attachment(11, "https://old.example/wp-content/uploads/2024/05/gone.jpg"),
    )
    report = run(write(tmp_path, export), media_dir=str(tmp_path / "uploads"), no_fetch=True)

    article = ImportedPost.objects.get(wp_id=1).article
    photo = article.lead_photo
    assert photo is not None
    assert (photo.alt_text, photo.caption, photo.credit) == (
        "A felucca at dusk",
        "A boat on the Nile.",
        "AP/Jane Doe",
    )
    assert photo.renditions  # through the same upload path as the desk's photos
    assert Photo.objects.count() == 1  # the attachment item later in the file reuses it
    assert "Photos imported: 1." in report
    assert "Missing media (1)" in report
    assert "gone.jpg: not in" in report and "not fetched (--no-fetch)" in report
    assert ImportedAttachment.objects.get(wp_id=10).photo == photo

    # The missing file turns up: the next run imports it, and changes nothing else.
    (uploads / "gone.jpg").write_bytes(jpeg_bytes((120, 90)))
    report = run(write(tmp_path, export), media_dir=str(tmp_path / "uploads"), no_fetch=True)
    assert "Photos imported: 1." in report and "Missing media" not in report
    assert Photo.objects.count() == 2
    assert ImportedPost.objects.get(wp_id=1).article.version == article.version


class _Server(http.server.BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}

    def do_GET(self):  # noqa: N802 (the name http.server calls)
        if self.path == "/elsewhere.jpg":
            self.send_response(302)
            port = self.server.server_address[1]
            self.send_header("Location", f"http://localhost:{port}/wp-content/uploads/ok.jpg")
            self.end_headers()
            return
        data = self.files.get(self.path)
        self.send_response(200 if data else 404)
        self.send_header("Content-Type", "image/jpeg")
        self.end_headers()
        self.wfile.write(data or b"")

    def log_message(self, *args):
        pass


@pytest.fixture
def server():
    _Server.files = {"/wp-content/uploads/ok.jpg": jpeg_bytes((200, 100))}
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Server)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_photos_are_fetched_from_their_address_and_failures_reported(editor, tmp_path, server):
    export = wxr(
        Post(1, slug="fetched", thumbnail=10),
        attachment(10, f"{server}/wp-content/uploads/ok.jpg"),
        attachment(11, f"{server}/wp-content/uploads/missing.jpg"),
        attachment(12, f"{server}/elsewhere.jpg"),
    )
    report = run(write(tmp_path, export), media_timeout=2)
    assert ImportedPost.objects.get(wp_id=1).article.lead_photo.width == 200
    assert "missing.jpg answered 404" in report
    assert "elsewhere.jpg answered 302 redirected to another host (localhost)" in report
    assert Photo.objects.count() == 1


def test_a_media_source_refuses_paths_out_of_its_folder_and_oversized_files(tmp_path):
    (tmp_path / "big.jpg").write_bytes(b"x" * 2000)
    source = MediaSource(media_dir=tmp_path / "uploads", fetch=False)
    assert source.local_path("https://old.example/wp-content/uploads/../../etc/passwd") is None
    small = MediaSource(media_dir=tmp_path, fetch=False, max_bytes=1000)
    with pytest.raises(MediaMissing, match="larger than 1,000 bytes"):
        small.get("https://old.example/big.jpg")
