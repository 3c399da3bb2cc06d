"""Ten big photos uploaded at once through the admin, while colleagues sign in and readers
read: does anyone get a 5xx or wait more than a second? (issue 14, item 13)

    .venv/bin/python bench/uploads.py                       # SQLite, then PostgreSQL
    .venv/bin/python bench/uploads.py --databases sqlite --kinds jpeg49
    .venv/bin/python bench/uploads.py --root /tmp/old-checkout   # the same against other code
    .venv/bin/python bench/uploads.py --tasks immediate          # renditions in the request

For each database: a fresh database (SQLite: a file in a temporary folder, configured as
when no DATABASE_URL is set; PostgreSQL: BENCH_DATABASE_URL, default database
`newsroom_uploads_bench`, dropped and created again), migrated, with the demo newsroom
(seed_demo, DEMO_PASSWORD) and a fresh media folder. gunicorn runs with gunicorn.conf.py and
production settings (5 gthread workers of 4 threads, Redis at BENCH_REDIS_URL).

For each kind of photo, an editor signs in and ten threads post it to the photo form at the
same moment (each on its own connection, "save anyway" ticked so the near-duplicate check
lets the copies through). Meanwhile, until the last upload has answered and for at least
10 s: a journalist signs in once a second (a fresh session each time, GET the form then
POST it; the POST is timed), a colleague's session loads the admin's article list twice a
second, and an anonymous reader loads the front page five times a second (the page cache
on, as deployed). Worker memory is sampled every 50 ms, and each worker's high-water mark
(VmHWM) is read at the end. Before the uploads, the same watchers run 10 s on their own
("no uploads"): on a shared machine, that is the figure to compare with.

UPLOADS=N changes the number of uploads (default 10).

Renditions (issue 16): with `--tasks worker` (the default, as deployed) the uploads queue the
renditions task in the database and a `manage.py worker` process makes them meanwhile: the
figures are the request's alone, plus the worker's peak memory and when the last photo had
every size. `--tasks immediate` runs the task in the upload's own request after its commit.

Before the concurrent uploads, `jpeg24` (a 6000 × 4000 camera-like JPEG, 24 MP) is uploaded
SINGLE times one after another with nothing else running, for the request's own time
(target: under 300 ms).

Kinds: jpeg49 — a 7000 × 7000 camera-like baseline JPEG (49 MP, just under the pixel cap);
png49 — the audit's file, a 7000 × 7000 flat PNG of about 200 kB; png31 — the largest
RGB PNG the decode budget accepts (PHOTO_DECODE_MEMORY_MB / 4 bytes a pixel).

Prints one JSON line per kind and database: per-upload seconds, how many were saved (302),
refused with a message (200) or failed (5xx, other), peak worker memory, and p50/max of
sign-in, the colleague's page and the reader's page, with their 5xx counts.
"""

import argparse
import http.cookiejar
import os
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stack import (  # noqa: E402
    ROOT,
    Gunicorn,
    emit,
    ensure_database,
    manage,
    production_env,
    rss_mb,
)

DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/newsroom_uploads_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"  # not bench/run.py's: its pages are other
UPLOADS = 10
WATCH_AT_LEAST = 10.0
TIMEOUT = 120.0
KINDS = ("jpeg49", "png49", "png31", "jpeg24")
SINGLE = 5


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is the answer we time, not the page after it


class Browser:
    """One person's cookies; every request answers (status, seconds, body)."""

    def __init__(self, base: str):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect()
        )

    def request(self, path: str, data: bytes | None = None, headers=None):
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        started = time.perf_counter()
        try:
            with self.opener.open(request, timeout=TIMEOUT) as response:
                body, status = response.read(), response.status
        except urllib.error.HTTPError as error:
            body, status = error.read(), error.code
        except OSError:
            body, status = b"", 0
        return status, time.perf_counter() - started, body

    def csrf(self, path: str) -> str:
        status, _, body = self.request(path)
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if not found:
            raise SystemExit(f"no CSRF token on {path} (status {status})")
        return found.group(1).decode()

    def sign_in(self, username: str, password: str) -> tuple[int, float]:
        token = self.csrf("/admin/login/")
        form = {"username": username, "password": password, "next": "/admin/",
                "csrfmiddlewaretoken": token}  # fmt: skip
        status, seconds, _ = self.request(
            "/admin/login/", urllib.parse.urlencode(form).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )  # fmt: skip
        return status, seconds


def multipart(fields: dict[str, str], filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = secrets.token_hex(16)
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
            .encode()
        )  # fmt: skip
    kind = "image/png" if filename.endswith(".png") else "image/jpeg"
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="image"; filename="{filename}"'
        f"\r\nContent-Type: {kind}\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def make_photo(kind: str) -> tuple[str, bytes]:
    from PIL import Image

    folder = Path(tempfile.gettempdir())
    if kind == "png49":
        path = folder / "newsroom-bench-7000x7000-flat.png"
        if not path.exists():
            Image.new("RGB", (7000, 7000), (20, 120, 200)).save(path, "PNG")
        return path.name, path.read_bytes()
    if kind == "jpeg24":
        size, path = (6000, 4000), folder / "newsroom-bench-upload-6000x4000.jpg"
    elif kind == "jpeg49":
        size, path = (7000, 7000), folder / "newsroom-bench-7000x7000.jpg"
    else:  # png31: the largest RGB PNG the default budget (120 MB) accepts
        size, path = (7000, 4493), folder / "newsroom-bench-7000x4493.png"
    if not path.exists():
        gradient = Image.linear_gradient("L").resize(size)
        noise = Image.effect_noise(size, 12) if kind.startswith("jpeg") else gradient
        image = Image.merge(
            "RGB", (gradient, noise, gradient.transpose(Image.Transpose.ROTATE_180))
        )
        if kind.startswith("jpeg"):
            image.save(path, "JPEG", quality=85)
        else:
            image.save(path, "PNG")
    return path.name, path.read_bytes()


def summary(samples: list[tuple[int, float]]) -> dict:
    times = [seconds for _, seconds in samples]
    return {
        "n": len(samples),
        "p50_ms": round(statistics.median(times) * 1000) if times else None,
        "max_ms": round(max(times) * 1000) if times else None,
        "over_1s": sum(seconds > 1 for seconds in times),
        "5xx": sum(status >= 500 or status == 0 for status, _ in samples),
    }


class Watchers:
    """A journalist signing in again and again, a colleague's admin page and a reader's
    front page, each timed, plus every worker's memory, until stop()."""

    def __init__(self, server: Gunicorn, password: str, colleague: "Browser"):
        self.server = server
        self.stop_event = threading.Event()
        self.memory: dict[int, float] = {}
        self.samples = {"sign_in": [], "colleague_page": [], "reader_page": []}
        actions = {
            # A sign-in hashes a password (PBKDF2, ~0.3 s of CPU): one a second is what
            # the watchers may cost, not a load of their own.
            "sign_in": (lambda: Browser(server.base).sign_in("journalist", password), 1.0),
            "colleague_page": (lambda: colleague.request("/admin/articles/article/")[:2], 0.5),
            "reader_page": (lambda: Browser(server.base).request("/")[:2], 0.2),
        }
        self.threads = [
            threading.Thread(target=self._repeat, args=(action, self.samples[name], pause))
            for name, (action, pause) in actions.items()
        ]
        self.threads.append(threading.Thread(target=self._sample_memory))
        for thread in self.threads:
            thread.start()

    def _repeat(self, action, samples: list, every: float) -> None:
        while not self.stop_event.is_set():
            started = time.monotonic()
            samples.append(action())
            self.stop_event.wait(max(0.0, every - (time.monotonic() - started)))

    def _sample_memory(self) -> None:
        while not self.stop_event.is_set():
            for pid in self.server.worker_pids():
                self.memory[pid] = max(self.memory.get(pid, 0.0), rss_mb(pid))
            time.sleep(0.05)

    def stop(self) -> dict:
        self.stop_event.set()
        for thread in self.threads:
            thread.join()
        return {name: summary(samples) for name, samples in self.samples.items()}


def signed_in(server: Gunicorn, password: str) -> "Browser":
    browser = Browser(server.base)
    status, _ = browser.sign_in("editor", password)
    if status != 302:
        raise SystemExit(f"the editor could not sign in (status {status})")
    return browser


def run_quiet(server: Gunicorn, password: str, database: str, log) -> None:
    """The same watchers for a while without uploads: what the machine gives right now."""
    Browser(server.base).request("/")  # the reader's page into the page cache
    watchers = Watchers(server, password, signed_in(server, password))
    time.sleep(WATCH_AT_LEAST)
    emit({"database": database, "kind": "no uploads", **watchers.stop(),
          "load": os.getloadavg()[0]}, log)  # fmt: skip


FIELDS = {"alt_text": "Bench photo", "caption": "", "credit": "Bench", "agency": "",
          "rights": "staff", "licence": "", "usable_until": "", "focal_x": "0.5",
          "focal_y": "0.5", "save_anyway": "on"}  # fmt: skip


def run_single(server: Gunicorn, kind: str, password: str, database: str, log, env) -> None:
    """One upload at a time, nothing else running: the request's own time."""
    filename, content = make_photo(kind)
    editor = signed_in(server, password)
    maker = RenditionMaker(env)
    results, cpu = [], []
    for _ in range(SINGLE):
        token = editor.csrf("/admin/articles/photo/add/")
        body, content_type = multipart({**FIELDS, "csrfmiddlewaretoken": token}, filename, content)
        # The workers' CPU time around the request (nothing else is sent to them then):
        # the request's cost, which a machine shared with other work does not inflate
        # the way it inflates the time it takes to answer.
        before = _cpu_seconds(server.worker_pids())
        results.append(
            editor.request("/admin/articles/photo/add/", body, {"Content-Type": content_type})
        )
        cpu.append(_cpu_seconds(server.worker_pids()) - before)
        time.sleep(2.0)  # the renditions of the last one are made meanwhile
    emit(
        {
            "database": database,
            "kind": f"{kind} one at a time",
            "file_kb": len(content) // 1024,
            "statuses": [status for status, _, _ in results],
            "upload_ms": sorted(round(seconds * 1000) for _, seconds, _ in results),
            "upload_cpu_ms": sorted(round(seconds * 1000) for seconds in cpu),
            **maker.finish(),
            "load": os.getloadavg()[0],
        },
        log,
    )


class RenditionMaker:
    """With --tasks worker: a real `manage.py worker` (the container's worker command),
    started now; finish() waits until no photo's renditions are pending, then stops it
    and reports its peak memory."""

    def __init__(self, env: dict | None):
        self.started = time.monotonic()
        self.env = env
        self.process = None
        if env is not None:
            self.process = subprocess.Popen(
                [sys.executable, "manage.py", "worker", "--no-schedule", "--no-startup-delay"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip

    def finish(self) -> dict:
        if self.process is None:
            return {}
        while _pending_photos(self.env) and self.process.poll() is None:
            time.sleep(0.2)
        done = round(time.monotonic() - self.started, 1)
        high_water = _vm_hwm(self.process.pid)
        self.process.terminate()
        self.process.wait(60)
        return {"renditions_all_done_s": done, "worker_process_vmhwm_mb": round(high_water, 1)}


def _pending_photos(env: dict) -> int:
    """Photos whose renditions the worker has not made yet, read from the database."""
    query = "SELECT count(*) FROM articles_photo WHERE NOT renditions_ready"
    if env.get("DATABASE_URL"):
        import psycopg

        with psycopg.connect(env["DATABASE_URL"].replace("postgres://", "postgresql://")) as db:
            return db.execute(query).fetchone()[0]
    import sqlite3

    with sqlite3.connect(env["SQLITE_PATH"], timeout=30) as db:
        return db.execute(query).fetchone()[0]


def run_kind(server: Gunicorn, kind: str, password: str, database: str, log, env) -> None:
    filename, content = make_photo(kind)
    editor = signed_in(server, password)
    fields = FIELDS
    tokens = [editor.csrf("/admin/articles/photo/add/") for _ in range(UPLOADS)]
    count = int(os.environ.get("UPLOADS", UPLOADS))
    tokens = tokens[:count]
    results: list[tuple[int, float, bytes]] = [(0, 0.0, b"")] * count
    go = threading.Barrier(count + 1)

    def upload(index: int) -> None:
        body, content_type = multipart(
            {**fields, "csrfmiddlewaretoken": tokens[index]}, filename, content
        )
        go.wait()
        results[index] = editor.request(
            "/admin/articles/photo/add/", body, {"Content-Type": content_type}
        )

    watchers = Watchers(server, password, signed_in(server, password))
    maker = RenditionMaker(env)
    uploads = [threading.Thread(target=upload, args=(i,)) for i in range(count)]
    for thread in uploads:
        thread.start()
    started = time.monotonic()
    go.wait()
    for thread in uploads:
        thread.join()
    took = time.monotonic() - started
    time.sleep(max(0.0, WATCH_AT_LEAST - took))
    made = maker.finish()  # the watchers go on while the renditions are being made
    watched = watchers.stop()
    high_water = {pid: _vm_hwm(pid) for pid in server.worker_pids()}
    statuses = [status for status, _, _ in results]
    # How many uploads got each message (the first 80 characters of it).
    refusals = Counter(_message(body)[:80] for status, _, body in results if status == 200)
    emit(
        {
            "database": database,
            "kind": kind,
            "file_kb": len(content) // 1024,
            "uploads": count,
            "saved": statuses.count(302),
            "refused": statuses.count(200),
            "5xx": sum(status >= 500 or status == 0 for status in statuses),
            "refusals": dict(refusals),
            "upload_s": sorted(round(seconds, 1) for _, seconds, _ in results),
            "all_answered_s": round(took, 1),
            "worker_peak_rss_mb": round(max(watchers.memory.values(), default=0), 1),
            "worker_vmhwm_mb": round(max(high_water.values(), default=0), 1),
            **made,
            **watched,
            "load": os.getloadavg()[0],
        },
        log,
    )


def _message(body: bytes) -> str:
    found = re.search(rb'<ul class="errorlist[^"]*"[^>]*><li>(.*?)</li>', body, re.S)
    return found.group(1).decode()[:160] if found else ""


def _cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time of these processes, all their threads, so far."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return ticks / os.sysconf("SC_CLK_TCK")


def _vm_hwm(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def environment(database: str, folder: Path, root: Path) -> dict[str, str]:
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    if database == "sqlite":
        env = production_env("", redis_url, SQLITE_PATH=str(folder / "db.sqlite3"))
        env.pop("DATABASE_URL")  # the SQLite settings of a deployment without DATABASE_URL
    else:
        url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG_URL)
        ensure_database(url, fresh=True)
        env = production_env(url, redis_url)
    env.update(MEDIA_ROOT=str(folder / "media"), DEMO_PASSWORD=secrets.token_urlsafe(12))
    # Plain HTTP on loopback (a proxy would terminate TLS): cookies must travel without it.
    env.update(SESSION_COOKIE_SECURE="0", CSRF_COOKIE_SECURE="0")
    if root != ROOT:  # other code (e.g. a checkout of an older commit) with this venv
        env["PYTHONPATH"] = str(root)
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument("--kinds", nargs="*", default=["jpeg49", "png49"], choices=KINDS)
    parser.add_argument("--single", default="jpeg24", choices=[*KINDS, "none"],
                        help="the kind uploaded one at a time first")  # fmt: skip
    parser.add_argument("--tasks", choices=["worker", "immediate"], default="worker")
    parser.add_argument("--root", type=Path, default=ROOT, help="the code to run")
    parser.add_argument("--port", type=int, default=8793)
    args = parser.parse_args()
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    with (results / f"uploads-{time.strftime('%Y%m%d-%H%M%S')}.jsonl").open("w") as log:
        for database in args.databases:
            with tempfile.TemporaryDirectory(prefix="newsroom-uploads-") as folder:
                env = environment(database, Path(folder), args.root.resolve())
                _manage(args.root, env, "migrate", "--noinput", "-v0")
                _manage(args.root, env, "collectstatic", "--noinput", "-v0")
                _manage(args.root, env, "seed_demo", "-v0")
                env["TASKS_BACKEND"] = "database" if args.tasks == "worker" else "immediate"
                maker_env = env if args.tasks == "worker" else None
                server = Gunicorn(env, workers=5, port=args.port, root=args.root.resolve())
                with server:
                    errors = _drain(server)
                    password = env["DEMO_PASSWORD"]
                    if args.single != "none":
                        run_single(server, args.single, password, database, log, maker_env)
                    run_quiet(server, password, database, log)
                    for kind in args.kinds:
                        run_kind(server, kind, password, database, log, maker_env)
                    emit({"database": database, "server_errors": errors[-5:]}, log)


def _drain(server: Gunicorn) -> list[str]:
    """Read gunicorn's log as it comes (a full pipe would stop the server) and keep the
    error lines."""
    errors: list[str] = []

    def read():
        for line in server.process.stderr:
            text = line.decode(errors="replace").strip()
            if "error" in text.lower() or "locked" in text.lower():
                errors.append(text[:300])

    threading.Thread(target=read, daemon=True).start()
    return errors


def _manage(root: Path, env: dict, *args: str) -> None:
    manage(*args, env=env, cwd=root.resolve())


if __name__ == "__main__":
    main()
