"""The real stack for benchmarks: gunicorn with production settings, PostgreSQL, Redis,
and wrk to load it. Used by bench/run.py and bench/load.py."""

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/newsroom_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"

ROTATE_LUA = """
local urls, i = {}, 0
for line in io.lines(os.getenv("WRK_URLS")) do urls[#urls + 1] = line end
request = function()
  i = i % #urls + 1
  return wrk.format("GET", urls[i])
end
"""


def emit(record: dict, log=None) -> None:
    line = json.dumps(record, ensure_ascii=False)
    print(line, flush=True)
    if log is not None:
        log.write(line + "\n")
        log.flush()


def production_env(database_url: str, redis_url: str | None, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_ALLOW")}
    env.update(
        ENV_FILE="",
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",  # no TLS on loopback; a proxy would terminate it
        DATABASE_URL=database_url,
        STATIC_ROOT=str(Path(tempfile.gettempdir()) / "newsroom-bench-static"),
        GUNICORN_ACCESSLOG="",
        LOG_LEVEL="WARNING",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    else:
        env.pop("REDIS_URL", None)
    env.update(extra)
    return env


def manage(*args: str, env: dict[str, str], timeout: int = 3600, cwd: Path = ROOT) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args], cwd=cwd, env=env, capture_output=True, text=True,
        timeout=timeout,
    )  # fmt: skip
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stderr[-2000:]}")
    return result.stdout


def ensure_database(database_url: str, *, fresh: bool) -> None:
    """Create the benchmark database if needed (dropping it first with --fresh)."""
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if exists and fresh:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def analyze(database_url: str) -> None:
    """Fresh planner statistics after bulk loading, as autovacuum would give later."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute("ANALYZE")


class Gunicorn:
    """`gunicorn --config gunicorn.conf.py`, as in the container, on a loopback port."""

    def __init__(self, env: dict[str, str], *, workers: int = 5, port: int = 8765,
                 root: Path = ROOT):  # fmt: skip
        self.env = {**env, "GUNICORN_WORKERS": str(workers)}
        self.port = port
        self.root = root  # the code to run (another checkout for before/after figures)
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py",
             "--bind", f"127.0.0.1:{self.port}"],
            cwd=self.root, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn exited: {self.process.stderr.read().decode()[-2000:]}")
            if fetch(f"{self.base}/healthz")[0] == 200:
                return self
            time.sleep(0.2)
        raise SystemExit("gunicorn did not answer /healthz within 60 s")

    def __exit__(self, *exc):
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def worker_pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def fetch(url: str, *, timeout: float = 10.0) -> tuple[int, float]:
    """(status, seconds) of one GET; status 0 when the connection failed."""
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError:
        status = 0
    return status, time.perf_counter() - started


def require_wrk() -> str:
    wrk = shutil.which("wrk")
    if not wrk:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk).")
    return wrk


def run_wrk(base: str, paths: list[str], *, seconds: int, connections: int = 16,
            threads: int = 2) -> dict:  # fmt: skip
    """Load `paths` round-robin; requests/s, latency percentiles (ms), non-2xx count."""
    wrk = require_wrk()
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "rotate.lua"
        script.write_text(ROTATE_LUA)
        url_file = Path(folder) / "urls.txt"
        url_file.write_text("\n".join(paths) + "\n")
        result = subprocess.run(
            [wrk, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
             "-s", str(script), base],
            env={**os.environ, "WRK_URLS": str(url_file)},
            capture_output=True, text=True, timeout=seconds + 60,
        )  # fmt: skip
    return parse_wrk(result.stdout)


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
    return round(float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit], 2)


def parse_wrk(output: str) -> dict:
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", output, re.M))
    requests = re.search(r"(\d+) requests in", output)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return {
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50_ms": _ms(percentiles["50"]),
        "p99_ms": _ms(percentiles["99"]),
        "requests": int(requests.group(1)) if requests else 0,
        "non_2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1).strip() if socket_errors else "",
    }
