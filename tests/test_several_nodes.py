"""Several web nodes, the acceptance test of issue 17: every part a real process on
127.0.0.1 — a private PostgreSQL primary and a streaming replica of it (pg_basebackup -R),
a Redis of its own, two gunicorn web nodes with production settings (DATABASE_URL the
primary, DATABASE_REPLICA_URLS the replica, REDIS_URL, CACHE_PROXIES the Varnish,
TASKS_BACKEND=database, TRUSTED_PROXIES=127.0.0.1), Varnish started by
deploy/varnish/run.sh with both nodes as backends and the production probe interval (2 s),
and one `manage.py worker` (without the daily jobs): what docker-compose.yml runs, without
the containers.

The desk publishes through node A's admin over HTTP, as an editor does: sign in (the
sign-in form, with its empty two-step box), POST the publish page of a draft. Meanwhile
threads watch, every few milliseconds, the primary (when the publish committed), the
replica (when it replayed it), and the story's address and the front page through Varnish
(when a reader first sees it). Both pages were cached before the publish (the story's
address as a 404), so seeing the story there means the purge went from node A's commit
through the queue and the worker to Varnish; the lifetimes are the production ones
(minutes), so no expiry can stand in for it.

What "visible within 1 s" proves, honestly measured (the commit's time is the last poll
that did not see it yet, a reader's the end of the first response showing it: both err on
the long side):

* With the replica replaying at once, publish-commit → visible through Varnish ≤ 1 s.
* With the replica 1 s behind (recovery_min_apply_delay), the purge has to wait for it:
  the bound is 1 s plus that delay, the replica is shown to have replayed the publish at
  least ~1 s after the commit (so the wait was real), and no reader sees the story before
  the replica could show it or loses it afterwards: no copy rendered from the lagging
  replica was kept past the purge (a stale copy would have stayed for minutes).

Then readers load Varnish from several threads (cached pages, and searches no cache has)
while node A is SIGKILLed, master and workers at once, as when its machine is lost: every
response is a 200 (node B, or a copy Varnish holds), node A leaves the rotation by the
health probe, and node B answers the searches asked after the kill.

Without the VCL's retry of a GET on the next node (vcl_backend_error), the last test saw
hundreds of 503s for the searches sent to node A between the kill and its probes failing.

Not covered: a machine that vanishes without refusing connections (connect timeouts, not
a refused connection on loopback); the primary failing over; several Varnish instances;
a publish that crosses midnight (the story's address is worked out before it).
"""

import http.client
import os
import re
import threading
import time
import uuid
from dataclasses import dataclass, field

import psycopg
import pytest
import requests
from django.db import connection

from tests import varnish as proxy
from tests.services import redis_server, streaming_pair
from tests.support import start_worker, stop_process

BOUND = 1.0  # seconds from the publish's commit to a reader seeing it (issue 17)
DELAY = 1.0  # seconds the replica lags in the second publish (recovery_min_apply_delay)

pytestmark = [
    pytest.mark.skipif(
        "connection.vendor != 'postgresql'",
        reason="runs in the PostgreSQL pass: it builds a PostgreSQL primary and a streaming "
        "replica of its own (initdb, pg_basebackup), which its processes share",
    ),
    pytest.mark.skipif(bool(proxy.missing()), reason=proxy.missing() or ""),
]


@dataclass
class Stack:
    site: proxy.Site
    primary: object
    replica: object
    node_a: proxy.Node
    node_b: proxy.Node
    front: proxy.Varnish
    worker_log: object
    published: list[str] = field(default_factory=list)  # stories' paths, for the load

    def on(self, server, sql: str, *params):
        with psycopg.connect(server.url, autocommit=True) as db:
            return db.execute(sql, params).fetchone()[0]

    def replica_delay(self, seconds: float) -> None:
        """Change the replica's recovery_min_apply_delay (a reload, no restart)."""
        milliseconds = int(seconds * 1000)
        with psycopg.connect(self.replica.url, autocommit=True) as db:
            db.execute(f"ALTER SYSTEM SET recovery_min_apply_delay = '{milliseconds}ms'")
            db.execute("SELECT pg_reload_conf()")
            deadline = time.monotonic() + 5
            while self.on(self.replica, DELAY_SETTING) != str(milliseconds):
                assert time.monotonic() < deadline, "the replica did not take the new delay"
                time.sleep(0.05)


DELAY_SETTING = "SELECT setting FROM pg_settings WHERE name = 'recovery_min_apply_delay'"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if connection.vendor != "postgresql":
        pytest.skip("runs in the PostgreSQL pass")
    root = tmp_path_factory.mktemp("several-nodes")
    made = {}
    with redis_server(root) as redis:

        def migrate(primary):  # before the base backup: the replica starts with the schema
            made["site"] = proxy.Site(
                root / "site",
                database_url=primary.url,
                REDIS_URL=redis.url,
                TASKS_BACKEND="database",
                GUNICORN_TIMEOUT="120",  # a loaded CI machine, not the code, would hit 30 s
            ).prepare()
            made["site"].run(
                "factories.make_user('editor', 'Editor')\n"
                "factories.make_article('An older story', slug='an-older-story')\n"
                "result = None"
            )

        with streaming_pair(root, delay="0", before_backup=migrate) as (primary, replica):
            site = made["site"]
            site.env["DATABASE_REPLICA_URLS"] = replica.url
            node_a, node_b = site.node(), site.node()
            front = proxy.Varnish(
                root / "varnish", [node_a.address, node_b.address], probe_interval="2s"
            )
            for env in (site.env, node_a.env, node_b.env):
                env["CACHE_PROXIES"] = front.base
            worker_log = root / "worker.log"
            # The container's command; the project's daily jobs (the briefing's e-mails)
            # have nothing to do with this test and are left out, as in tests/conftest.py.
            worker = start_worker(
                site.env, "--schedule", "tests.task_probes.NO_SCHEDULE", log=worker_log
            )
            try:
                with node_a, node_b, front:
                    yield Stack(site, primary, replica, node_a, node_b, front, worker_log)
            finally:
                stop_process(worker)
                for node in (node_a, node_b):
                    print(f"--- {node.log}\n{node.log.read_text()[-3000:]}")
                print(f"--- worker\n{worker_log.read_text()[-3000:]}")


# --- the desk, over HTTP ------------------------------------------------------------------


def csrf_token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)[1]


def signed_in(base: str) -> requests.Session:
    desk = requests.Session()
    page = desk.get(f"{base}/admin/login/", timeout=60)
    response = desk.post(
        f"{base}/admin/login/",
        data={"username": "editor", "password": "pw", "otp_token": "", "next": "/admin/",
              "csrfmiddlewaretoken": csrf_token(page.text)},
        headers={"Referer": f"{base}/admin/login/"},
        timeout=60,
    )  # fmt: skip
    assert response.url == f"{base}/admin/", response.text[:500]
    return desk


def draft(stack: Stack, headline: str) -> tuple[int, str]:
    """A draft ready to publish, and the address it will have when published today."""
    return stack.site.run(
        "from django.utils import timezone\n"
        f"story = factories.make_article({headline!r}, status='draft',"
        f" slug={uuid.uuid4().hex[:12]!r})\n"
        "result = [story.pk, story.public_path(at=timezone.now())]"
    )


# --- watching -----------------------------------------------------------------------------


class Watch(threading.Thread):
    """Polls `probe()` (True once it sees the change) until stopped, recording when it
    last did not see it and when it first did, and whether it ever went back."""

    def __init__(self, probe):
        super().__init__(daemon=True)
        self.probe = probe
        self.stop = threading.Event()
        self.last_unseen = self.first_seen = None
        self.unseen_after_seen = 0
        self.seen_count = 0
        self.error: BaseException | None = None

    def run(self):
        try:
            while not self.stop.is_set():
                asked = time.monotonic()
                seen = self.probe()
                answered = time.monotonic()
                if seen:
                    self.seen_count += 1
                    if self.first_seen is None:
                        self.first_seen = answered
                elif self.first_seen is None:
                    self.last_unseen = asked
                else:
                    self.unseen_after_seen += 1
                time.sleep(0.01)
        except BaseException as exc:  # shown by the test
            self.error = exc


def published_on(server, pk: int):
    db = psycopg.connect(server.url, autocommit=True)

    def probe() -> bool:
        row = db.execute("SELECT status FROM articles_article WHERE id = %s", (pk,)).fetchone()
        return row is not None and row[0] == "published"

    return probe


def shown_through(front: proxy.Varnish, path: str, headline: str):
    def probe() -> bool:
        status, _, body = fetch(front, path)
        assert status in (200, 404), (path, status)
        return status == 200 and headline.encode() in body

    return probe


def fetch(front: proxy.Varnish, path: str):
    connection = http.client.HTTPConnection("127.0.0.1", front.port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": "127.0.0.1"})
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


PENDING_PURGES = (
    "SELECT count(*) FROM django_tasks_database_dbtaskresult"
    " WHERE task_path = 'newsroom.purge.purge_proxies' AND status IN ('READY', 'RUNNING')"
)


def publish_and_watch(stack: Stack, headline: str) -> dict[str, Watch]:
    pk, path = draft(stack, headline)
    front = stack.front
    # Making the draft purged something too (through the queue): done before we look.
    deadline = time.monotonic() + 10
    while stack.on(stack.primary, PENDING_PURGES):
        assert time.monotonic() < deadline, "the worker did not run the draft's purge"
        time.sleep(0.05)
    # Readers have both pages in the cache before the publish: the front page, and the
    # story's future address as a 404.
    for page, expected in (("/", 200), (path, 404)):
        deadline = time.monotonic() + 10
        while (answer := fetch(front, page))[1]["X-Cache"] != "HIT":
            assert time.monotonic() < deadline, f"{page} was never a hit"
            time.sleep(0.1)
        status, _, body = answer
        assert (page, status) == (page, expected)
        assert headline.encode() not in body

    desk = signed_in(f"http://{stack.node_a.address}")
    form = desk.get(f"http://{stack.node_a.address}/admin/articles/article/{pk}/publish/")
    assert form.status_code == 200, form.text[:500]
    watches = {
        "primary": Watch(published_on(stack.primary, pk)),
        "replica": Watch(published_on(stack.replica, pk)),
        "story": Watch(shown_through(front, path, headline)),
        "front": Watch(shown_through(front, "/", headline)),
    }
    for watch in watches.values():
        watch.start()
    time.sleep(0.2)  # every watch has had its look at the world before
    response = desk.post(
        form.url,
        data={"when": "now", "publish_at": "", "csrfmiddlewaretoken": csrf_token(form.text)},
        headers={"Referer": form.url},
        timeout=60,
    )
    assert response.status_code == 200 and "is published." in response.text, response.text[:500]
    deadline = time.monotonic() + 15
    while not all(w.first_seen for w in watches.values()) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # and a little longer: whether anything goes back
    for watch in watches.values():
        watch.stop.set()
        watch.join(10)
        assert watch.error is None, repr(watch.error)
    assert all(w.first_seen for w in watches.values()), {
        name: w.first_seen for name, w in watches.items()
    }
    stack.published.append(path)
    return watches


def lag(watches, name: str) -> float:
    """From the commit (the primary's last look without it) to `name` first seeing it."""
    return watches[name].first_seen - watches["primary"].last_unseen


# --- the tests ----------------------------------------------------------------------------


def test_a_story_published_on_node_a_is_on_its_page_and_the_front_page_within_1_s(stack):
    stack.replica_delay(0)
    watches = publish_and_watch(stack, "Harbour reopens after the storm")
    timings = {name: round(lag(watches, name), 3) for name in ("replica", "story", "front")}
    print("commit → seen:", timings)
    # (The machine's load is in the message: on 2 cores at a load of 13, shared with other
    # work, this took up to 3 s; otherwise 0.14–0.37 s.)
    assert timings["story"] <= BOUND and timings["front"] <= BOUND, (timings, os.getloadavg())
    assert watches["story"].unseen_after_seen == watches["front"].unseen_after_seen == 0


def test_with_a_lagging_replica_the_purge_waits_and_no_stale_copy_is_kept(stack):
    stack.replica_delay(DELAY)
    try:
        watches = publish_and_watch(stack, "Council approves the new bridge")
    finally:
        stack.replica_delay(0)
    timings = {name: round(lag(watches, name), 3) for name in ("replica", "story", "front")}
    print("commit → seen:", timings)
    # The replica really was behind: it replayed the publish about DELAY after the commit.
    assert timings["replica"] >= DELAY - 0.2, timings
    # Readers saw it once the replica had it, within the bound plus the replica's delay...
    for page in ("story", "front"):
        assert watches[page].first_seen >= watches["replica"].last_unseen, timings
        assert timings[page] <= BOUND + DELAY, (timings, os.getloadavg())
        # ...and never lost it again: nothing rendered from the lagging replica before it
        # replayed the publish was kept by Varnish after the purge.
        assert watches[page].unseen_after_seen == 0, page
        assert watches[page].seen_count >= 10


class Reader(threading.Thread):
    """A reader hammering Varnish over one keep-alive connection: cached pages and a search
    nobody asked before (which only a web node can answer)."""

    def __init__(self, front: proxy.Varnish, paths: list[str], stop: threading.Event):
        super().__init__(daemon=True)
        self.front, self.paths, self.stop = front, paths, stop
        self.answers: list[tuple[float, str, int]] = []

    def run(self):
        connection = None
        n = 0
        while not self.stop.is_set():
            n += 1
            path = self.paths[n % len(self.paths)]
            if path == "search":
                path = f"/search/?q={uuid.uuid4().hex[:10]}"
            try:
                if connection is None:
                    connection = http.client.HTTPConnection(
                        "127.0.0.1", self.front.port, timeout=30
                    )
                connection.request("GET", path, headers={"Host": "127.0.0.1"})
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                status = f"{type(exc).__name__}: {exc}"
                connection = None
            self.answers.append((time.monotonic(), path, status))


def test_node_a_killed_under_load_readers_keep_getting_200(stack):
    front = stack.front
    paths = ["/", *stack.published, "/section/politics/", "/feed/", "search", "/sitemap.xml"]
    for path in paths:
        if path != "search":
            assert fetch(front, path)[0] == 200, path
    assert front.healthy("web1") and front.healthy("web2")
    stop = threading.Event()
    readers = [Reader(front, paths[i:] + paths[:i], stop) for i in range(6)]
    for reader in readers:
        reader.start()
    try:
        time.sleep(1.5)
        before = front.backend_requests()
        stack.node_a.kill()  # SIGKILL, the master and its workers at once
        killed = time.monotonic()
        deadline = killed + 20
        while front.healthy("web1"):
            assert time.monotonic() < deadline, "node A never left the rotation"
            time.sleep(0.1)
        out_of_rotation = time.monotonic()
        sent_to_a = front.backend_requests()["web1"]
        time.sleep(2)
    finally:
        stop.set()
        for reader in readers:
            reader.join(30)
    after = front.backend_requests()
    answers = [answer for reader in readers for answer in reader.answers]
    print(
        f"{len(answers)} answers; node A out of rotation {out_of_rotation - killed:.1f} s after"
        f" the kill; backend requests before {before}, after {after}"
    )
    bad = [answer for answer in answers if answer[2] != 200]
    assert bad == [], bad[:20]
    after_kill = [a for a in answers if a[0] > killed]
    searches_after_kill = [a for a in after_kill if a[1].startswith("/search/")]
    assert len(after_kill) >= 50 and len(searches_after_kill) >= 10
    # Node B answered what no cache had; node A got nothing once out of rotation.
    # (Less the searches in flight when the kill came, counted before it.)
    assert after["web2"] - before["web2"] >= len(searches_after_kill) - len(readers)
    assert after["web1"] == sent_to_a
