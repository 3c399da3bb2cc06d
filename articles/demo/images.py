"""Generated pictures for the demo newsroom (no photo of anyone real)."""

import io
import random

from PIL import Image, ImageDraw, ImageFilter, ImageFont


def _font(size: int):
    for name in ("DejaVuSans-Bold.ttf", "DejaVuSerif-Bold.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default()


def landscape(seed: str, top: tuple, bottom: tuple, *, size=(1800, 1200)) -> bytes:
    """A JPEG that looks like a photo from afar: a sky, a horizon, shapes in the light."""
    rng = random.Random(seed)
    width, height = size
    gradient = Image.linear_gradient("L").resize(size)
    image = Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), gradient)
    draw = ImageDraw.Draw(image)
    horizon = int(height * rng.uniform(0.55, 0.7))
    ground = tuple(max(0, c - 60) for c in bottom)
    draw.rectangle([0, horizon, width, height], fill=ground)
    for _ in range(rng.randint(8, 18)):
        w = rng.randint(width // 30, width // 8)
        h = rng.randint(height // 12, height // 3)
        x = rng.randint(0, width)
        shade = tuple(max(0, min(255, c + rng.randint(-50, 20))) for c in top)
        draw.rectangle([x, horizon - h, x + w, horizon + 4], fill=shade)
    sun = rng.randint(width // 6, width - width // 6)
    draw.ellipse([sun - 60, horizon - 260, sun + 60, horizon - 140], fill=(255, 236, 200))
    image = image.filter(ImageFilter.GaussianBlur(2))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def portrait(name: str, *, size=400) -> bytes:
    """A round-friendly square with the author's initials."""
    rng = random.Random(name)
    colour = (rng.randint(40, 140), rng.randint(40, 140), rng.randint(60, 160))
    image = Image.new("RGB", (size, size), colour)
    draw = ImageDraw.Draw(image)
    initials = "".join(part[0] for part in name.split()[:2]).upper()
    font = _font(size // 3)
    box = draw.textbbox((0, 0), initials, font=font)
    position = ((size - (box[2] - box[0])) / 2, (size - (box[3] - box[1])) / 2 - box[1])
    draw.text(position, initials, fill=(255, 255, 255), font=font)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=88)
    return out.getvalue()
