"""A real Varnish (deploy/varnish/run.sh, the repository's VCL) in front of real gunicorn
web nodes with production settings, for the proxy tests and the benchmarks.

Skipped, saying why, where varnishd or the xkey module (Debian's varnish-modules) is not
installed; CI installs both (.ci/run)."""

import glob
import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.support import ROOT, VENV_BIN, clean_env, free_port, manage, wait_for_http

RUN = ROOT / "deploy" / "varnish" / "run.sh"
VMOD_DIRS = ("/usr/lib/*/varnish/vmods", "/usr/lib/varnish/vmods", "/usr/local/lib/varnish/vmods")


def missing() -> str | None:
    """Why Varnish cannot be started here, or None."""
    if not shutil.which("varnishd", path="/usr/sbin:/usr/local/sbin:/usr/bin"):
        return "varnishd is not installed (Debian: apt-get install varnish varnish-modules)"
    if not any(glob.glob(f"{folder}/libvmod_xkey.so") for folder in VMOD_DIRS):
        return "Varnish's xkey module is not installed (Debian: apt-get install varnish-modules)"
    return None


def wait_for_port(port: int, *, timeout: float = 30.0, process=None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"exited early: {process.stderr.read() if process.stderr else ''}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"port {port} did not open within {timeout} s")


class Varnish:
    """varnishd started by deploy/varnish/run.sh on a free loopback port."""

    def __init__(self, workdir: Path, backends: list[str], *, purgers: str = "",
                 probe_interval: str = "0.5s", probe_host: str = "127.0.0.1",
                 storage: str = "malloc,64m", params: tuple[str, ...] = ()):  # fmt: skip
        self.log_path = workdir.with_suffix(".log")
        # varnishd compiles the VCL as an unprivileged user (when started as root): its
        # working directory must be reachable by that user, which pytest's 0700 temporary
        # folders are not.
        self.workdir = Path(tempfile.mkdtemp(prefix="newsroom-varnish-"))
        self.port = free_port()
        self.env = clean_env(
            VARNISH_BACKENDS=" ".join(backends),
            VARNISH_PURGERS=purgers,
            VARNISH_PROBE_HOST=probe_host,
            VARNISH_PROBE_INTERVAL=probe_interval,
            VARNISH_LISTEN=f"127.0.0.1:{self.port}",
            VARNISH_STORAGE=storage,
            VARNISH_WORKDIR=str(self.workdir),
            # varnishd lives in /usr/sbin, which a user's PATH may lack.
            PATH=f"{os.environ.get('PATH', '')}:/usr/sbin:/usr/local/sbin",
        )
        self.params = params
        self.process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            ["sh", str(RUN), "-T", "none", *self.params], env=self.env,
            stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_for_port(self.port, process=self.process)
        except AssertionError:
            self.__exit__()
            raise AssertionError(self.log_path.read_text()) from None
        return self

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.log.close()
        shutil.rmtree(self.workdir, ignore_errors=True)

    def stats(self) -> dict[str, int]:
        """varnishstat's counters by name (MAIN.cache_hit, VBE.boot.web1.req…)."""
        out = subprocess.run(
            ["varnishstat", "-n", str(self.workdir), "-1", "-j"],
            capture_output=True, text=True, timeout=20, check=True,
        ).stdout  # fmt: skip
        counters = json.loads(out)
        counters = counters.get("counters", counters)  # the JSON's shape changed in 6.5
        return {name: c["value"] for name, c in counters.items() if isinstance(c, dict)}

    def healthy(self, backend: str) -> bool:
        """What the probe thinks of a web node ("web1"): at least 3 of its last 5 probes
        answered (the probe's .window and .threshold in run.sh)."""
        happy = next(
            value for name, value in self.stats().items()
            if name.startswith("VBE.") and name.endswith(f".{backend}.happy")
        )  # fmt: skip
        return bin(happy & 0b11111).count("1") >= 3

    def backend_requests(self) -> dict[str, int]:
        """Requests sent to each web node so far ("web1": n, …)."""
        return {
            name.rsplit(".", 2)[-2]: value
            for name, value in self.stats().items()
            if name.startswith("VBE.") and name.endswith(".req")
        }


def purge(base: str, keys: str, *, source: str = "127.0.0.1") -> tuple[int, str]:
    """(status, how many objects went) of a PURGE of `keys`, sent from address `source`."""
    parts = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(
        parts.hostname, parts.port, timeout=10, source_address=(source, 0)
    )
    try:
        connection.request("PURGE", "/", headers={"xkey-purge": keys})
        response = connection.getresponse()
        response.read()
        return response.status, response.headers.get("X-Purged", "")
    finally:
        connection.close()


class Site:
    """The application with production settings on a database of its own, migrated once;
    `node()` starts a gunicorn web node on it (as many as a test wants)."""

    def __init__(self, folder: Path, *, database_url: str | None = None, **settings: str):
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.env = clean_env(
            DEBUG="0",
            SECRET_KEY=secrets.token_urlsafe(50),
            ALLOWED_HOSTS="127.0.0.1,localhost",
            DATABASE_URL=database_url or f"sqlite:///{folder / 'site.sqlite3'}",
            STATIC_ROOT=str(folder / "static"),
            MEDIA_ROOT=str(folder / "media"),
            SECURE_SSL_REDIRECT="0",
            SESSION_COOKIE_SECURE="0",
            CSRF_COOKIE_SECURE="0",
            TRUSTED_PROXIES="127.0.0.1",
            GUNICORN_WORKERS="1",
            GUNICORN_ACCESSLOG="",
            LOG_LEVEL="WARNING",
            **{
                # A `manage.py shell` of run() plays the desk: the purge task runs in it
                # after the commit, as a worker would run it from the queue (unless the
                # test runs a worker: TASKS_BACKEND="database").
                "TASKS_BACKEND": "immediate",
                **settings,
            },
        )

    def prepare(self) -> "Site":
        for command in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"]):
            result = manage(*command, env=self.env, timeout=300)
            assert result.returncode == 0, result.stderr
        return self

    def run(self, code: str, **env: str):
        """Run `code` in `manage.py shell` on the site's database, `tests.factories`
        imported as `factories`; what it leaves in `result`."""
        script = f"import json\nfrom tests import factories\n{code}\nprint(json.dumps(result))"
        done = manage("shell", "-c", script, env={**self.env, **env})
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])

    def node(self, **env: str) -> "Node":
        return Node(self, env)


class Node:
    """One web node: gunicorn with gunicorn.conf.py, as in the container."""

    def __init__(self, site: Site, env: dict[str, str]):
        self.site = site
        self.env = {**site.env, **env}
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self):
        self.log = self.site.folder / f"gunicorn-{self.port}.log"
        with self.log.open("w") as stderr:
            self.process = subprocess.Popen(
                [str(VENV_BIN / "gunicorn"), "--config", "gunicorn.conf.py",
                 "--bind", self.address],
                cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=stderr,
                start_new_session=True,  # a process group of its own: kill() takes it all
            )  # fmt: skip
        wait_for_http(f"http://{self.address}/healthz", process=self.process, log=self.log)
        return self

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)

    def kill(self) -> None:
        """SIGKILL the master and its workers at once, as when the node's machine is lost."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    def __exit__(self, *exc):
        self.stop()


class StandInBackend(BaseHTTPRequestHandler):
    """A web node whose pages say which surrogate keys they show (`?keys=a+b`), how long
    shared caches may keep them (`?ttl=60`), and the content version they read when their
    rendering began (`?slow=1` takes a second). While `failing`, everything answers 503, as
    a node does when the database is down."""

    version = 1
    failing = False

    def do_GET(self):
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
        seen = StandInBackend.version
        if "slow" in query:
            time.sleep(1)
        body = f"{self.path} version {seen}".encode()
        self.send_response(503 if StandInBackend.failing else 200)
        ttl = query.get("ttl", ["60"])[0]
        self.send_header("Cache-Control", f"public, max-age={ttl}, s-maxage={ttl}")
        if "keys" in query:
            self.send_header("Surrogate-Key", query["keys"][0])
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextmanager
def stand_in_front(tmp_path: Path):
    """Varnish in front of a StandInBackend, for tests of purging itself."""
    StandInBackend.version, StandInBackend.failing = 1, False
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandInBackend)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with Varnish(tmp_path / "stand-in", [f"127.0.0.1:{server.server_address[1]}"]) as front:
            yield front
    finally:
        server.shutdown()
        server.server_close()
