"""How long and how much memory the photo path takes for a big camera file: the upload
request's part, the renditions task's part, and both in one process.

    .venv/bin/python bench/photos.py            # 6000 × 4000 JPEG, three runs of each

Generates a 6000 × 4000 JPEG (noise and gradients, so it compresses like a photo, with EXIF
GPS and an orientation flag), then times prepare() (the upload gate: one full decode,
upright, sRGB, metadata stripped, re-encoded original) plus make_renditions() (JPEG and
WebP at 1600/1200/800/480 and the 3:2 card crops) in a fresh process each run, on one core.
Prints JSON lines: seconds (CPU and wall) and peak resident memory (VmHWM) in MB.
Targets: the whole path under 1.0 s and 250 MB (issue 5); the request's part of a 24 MP
upload under 300 ms (issue 16, which bench/uploads.py measures end to end).
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def make_camera_file(path: Path) -> None:
    from PIL import Image

    width, height = 6000, 4000
    gradient = Image.linear_gradient("L").resize((width, height))
    noise = Image.effect_noise((width, height), 40)
    image = Image.merge(
        "RGB", (gradient, noise, gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT))
    )
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x8825] = {1: "N", 2: (25.0, 17.0, 0.0), 3: "E", 4: (51.0, 31.0, 0.0)}
    image.save(path, "JPEG", quality=92, exif=exif.tobytes())


def one_run(path: Path, part: str) -> dict:
    """In a child process: the measured work and nothing else.

    part "request": what the upload request does (the gate's header checks, the one decode
    at reduced size, upright, sRGB, the re-encoded original, the 800-pixel fallback);
    "task": what the renditions task does (the stored copy decoded, the other 13 renditions);
    "both": the two in one process, as before issue 16."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    os.environ.setdefault("ENV_FILE", "")
    import io

    import django

    django.setup()
    from django.core.files import File

    from newsroom import imaging

    size = path.stat().st_size
    stored = path.with_suffix(".stored.jpg")
    if part == "task" and not stored.exists():
        with path.open("rb") as handle:
            stored.write_bytes(imaging.prepare(File(handle, name="camera.jpg")).content)
    made = 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    if part in ("request", "both"):
        # Django writes uploads over 2.5 MB to a temporary file; read it from disk the same way.
        with path.open("rb") as handle:
            prepared = imaging.prepare(File(handle, name="camera.jpg"))
        imaging.make_fallback(prepared.image)
        made += 1
        dimensions = f"{prepared.width}x{prepared.height}"
    if part in ("task", "both"):
        content = prepared.content if part == "both" else stored.read_bytes()
        image = imaging.open_stored(io.BytesIO(content))
        kept = max(w for w in imaging.rendition_widths(image.width) if w <= imaging.FALLBACK_WIDTH)
        renditions = imaging.make_renditions(image, have=frozenset({("jpeg", kept)}))
        made += sum(len(v) for v in renditions.values())
        dimensions = f"{image.width}x{image.height}"
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    peak_mb = int(Path("/proc/self/status").read_text().split("VmHWM:")[1].split()[0]) / 1024
    return {
        "part": part,
        "input_mb": round(size / 1024 / 1024, 1),
        "size": dimensions,
        "renditions": made,
        "cpu_seconds": round(cpu, 3),
        "wall_seconds": round(wall, 3),
        "peak_rss_mb": round(peak_mb, 1),
    }


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        print(json.dumps(one_run(Path(sys.argv[2]), sys.argv[3])))
        return
    runs = int(os.environ.get("RUNS", 3))
    path = Path(os.environ.get("TMPDIR", "/tmp")) / "newsroom-bench-6000x4000.jpg"
    if not path.exists():
        make_camera_file(path)
    for part in ("request", "task", "both"):
        for _ in range(runs):
            # taskset pins the child to one core where available: "seconds on one core".
            pin = ["taskset", "-c", "0"] if _has("taskset") else []
            out = subprocess.run(
                [*pin, sys.executable, __file__, "--child", str(path), part],
                capture_output=True, text=True, check=True, cwd=ROOT,
            )  # fmt: skip
            print(out.stdout.strip())


def _has(command: str) -> bool:
    from shutil import which

    return which(command) is not None


if __name__ == "__main__":
    main()
