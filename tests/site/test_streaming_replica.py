"""Read replicas for real: a private PostgreSQL primary and a streaming replica of it
(pg_basebackup -R) that applies each change DELAY seconds late (recovery_min_apply_delay),
behind the site served by gunicorn with DATABASE_REPLICA_URLS.

The lag is shown (a reader's page is stale right after a commit while the desk sees the
change), and then what keeps caches right despite it: wait_for_replicas returns only once
the replica has replayed the change, a replica still behind is held out of rotation, the
page cache announces a change only when no replica in rotation is older, and a replica that
stops is replaced by the primary. The machine's PostgreSQL is not touched."""

import json
import shutil
import subprocess
import time
import uuid

import psycopg
import pytest
from django.db import connection

from tests.services import OwnSite, RedisServer, streaming_pair
from tests.support import ROOT, clean_env, fetch, free_port, manage, wait_for_http

DELAY = 4  # seconds the replica applies each commit late

pytestmark = pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="streaming replication is PostgreSQL's: runs in the PostgreSQL pass",
)


class ReplicatedSite(OwnSite):
    replica = None
    session = ""  # a signed-in editor's session cookie

    def page(self, path: str, *, signed_in: bool = False) -> tuple[int, str, dict]:
        headers = {"Cookie": f"sessionid={self.session}"} if signed_in else {}
        status, found, body = fetch(self.base + path, headers)
        return status, body.decode(), found

    def on(self, server, sql: str, *params):
        """One value read straight from the primary or the replica (psql's view)."""
        with psycopg.connect(server.url, autocommit=True) as db:
            return db.execute(sql, params).fetchone()[0]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if connection.vendor != "postgresql":
        pytest.skip("streaming replication is PostgreSQL's: runs in the PostgreSQL pass")
    from tests.test_gunicorn import gunicorn_command

    root = tmp_path_factory.mktemp("replicated")
    env = clean_env(
        MEDIA_ROOT=str(root / "media"),
        STATIC_ROOT=str(root / "static"),
        PAGE_CACHE_SECONDS="300",
        GUNICORN_WORKERS="1",
        GUNICORN_ACCESSLOG="",
        REPLICA_WAIT_SECONDS=str(DELAY + 10),
    )

    def migrate(primary):  # before the backup: the replica starts with the schema
        result = manage("migrate", "--noinput", "-v0", env={**env, "DATABASE_URL": primary.url})
        assert result.returncode == 0, result.stderr

    # The page cache is purged through Redis, shared by the web node and the `manage.py
    # shell` processes that make the changes here, as by every node and worker in production.
    (root / "redis").mkdir()
    redis = RedisServer(root / "redis")
    redis.start()
    with streaming_pair(root, delay=f"{DELAY}s", before_backup=migrate) as (primary, replica):
        env |= {
            "DATABASE_URL": primary.url,
            "DATABASE_REPLICA_URLS": replica.url,
            "REDIS_URL": redis.url,
        }
        port = free_port()
        log = root / "gunicorn.log"
        with log.open("w") as stderr:
            server = subprocess.Popen(
                gunicorn_command(port), cwd=ROOT, env=env,
                stdout=subprocess.DEVNULL, stderr=stderr, text=True,
            )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for_http(f"{base}/healthz", process=server, log=log)
            site = ReplicatedSite(primary, base, env, log)
            site.replica = replica
            site.session = site.run(
                "from django.test import Client\n"
                "client = Client(); client.force_login(factories.make_user('editor', 'Editor'))\n"
                "result = client.cookies['sessionid'].value"
            )
            yield site
        finally:
            server.terminate()
            server.wait(30)
            redis.stop()
    shutil.rmtree(root, ignore_errors=True)  # both clusters are stopped by now


def _story(site: ReplicatedSite, headline: str) -> tuple[int, str]:
    """A published story made on the primary (its commit waits for the replica)."""
    return site.run(
        "from django.db import transaction\n"
        "with transaction.atomic():\n"
        # Each shell counts its factory stories from 1: a slug of its own.
        f"    story = factories.make_article({headline!r}, slug={uuid.uuid4().hex!r})\n"
        "result = [story.pk, story.get_absolute_url()]"
    )


def _change_headline(site: ReplicatedSite, pk: int, headline: str, *, wait=None) -> dict:
    """Change a headline on the primary without telling any cache (QuerySet.update sends no
    signal); the primary's position just after the commit, and, with `wait` (a timeout),
    what wait_for_replicas then did, in the same process (a second one would start later
    than the replica's lag)."""
    return site.run(
        "import time\n"
        "from articles.models import Article\n"
        "from newsroom import replicas\n"
        f"Article.objects.filter(pk={pk}).update(headline={headline!r})\n"
        "result = {'position': replicas.primary_position(), 'at': time.time()}\n"
        f"if {wait!r} is not None:\n"
        f"    waited = replicas.wait_for_replicas(result['position'], timeout={wait!r})\n"
        "    result |= {'caught_up': list(waited.caught_up), 'held': list(waited.held),\n"
        "               'returned_at': time.time()}"
    )


def _fresh(path: str) -> str:
    # A query string no page has seen: rendered now, not taken from the page cache.
    return f"{path}?v={uuid.uuid4().hex[:8]}"


def test_readers_read_the_lagging_replica_until_wait_for_replicas_says_it_has_replayed(site):
    pk, path = _story(site, "First headline")
    assert "First headline" in site.page(_fresh(path))[1]

    _change_headline(site, pk, "Second headline")
    status, page, _ = site.page(_fresh(path))
    assert status == 200
    # The lag is real: the reader's page comes from the replica, which has not applied it...
    assert "First headline" in page and "Second headline" not in page
    assert site.on(site.replica, "SELECT headline FROM articles_article WHERE id = %s", pk) == (
        "First headline"
    )
    # ...while the desk, signed in, reads its own write from the primary.
    assert "Second headline" in site.page(path, signed_in=True)[1]

    # wait_for_replicas, in one process: the replica is stale after the commit, the wait
    # returns only once it has applied it, DELAY seconds later, and then it is not.
    proof = site.run(
        "import time\n"
        "from articles.models import Article\n"
        "from newsroom import replicas\n"
        "def on_replica():\n"
        f"    return Article.objects.using('replica1').get(pk={pk}).headline\n"
        f"Article.objects.filter(pk={pk}).update(headline='Third headline')\n"
        "position = replicas.primary_position()\n"
        "committed, before = time.monotonic(), on_replica()\n"
        f"waited = replicas.wait_for_replicas(position, timeout={DELAY + 10})\n"
        "result = {'before': before, 'after': on_replica(), 'caught_up': waited.caught_up,\n"
        "          'held': waited.held, 'took': time.monotonic() - committed}"
    )
    assert proof["before"] != "Third headline"  # stale right after the commit
    assert (proof["caught_up"], proof["held"]) == (["replica1"], [])
    assert proof["took"] >= DELAY - 0.5
    assert proof["after"] == "Third headline"
    # From then on, a reader's page (rendered from the replica) shows the change.
    assert "Third headline" in site.page(_fresh(path))[1]


def test_a_replica_still_behind_after_the_wait_is_held_out_until_it_replays(site):
    pk, path = _story(site, "Before the hold")
    changed = _change_headline(site, pk, "During the hold", wait=0.2)
    assert (changed["caught_up"], changed["held"]) == ([], ["replica1"])
    assert site.on(site.postgres, "SELECT count(*) FROM newsroom_replicahold") == 1

    # The site's worker re-read the holds: readers' pages come from the primary...
    page = site.page(_fresh(path))[1]
    replica_had = site.on(site.replica, "SELECT headline FROM articles_article WHERE id = %s", pk)
    assert "During the hold" in page
    assert replica_had == "Before the hold"  # ...since the replica could not have served it

    # A replica already held is not waited for again: the next change holds it at once.
    again = _change_headline(site, pk, "Still during the hold", wait=DELAY + 10)
    assert again["held"] == ["replica1"]
    assert again["returned_at"] - again["at"] < DELAY  # the hold's second, not the lag
    assert "Still during the hold" in site.page(_fresh(path))[1]

    # Once the replica has replayed the position, the next readers put it back in rotation.
    deadline = time.monotonic() + DELAY + 10
    while site.on(site.postgres, "SELECT count(*) FROM newsroom_replicahold"):
        assert time.monotonic() < deadline, "the hold was never released"
        site.page(_fresh(path))
        time.sleep(0.3)
    _change_headline(site, pk, "After the hold")
    page = site.page(_fresh(path))[1]
    assert "Still during the hold" in page  # from the replica again, DELAY behind


def test_a_change_through_the_desk_never_leaves_a_stale_page_in_the_page_cache(site):
    pk, path = _story(site, "Cached headline")
    assert site.page(path)[2]["X-Page-Cache"] == "miss"
    assert site.page(path)[2]["X-Page-Cache"] == "hit"

    saved = site.run(
        "import time\n"
        "from articles.models import Article\n"
        f"story = Article.objects.get(pk={pk})\n"
        "started = time.time()\n"
        "story.headline = 'Corrected headline'\n"
        "story.save()  # a watched model: the page cache's version moves after the commit\n"
        "result = [started, time.time()]"
    )
    started, returned = saved
    # The page rendered right after the save, from the replica, is the corrected one...
    status, page, headers = site.page(path)
    assert status == 200 and headers["X-Page-Cache"] == "miss"
    assert "Corrected headline" in page and "Cached headline" not in page
    assert "Corrected headline" in site.page(path)[1]
    # ...because the save's commit announced the new version only once the replica had
    # replayed it.
    assert returned - started >= DELAY - 0.5


def test_a_replica_that_stops_answering_is_out_of_rotation_and_readers_get_pages(site):
    pk, path = _story(site, "Served whatever happens")
    assert site.page(_fresh(path))[0] == 200  # the worker holds a connection to the replica
    site.replica.stop("fast")

    started = time.monotonic()
    for url in ("/", _fresh(path), "/section/politics/", "/feed/"):
        status, _, _ = site.page(url)
        assert status == 200, url
    assert time.monotonic() - started < 5  # no long timeouts
    _change_headline(site, pk, "Read from the primary")
    assert "Read from the primary" in site.page(_fresh(path))[1]  # no replica DELAY behind
    assert "out of rotation" in site.log.read_text()
    assert json.loads(fetch(f"{site.base}/healthz")[2])["status"] == "ok"
