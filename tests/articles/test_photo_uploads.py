"""Photo uploads: the gate refuses what could hurt us, and what passes is cleaned."""

import io
import os
import struct
import zlib
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from PIL import Image, ImageCms

from articles.models import Photo
from newsroom import imaging
from tests.factories import jpeg_bytes, make_agency, make_article

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:articles_photo_add")


def png_claiming(width: int, height: int) -> bytes:
    """A valid-looking PNG of a few bytes whose header claims width × height pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def image_bytes(mode="RGB", size=(320, 200), fmt="PNG", **save) -> bytes:
    out = io.BytesIO()
    colour = {"RGB": (10, 120, 200), "RGBA": (10, 120, 200, 128), "CMYK": (0, 100, 200, 0),
              "L": 90, "P": 3, "I;16": 40000, "LA": (90, 128)}[mode]  # fmt: skip
    Image.new(mode, size, colour).save(out, fmt, **save)
    return out.getvalue()


def jpeg_with_gps_and_rotation() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    exif[0x010F] = "PhoneMaker"  # camera make
    gps = {1: "N", 2: (25.0, 17.0, 0.0), 3: "E", 4: (51.0, 31.0, 0.0)}
    exif[0x8825] = gps
    out = io.BytesIO()
    Image.new("RGB", (400, 200), (200, 50, 50)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def upload(client, content: bytes, name: str = "photo.jpg", **fields):
    """POST a photo to the admin; what is committed then runs as after a real commit (the
    renditions task with the immediate backend)."""
    agency = fields.pop("agency") if "agency" in fields else make_agency()
    data = {
        "image": SimpleUploadedFile(name, content, content_type="image/jpeg"),
        "alt_text": "A photo",
        "caption": "",
        "credit": "",
        "agency": agency.pk if agency else "",
        "rights": "agency",
        "licence": "",
        "usable_until": "",
        "focal_x": "0.5",
        "focal_y": "0.5",
        **fields,
    }
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(ADD_URL, data)


def stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


BAD_FILES = {
    "text named .jpg": (b"This is not a photo at all, just words.\n" * 20, "not a JPEG"),
    "svg with a script": (
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
        b"<script>alert(1)</script></svg>",
        "not a JPEG",
    ),
    "truncated jpeg": (jpeg_bytes((800, 600))[:1500], "damaged or incomplete"),
    "zero bytes": (b"", "empty"),
    "decompression bomb png": (png_claiming(50_000, 50_000), "too many pixels"),
    "pdf": (b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF", "not a JPEG"),
    "gif": (image_bytes("P", fmt="GIF"), "not a JPEG"),
    "psd-ish": (b"8BPS\x00\x01" + b"\x00" * 200, "not a JPEG"),
    "eps": (b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n", "not a JPEG"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_files_get_a_clear_message_and_nothing_is_stored(editor_client, settings, case):
    content, message = BAD_FILES[case]
    response = upload(editor_client, content)
    assert response.status_code == 200  # the form again, with the error
    assert message in response.content.decode()
    assert not Photo.objects.exists()
    assert stored_files(settings) == []


def test_a_file_over_the_size_limit_is_refused(editor_client, settings):
    settings.PHOTO_MAX_UPLOAD_MB = 1
    noise = Image.frombytes("RGB", (1000, 1000), os.urandom(3_000_000))
    out = io.BytesIO()
    noise.save(out, "JPEG", quality=100)
    big = out.getvalue()
    assert len(big) > 1024 * 1024
    response = upload(editor_client, big)
    assert "photos can be at most 1 MB" in response.content.decode()
    assert not Photo.objects.exists()


def test_pixel_cap_is_checked_before_decoding(settings):
    settings.PHOTO_MAX_MEGAPIXELS = 1
    with pytest.raises(imaging.ImageRejected, match="too many pixels"):
        imaging.prepare(SimpleUploadedFile("x.png", png_claiming(2000, 2000)))


def test_a_polyglot_is_stored_as_image_data_only(editor_client, settings):
    payload = b"<html><script>alert(document.cookie)</script></html>PK\x03\x04zipdata"
    response = upload(editor_client, jpeg_bytes((300, 200)) + payload, name="evil.jpg")
    assert response.status_code == 302
    for path in stored_files(settings):
        data = path.read_bytes()
        assert b"<script" not in data and b"PK\x03\x04" not in data, path


def test_gps_and_camera_data_are_stripped_and_the_photo_stays_upright(editor_client, settings):
    original = jpeg_with_gps_and_rotation()
    assert Image.open(io.BytesIO(original)).getexif().get(0x8825)  # the upload has GPS
    assert upload(editor_client, original).status_code == 302
    photo = Photo.objects.get()
    assert (photo.width, photo.height) == (200, 400)  # rotated upright
    files = stored_files(settings)
    assert len(files) > 1  # the original and its renditions
    for path in files:
        image = Image.open(path)
        exif = image.getexif()
        assert 0x8825 not in exif and 0x010F not in exif, path
        assert b"PhoneMaker" not in path.read_bytes()
        assert image.height >= image.width or "card" in path.name


@pytest.mark.parametrize(
    ("mode", "fmt", "expect"),
    [
        ("CMYK", "JPEG", "RGB"),
        ("I;16", "PNG", "L"),
        ("P", "PNG", "RGB"),
        ("RGBA", "PNG", "RGBA"),
        ("LA", "PNG", "RGBA"),
        ("L", "JPEG", "L"),
        ("RGBA", "WEBP", "RGBA"),
    ],
)
def test_unusual_colour_modes_come_out_right(mode, fmt, expect):
    prepared = imaging.prepare(SimpleUploadedFile("x", image_bytes(mode, fmt=fmt)))
    assert prepared.image.mode == expect
    renditions = imaging.make_renditions(prepared.image)
    jpeg = Image.open(io.BytesIO(renditions["jpeg"][320]))
    assert jpeg.mode in ("RGB", "L")
    if mode == "I;16":
        assert 150 <= jpeg.getpixel((5, 5)) <= 160  # 40000/65535 of white, not clipped


def test_transparent_palette_png_keeps_its_transparency():
    out = io.BytesIO()
    image = Image.new("P", (40, 40), 0)
    image.putpalette([255, 0, 0, 0, 0, 255] + [0] * 762)
    image.save(out, "PNG", transparency=0)
    prepared = imaging.prepare(SimpleUploadedFile("x.png", out.getvalue()))
    assert prepared.image.mode == "RGBA"
    assert prepared.image.getpixel((1, 1))[3] == 0


def test_colour_profiles_become_srgb_and_are_not_kept():
    out = io.BytesIO()
    profile = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    Image.new("RGB", (50, 50), (200, 10, 10)).save(out, "JPEG", icc_profile=profile)
    prepared = imaging.prepare(SimpleUploadedFile("x.jpg", out.getvalue()))
    stored = Image.open(io.BytesIO(prepared.content))
    assert "icc_profile" not in stored.info
    assert stored.getpixel((10, 10))[0] > 180


def test_renditions_at_the_right_sizes_never_upscaled(editor_client, settings):
    assert upload(editor_client, jpeg_bytes((2000, 1000))).status_code == 302
    photo = Photo.objects.get()
    assert sorted(map(int, photo.renditions["jpeg"])) == [480, 800, 1200, 1600]
    assert sorted(map(int, photo.renditions["webp"])) == [480, 800, 1200, 1600]
    for width, name in photo.renditions["webp"].items():
        image = Image.open(Path(settings.MEDIA_ROOT) / name)
        assert image.format == "WEBP" and image.width == int(width)
    small = imaging.make_renditions(Image.new("RGB", (600, 400)))
    assert sorted(small["jpeg"]) == [480, 600]


def test_stored_names_are_unguessable(editor_client):
    upload(editor_client, jpeg_bytes((300, 200)), name="secret-leak-photo.jpg")
    name = Photo.objects.get().image.name
    assert "secret" not in name
    assert len(Path(name).stem) == 32


def test_the_article_page_srcset_points_at_the_renditions(client, settings, editor_client):
    settings.PAGE_CACHE_SECONDS = 0
    upload(editor_client, jpeg_bytes((2000, 1000)))
    photo = Photo.objects.get()
    article = make_article("With photo", lead_photo=photo)
    html = client.get(article.get_absolute_url()).content.decode()
    for width, name in photo.renditions["webp"].items():
        assert f"/media/{name} {width}w" in html
    assert 'type="image/webp"' in html and 'sizes="' in html
    assert photo.public_credit in html


def test_srcset_follows_a_new_media_address(client, settings, editor_client):
    """Rendition URLs are memoised per process; moving media elsewhere must not keep the old."""
    settings.PAGE_CACHE_SECONDS = 0
    upload(editor_client, jpeg_bytes((1000, 600)))
    article = make_article("Moved media", lead_photo=Photo.objects.get())
    assert "/media/" in client.get(article.get_absolute_url()).content.decode()
    settings.MEDIA_URL = "https://media.example.org/"
    html = client.get(article.get_absolute_url()).content.decode()
    assert "https://media.example.org/photos/" in html and 'srcset="/media/' not in html


def test_a_near_duplicate_is_flagged_with_its_source_and_use(editor_client):
    agency = make_agency("AP", photo_credit="AP Photo")
    upload(editor_client, jpeg_bytes((600, 400), colour=(30, 80, 160)), agency=agency)
    first = Photo.objects.get()
    make_article("Uses it", lead_photo=first)
    make_article("Uses it too", lead_photo=first)
    again = jpeg_bytes((900, 600), colour=(30, 80, 160), quality=60)  # resized, recompressed
    response = upload(editor_client, again, agency=agency)
    text = response.content.decode()
    assert "This looks like a photo we already have — AP, used in 2 stories" in text
    assert reverse("admin:articles_photo_change", args=[first.pk]) in text
    assert Photo.objects.count() == 1
    confirmed = upload(editor_client, again, agency=agency, save_anyway="on")
    assert confirmed.status_code == 302
    assert Photo.objects.count() == 2


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"agency": "", "credit": "", "rights": "staff"}, "credit line or choose its agency"),
        ({"agency": "", "credit": "Jane", "rights": "agency"}, "needs its agency"),
        ({"rights": "cc", "licence": ""}, "Creative Commons licence"),
        ({"alt_text": ""}, "This field is required"),
        ({"focal_x": "7"}, "between 0 and 1"),
    ],
)
def test_credit_and_rights_rules_are_explained(editor_client, fields, message):
    response = upload(
        editor_client,
        jpeg_bytes(),
        **{k: v or None if k == "agency" else v for k, v in fields.items()},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Photo.objects.exists()


def test_lapsed_rights_show_a_placeholder_and_editors_see_the_story(
    client, editor_client, settings
):
    import datetime

    from django.utils import timezone

    from tests.factories import make_photo

    settings.PAGE_CACHE_SECONDS = 0
    photo = make_photo(
        caption="Lapsed caption", usable_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    article = make_article("Photo rights ran out", lead_photo=photo)
    html = client.get(article.get_absolute_url()).content.decode()
    assert "no longer available" in html
    assert photo.image.url not in html and "Lapsed caption" not in html
    assert "og:image" not in html
    listing = editor_client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert "show a placeholder instead of the lead photo" in listing
    assert "Photo rights ran out" in listing
