"""Image handling with Pillow: the gate every upload passes, and the renditions readers get.

The gate (`prepare`: `inspect` reads the header, `clean` decodes):
  * size limits first (empty, over PHOTO_MAX_UPLOAD_MB);
  * only our decoders (JPEG, PNG, WebP) may open the file, so none of Pillow's ~70 other
    formats (EPS, PDF, PSD, FITS…) is ever parsed;
  * the pixel count from the header is checked against PHOTO_MAX_MEGAPIXELS *before*
    decoding, so a tiny file claiming 50,000 × 50,000 pixels costs nothing;
  * the memory the decode needs is worked out from the header too, and a file that would
    need more than PHOTO_DECODE_MEMORY_MB is refused before decoding (`_decode_bytes`);
  * the image is decoded once, no larger than what we keep (STORED_MAX_SIDE): JPEGs at
    1/2, 1/4 or 1/8 scale inside libjpeg (`Image.draft`), other formats in full and then
    reduced at once. A truncated file fails here. It is turned upright (EXIF orientation),
    converted to sRGB and 8-bit, and re-encoded without any metadata. What we store — the
    kept copy of the original included — is only image data: no GPS, no camera serial
    numbers, nothing appended after the image (polyglots lose their payload).

Uploads are decoded on one low-priority thread per process (newsroom/decoding.py).

Renditions (`make_renditions`): JPEG and WebP at a few widths, never upscaled, each made
by reducing the previous (larger) one, so the full-size image is resampled only once. An
upload makes one of them at once (`make_fallback`), a task the others (articles/photos.py).
"""

import io
import math
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

FORMATS = ("JPEG", "PNG", "WEBP")
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
RENDITION_WIDTHS = (1600, 1200, 800, 480)
JPEG_QUALITY = 85
WEBP_QUALITY = 80
ORIGINAL_JPEG_QUALITY = 90
_SRGB = ImageCms.createProfile("sRGB")
CARD_WIDTHS = (1200, 800, 480)
# The rendition an upload makes before it answers (`make_fallback`): what pages show until
# the task has made the others. Wide enough for a story's page on a phone and for cards.
FALLBACK_WIDTH = 800
CARD_RATIO = 3 / 2
# The copy of the original we keep is at most this many pixels on its long side: twice the
# widest rendition, enough to make every rendition again (a new focal point) and to show in
# the admin. Decoding no larger than this is what keeps a 50-megapixel JPEG cheap.
STORED_MAX_SIDE = 3200
# Bytes a pixel costs while a file is opened at full size, by the mode its header gives:
# Pillow holds RGB as 4 bytes; a palette, 1-bit or 16-bit image is converted to 8 bits
# (a second copy) before it can be reduced; libwebp holds its own canvas and hands Pillow
# a copy of it, so a WebP costs three times its pixels.
_OPEN_BYTES = {"1": 2, "L": 1, "P": 5, "I": 5, "F": 5}
_OPEN_BYTES_16_BIT = 7
_OPEN_BYTES_DEFAULT = 4
_WEBP_FACTOR = 3


class ImageRejected(ValidationError):
    """The upload is not an image we accept; the message says why, for a journalist."""


@dataclass
class PreparedImage:
    content: bytes  # the re-encoded original
    format: str  # "JPEG", "PNG" or "WEBP"
    width: int
    height: int
    image: Image.Image = field(repr=False)  # decoded, upright, sRGB, 8-bit
    perceptual_hash: str = ""

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.format]

    def square_jpeg(self, size: int) -> bytes:
        """A centred square crop, at most size × size, as JPEG (for portraits)."""
        side = min(self.image.size)
        left = (self.image.width - side) // 2
        top = (self.image.height - side) // 2
        square = self.image.crop((left, top, left + side, top + side))
        return encode(_shrink(square, min(size, side)), "JPEG")


def _pixel_cap() -> int:
    return int(settings.PHOTO_MAX_MEGAPIXELS * 1_000_000)


def prepare(upload) -> PreparedImage:
    """Validate and clean an uploaded file; raise ImageRejected with a clear message."""
    return clean(inspect(upload))


def inspect(upload) -> Image.Image:
    """Every check the file's header allows, before any decoding: the opened image, not
    yet decoded. Cheap, so an upload refused here never waits for the decoding thread."""
    max_bytes = settings.PHOTO_MAX_UPLOAD_MB * 1024 * 1024
    size = getattr(upload, "size", None)
    if size == 0:
        raise ImageRejected("The file is empty. Choose the photo again.", code="empty")
    if size is not None and size > max_bytes:
        raise ImageRejected(
            f"The file is {size / 1024 / 1024:.0f} MB; photos can be at most "
            f"{settings.PHOTO_MAX_UPLOAD_MB} MB. Export a smaller JPEG and try again.",
            code="too_big",
        )
    upload.seek(0)
    _refuse_large_webp(upload)
    # Pillow's own bomb check (an error at twice this) stays on behind ours.
    Image.MAX_IMAGE_PIXELS = _pixel_cap()
    try:
        image = Image.open(upload, formats=FORMATS)
    except Image.DecompressionBombError:
        raise _too_many_pixels() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ImageRejected(
            "This file is not a JPEG, PNG or WebP photo (or it is damaged). Other formats, "
            "including SVG, PDF and PSD, are not accepted.",
            code="not_an_image",
        ) from None
    width, height = image.size
    if width * height > _pixel_cap() or width <= 0 or height <= 0:
        raise _too_many_pixels(width, height)
    if _decode_bytes(image) > _memory_budget():
        raise _too_large_to_open(image)
    return image


def clean(image: Image.Image) -> PreparedImage:
    """Decode an image `inspect` opened (at reduced size), upright, sRGB, 8-bit, and
    re-encode it without metadata."""
    source_format = image.format
    width, height = image.size
    try:
        image = _decode(image)  # the one decode; a truncated file fails here
    except Image.DecompressionBombError:
        raise _too_many_pixels(width, height) from None
    except (OSError, SyntaxError, ValueError):
        raise ImageRejected(
            "The photo file is damaged or incomplete (perhaps the upload was cut off). "
            "Export it again and retry.",
            code="truncated",
        ) from None
    image = normalise(image)
    out_format = source_format if source_format in FORMATS else "JPEG"
    if out_format == "JPEG" and image.mode not in ("RGB", "L"):
        image = _flatten(image)
    content = encode(image, out_format, original=True)
    return PreparedImage(
        content=content,
        format=out_format,
        width=image.width,
        height=image.height,
        image=image,
        perceptual_hash=difference_hash(image),
    )


def open_stored(file) -> Image.Image:
    """Decode a copy `clean` made (stored: at most STORED_MAX_SIDE, upright, sRGB, 8-bit,
    no metadata), for making its renditions; the header checks still come first."""
    image = inspect(file)
    image.load()
    return image


def _memory_budget() -> int:
    return settings.PHOTO_DECODE_MEMORY_MB * 1024 * 1024


def stored_size(width: int, height: int) -> tuple[int, int]:
    """The size kept of a width × height original: reduced by the smallest whole factor
    that brings its long side within STORED_MAX_SIDE."""
    factor = math.ceil(max(width, height) / STORED_MAX_SIDE)
    return math.ceil(width / factor), math.ceil(height / factor)


def _decode_bytes(image: Image.Image) -> int:
    """How much memory decoding this opened (not yet decoded) file takes."""
    width, height = image.size
    if image.format == "JPEG":
        # libjpeg scales while decoding, so the pixels cost only the drafted size…
        scale = _jpeg_draft_scale(width, height)
        pixels = math.ceil(width / scale) * math.ceil(height / scale)
        needed = pixels * (1 if image.mode == "L" else _OPEN_BYTES_DEFAULT)
        if image.info.get("progressive"):
            # …but a progressive JPEG keeps every DCT coefficient of the full image
            # (2 bytes each, 64 per 8 × 8 block of each colour component) until the last
            # scan has arrived.
            needed += _coefficient_bytes(image)
        return needed
    per_pixel = _OPEN_BYTES.get(image.mode, _OPEN_BYTES_DEFAULT)
    if image.mode.startswith("I;16"):
        per_pixel = _OPEN_BYTES_16_BIT
    if image.format == "WEBP":
        per_pixel = _OPEN_BYTES_DEFAULT * _WEBP_FACTOR
    return width * height * per_pixel


def _jpeg_draft_scale(width: int, height: int) -> int:
    """The 1/1, 1/2, 1/4 or 1/8 that Image.draft picks for the size we keep."""
    target_w, target_h = stored_size(width, height)
    ratio = min(width // target_w, height // target_h)
    return next(scale for scale in (8, 4, 2, 1) if ratio >= scale)


def _coefficient_bytes(image: Image.Image) -> int:
    # image.layer: (component id, horizontal sampling, vertical sampling, table) each.
    layers = getattr(image, "layer", None) or [("", 1, 1, 0)] * len(image.getbands())
    h_max = max(layer[1] for layer in layers)
    v_max = max(layer[2] for layer in layers)
    blocks = 0
    for _, h_sampling, v_sampling, _ in layers:
        columns = math.ceil(math.ceil(image.width * h_sampling / h_max) / 8)
        rows = math.ceil(math.ceil(image.height * v_sampling / v_max) / 8)
        blocks += columns * rows
    return blocks * 64 * 2


def _too_large_to_open(image: Image.Image) -> ImageRejected:
    width, height = image.size
    needed = _decode_bytes(image)
    most = int(_memory_budget() / (needed / (width * height)) / 1_000_000)
    most = min(most, settings.PHOTO_MAX_MEGAPIXELS)
    kind = "progressive JPEG" if image.info.get("progressive") else image.format
    return ImageRejected(
        f"This image is too large to process: a {width:,} × {height:,} {kind} would need "
        f"{needed / 1024 / 1024:.0f} MB of memory to open. Please upload a smaller version "
        f"(at most {most} megapixels), or save it as a standard (baseline) JPEG, which we "
        "can open at a reduced size.",
        code="too_large_to_open",
    )


def _refuse_large_webp(upload) -> None:
    """libwebp allocates the whole canvas when the file is opened, before any check of
    ours could run: read the size from the header first."""
    head = upload.read(30)
    upload.seek(0)
    size = webp_size(head)
    if size is None:
        return
    width, height = size
    if width * height > _pixel_cap():
        raise _too_many_pixels(width, height)
    needed = width * height * _OPEN_BYTES_DEFAULT * _WEBP_FACTOR
    if needed > _memory_budget():
        most = int(_memory_budget() / (_OPEN_BYTES_DEFAULT * _WEBP_FACTOR) / 1_000_000)
        raise ImageRejected(
            f"This image is too large to process: a {width:,} × {height:,} WebP would need "
            f"{needed / 1024 / 1024:.0f} MB of memory to open. Please upload a smaller "
            f"version (at most {most} megapixels), or a JPEG.",
            code="too_large_to_open",
        )


def webp_size(head: bytes) -> tuple[int, int] | None:
    """(width, height) from the first 30 bytes of a WebP file, or None if it is not one.
    The three kinds of WebP keep their size in three places (RFC 9649)."""
    if len(head) < 30 or head[:4] != b"RIFF" or head[8:12] != b"WEBP":
        return None
    kind = head[12:16]
    if kind == b"VP8 ":  # lossy: 14 bits each after the frame's start code
        width = int.from_bytes(head[26:28], "little") & 0x3FFF
        height = int.from_bytes(head[28:30], "little") & 0x3FFF
    elif kind == b"VP8L":  # lossless: 14 bits each (minus one) after the signature byte
        bits = int.from_bytes(head[21:25], "little")
        width, height = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    elif kind == b"VP8X":  # extended: the canvas, 24 bits each (minus one)
        width = int.from_bytes(head[24:27], "little") + 1
        height = int.from_bytes(head[27:30], "little") + 1
    else:
        return None
    return width, height


def _decode(image: Image.Image) -> Image.Image:
    """Decode no larger than the size we keep, releasing every larger copy at once."""
    target = stored_size(*image.size)
    if image.format == "JPEG" and target != image.size:
        image.draft(None, target)  # libjpeg decodes at 1/2, 1/4 or 1/8, still ≥ target
    image.load()
    image = _release_for(image, _eight_bit(image))
    if image.size == target:
        return image
    factor = min(image.width // target[0], image.height // target[1])
    if factor >= 2:
        image = _release_for(image, image.reduce(factor))
    return _release_for(image, image.resize(target, Image.Resampling.BILINEAR))


def _release_for(old: Image.Image, new: Image.Image) -> Image.Image:
    """`new`, after freeing `old`'s pixels: the caller's references to the opened file
    would otherwise keep the full-size image alive until the upload is done."""
    if new is not old:
        old.close()
    return new


def _eight_bit(image: Image.Image) -> Image.Image:
    """A mode Image.reduce() and our encoders take: 8 bits per channel."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit greyscale: scale to 8 bits rather than clip.
        return image.point(lambda value: value / 256).convert("L")
    if image.mode == "F":
        return image.convert("L")
    if image.mode == "P":
        return image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode == "1":
        return image.convert("L")
    return image


def _too_many_pixels(width: int | None = None, height: int | None = None) -> ImageRejected:
    detail = f" ({width:,} × {height:,})" if width and height else ""
    return ImageRejected(
        f"The photo has too many pixels{detail}: the limit is "
        f"{settings.PHOTO_MAX_MEGAPIXELS} megapixels. Resize it and try again.",
        code="too_many_pixels",
    )


def normalise(image: Image.Image) -> Image.Image:
    """Upright, sRGB, 8 bits per channel; alpha kept where there is any."""
    icc = image.info.get("icc_profile")
    ImageOps.exif_transpose(image, in_place=True)
    image = _eight_bit(image)
    if image.mode == "LA" or image.mode == "PA":
        image = image.convert("RGBA")
    elif image.mode not in ("RGB", "RGBA", "L", "CMYK"):
        image = image.convert("RGBA" if "A" in image.mode else "RGB")
    if icc:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            output_mode = "RGBA" if image.mode == "RGBA" else "RGB"
            if image.mode == "L":
                output_mode = "RGB"
            if image.mode == output_mode:
                # In place: a second full-size copy would double the memory needed.
                ImageCms.profileToProfile(image, source, _SRGB, inPlace=True)
            else:
                image = ImageCms.profileToProfile(image, source, _SRGB, outputMode=output_mode)
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: keep the pixels as they are
    if image.mode == "CMYK":
        image = image.convert("RGB")
    image.info = {}  # nothing from the upload's metadata travels further
    return image


def _flatten(image: Image.Image) -> Image.Image:
    """Put transparent images on white for formats without alpha (JPEG)."""
    if image.mode in ("RGB", "L"):
        return image
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def encode(image: Image.Image, fmt: str, *, original: bool = False) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        quality = ORIGINAL_JPEG_QUALITY if original else JPEG_QUALITY
        _flatten(image).save(out, "JPEG", quality=quality, optimize=not original)
    elif fmt == "WEBP":
        # method=1: a third of the default's time for files a few per cent larger, which
        # keeps a 24-megapixel upload under a second (bench/photos.py).
        image.save(out, "WEBP", quality=WEBP_QUALITY, method=1)
    else:
        image.save(out, "PNG", optimize=False, compress_level=6)
    return out.getvalue()


def rendition_widths(width: int) -> list[int]:
    """The plain renditions' widths for an image this wide, largest first: each of
    RENDITION_WIDTHS below it, and its own width when that is not above the widest."""
    widths = {w for w in RENDITION_WIDTHS if w < width}
    if width <= RENDITION_WIDTHS[0]:
        widths.add(width)
    return sorted(widths, reverse=True)


def make_fallback(image: Image.Image) -> dict[str, dict[int, bytes]]:
    """The one rendition an upload makes at once, so pages have a small image to show until
    the others exist: the JPEG at FALLBACK_WIDTH (or the image's own width when smaller),
    one of the plain renditions `make_renditions` makes, in its format."""
    width = max(w for w in rendition_widths(image.width) if w <= FALLBACK_WIDTH)
    return {"jpeg": {width: encode(_shrink(image, width), "JPEG")}}


def make_renditions(
    image: Image.Image, focal=(0.5, 0.5), *, have: frozenset[tuple[str, int]] = frozenset()
) -> dict[str, dict[int, bytes]]:
    """JPEG and WebP at each width up to the image's own (never upscaled), plus 3:2 crops
    around the focal point for story cards:
    {"jpeg": {1600: bytes, …}, "webp": {…}, "card_jpeg": {800: …}, "card_webp": {…}}.
    Plain renditions in `have` ((kind, width) pairs already stored) are not encoded again;
    the cards always are (they depend on the focal point)."""
    widths = rendition_widths(image.width)
    result: dict[str, dict[int, bytes]] = {"jpeg": {}, "webp": {}, "card_jpeg": {}, "card_webp": {}}
    current = largest = image
    for width in widths:
        current = _shrink(current, width)
        if width == widths[0]:
            largest = current
        for kind, fmt in (("jpeg", "JPEG"), ("webp", "WEBP")):
            if (kind, width) not in have:
                result[kind][width] = encode(current, fmt)
    # The cards are cropped from the largest rendition, not from the full-size image.
    card = _crop_to_ratio(largest, focal)
    for width in CARD_WIDTHS:
        if width > card.width:
            continue
        card = _shrink(card, width)
        result["card_jpeg"][width] = encode(card, "JPEG")
        result["card_webp"][width] = encode(card, "WEBP")
    return result


def _shrink(image: Image.Image, width: int) -> Image.Image:
    if width >= image.width:
        return image
    factor = image.width // width
    if factor >= 2:
        # A fast box reduction by a whole factor first: the big image is read once,
        # cheaply, and never resampled with a wide filter.
        image = image.reduce(factor)
    height = max(1, round(image.height * width / image.width))
    # Pillow's filters are antialiased at any scale; bilinear is enough for the last
    # step down from at most twice the size, and bicubic is kept for small images.
    big = image.width * image.height > 2_000_000
    resample = Image.Resampling.BILINEAR if big else Image.Resampling.BICUBIC
    return image.resize((width, height), resample)


def _crop_to_ratio(image: Image.Image, focal) -> Image.Image:
    """The largest 3:2 window that keeps the focal point as central as the edges allow."""
    width, height = image.size
    if width / height > CARD_RATIO:
        crop_w, crop_h = round(height * CARD_RATIO), height
    else:
        crop_w, crop_h = width, round(width / CARD_RATIO)
    left = min(max(0, round(focal[0] * width - crop_w / 2)), width - crop_w)
    top = min(max(0, round(focal[1] * height - crop_h / 2)), height - crop_h)
    return image.crop((left, top, left + crop_w, top + crop_h))


def difference_hash(image: Image.Image) -> str:
    """A 64-bit perceptual hash (dHash) as 16 hex digits: near-identical pictures, even
    resized or re-compressed, differ in only a few bits."""
    small = image.resize((9, 8), Image.Resampling.BOX, reducing_gap=2.0).convert("L")
    pixels = small.tobytes()  # one byte per pixel, row by row
    bits = 0
    for row in range(8):
        for column in range(8):
            left = pixels[row * 9 + column]
            right = pixels[row * 9 + column + 1]
            bits = (bits << 1) | (left > right)
    return f"{bits:016x}"


def hash_distance(first: str, second: str) -> int:
    return (int(first, 16) ^ int(second, 16)).bit_count()
