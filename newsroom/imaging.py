"""Image handling with Pillow: the gate every upload passes, and the renditions readers get.

The gate (`prepare`):
  * size limits first (empty, over PHOTO_MAX_UPLOAD_MB);
  * only our decoders (JPEG, PNG, WebP) may open the file, so none of Pillow's ~70 other
    formats (EPS, PDF, PSD, FITS…) is ever parsed;
  * the pixel count from the header is checked against PHOTO_MAX_MEGAPIXELS *before*
    decoding, so a tiny file claiming 50,000 × 50,000 pixels costs nothing;
  * the image is decoded fully once (a truncated file fails here), turned upright (EXIF
    orientation), converted to sRGB and 8-bit, and re-encoded without any metadata. What
    we store — the original included — is only image data: no GPS, no camera serial
    numbers, nothing appended after the image (polyglots lose their payload).

Renditions (`make_renditions`): JPEG and WebP at a few widths, never upscaled, each made
by reducing the previous (larger) one, so the full-size image is resampled only once.
"""

import io
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
CARD_RATIO = 3 / 2


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
    source_format = image.format
    width, height = image.size
    if width * height > _pixel_cap() or width <= 0 or height <= 0:
        raise _too_many_pixels(width, height)
    try:
        image.load()  # the one full decode; a truncated file fails here
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
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit greyscale: scale to 8 bits rather than clip.
        image = image.point(lambda value: value / 256).convert("L")
    elif image.mode == "F":
        image = image.convert("L")
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    elif image.mode == "1":
        image = image.convert("L")
    elif image.mode == "LA" or image.mode == "PA":
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


def make_renditions(image: Image.Image, focal=(0.5, 0.5)) -> dict[str, dict[int, bytes]]:
    """JPEG and WebP at each width up to the image's own (never upscaled), plus 3:2 crops
    around the focal point for story cards:
    {"jpeg": {1600: bytes, …}, "webp": {…}, "card_jpeg": {800: …}, "card_webp": {…}}."""
    widths = [w for w in RENDITION_WIDTHS if w < image.width]
    if image.width <= RENDITION_WIDTHS[0]:
        widths.append(image.width)
    result: dict[str, dict[int, bytes]] = {"jpeg": {}, "webp": {}, "card_jpeg": {}, "card_webp": {}}
    current = largest = image
    for width in sorted(set(widths), reverse=True):
        current = _shrink(current, width)
        if width == max(widths):
            largest = current
        result["jpeg"][width] = encode(current, "JPEG")
        result["webp"][width] = encode(current, "WEBP")
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
