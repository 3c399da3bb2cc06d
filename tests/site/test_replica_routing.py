"""Where reads go with a read replica: readers' reads to it, the desk and every write to the
primary, and a replica that fails is out of rotation while the primary answers.

The replica here is a second connection to the test database under its own alias (on
SQLite and PostgreSQL alike), so every query shows which alias ran it. Real streaming
replication, with its lag, is in tests/site/test_streaming_replica.py."""

import time

import pytest
from django.contrib.auth.models import User
from django.db import connection, connections, router, transaction
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from articles import previews
from articles.models import Article, Section, Status
from newsroom import pagecache, replicas
from newsroom.models import ReplicaHold
from tests.factories import make_article
from tests.support import free_port

pytestmark = pytest.mark.django_db(transaction=True)  # committed, so the replica sees it


def _story(headline: str, **fields) -> Article:
    # Its own section: an earlier transactional test may have flushed the migrations' ones.
    desk, _ = Section.objects.get_or_create(slug="replicated", defaults={"name": "Replicated"})
    return make_article(headline, primary_section=desk, **fields)


@pytest.fixture
def superuser_client(client):
    # A user of its own: the migrations' groups may have been flushed too.
    boss = User.objects.create_superuser("boss", password="pw")
    client.force_login(boss)
    return client


def _add_replica(settings, **changes):
    default = connections["default"]
    replica = type(default)({**default.settings_dict, **changes}, alias="replica1")
    connections["replica1"] = replica
    settings.DATABASE_REPLICAS = ["replica1"]
    settings.DATABASE_ROUTERS = ["newsroom.replicas.ReplicaRouter"]
    replicas.rotation.forget()
    return replica


@pytest.fixture
def replica(settings):
    replica = _add_replica(settings)
    yield replica
    replica.close()
    del connections["replica1"]
    replicas.rotation.forget()


@pytest.fixture
def unreachable_replica(settings):
    if connection.vendor == "postgresql":  # a port nothing listens on
        replica = _add_replica(settings, HOST="127.0.0.1", PORT=free_port())
    else:  # a file SQLite cannot open
        replica = _add_replica(settings, NAME="/nonexistent/folder/replica.sqlite3")
    yield replica
    replica.close()
    del connections["replica1"]
    replicas.rotation.forget()


def _article_queries(captured) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "articles_article" in q["sql"]]


def test_readers_pages_read_from_the_replica(replica, client):
    story = _story("Read from the replica")
    # The next scheduled change is read once after each purge, by the page cache in front
    # of the replica's middleware: on the primary (newsroom/pagecache.py).
    pagecache.next_change(pagecache.sequence())
    for url in ("/", story.get_absolute_url(), story.primary_section.get_absolute_url()):
        with (
            CaptureQueriesContext(replica) as on_replica,
            CaptureQueriesContext(connection) as on_primary,
        ):
            page = client.get(url)
        assert page.status_code == 200, url
        assert b"Read from the replica" in page.content, url
        assert _article_queries(on_replica), url
        assert not _article_queries(on_primary), url


def test_the_desk_and_anyone_signed_in_read_the_primary(replica, superuser_client):
    story = _story("Seen by the desk")
    for url in (
        "/admin/articles/article/",
        f"/admin/articles/article/{story.pk}/change/",
        story.get_absolute_url(),  # a readers' page, asked by someone signed in
    ):
        with (
            CaptureQueriesContext(replica) as on_replica,
            CaptureQueriesContext(connection) as on_primary,
        ):
            page = superuser_client.get(url)
        assert page.status_code == 200, url
        assert not on_replica.captured_queries, url
        assert _article_queries(on_primary), url


def test_preview_links_read_the_primary(replica, client):
    draft = _story("A draft under review", status=Status.DRAFT)
    path, _ = previews.make_link(draft)
    with CaptureQueriesContext(replica) as on_replica:
        page = client.get(path)
    assert page.status_code == 200 and b"A draft under review" in page.content
    assert not on_replica.captured_queries


def test_a_post_reads_the_primary(replica, client):
    with CaptureQueriesContext(replica) as on_replica:
        client.post("/search/", {"q": "anything"})
        client.post("/admin/login/", {"username": "nobody", "password": "wrong"})
    assert not on_replica.captured_queries


def test_reads_in_a_transaction_and_writes_go_to_the_primary(replica):
    seen = {}

    def view(request):
        seen["outside"] = router.db_for_read(Article)
        with transaction.atomic():
            seen["inside"] = router.db_for_read(Article)
            seen["locked"] = Article.objects.select_for_update().all().db
        seen["write"] = router.db_for_write(Article)
        return None

    replicas.ReplicaMiddleware(view)(RequestFactory().get("/"))
    assert seen == {"outside": "replica1", "inside": "default", "locked": "default",
                    "write": "default"}  # fmt: skip
    # Outside a reader's request (commands, tasks, the shell) everything is the primary's.
    assert router.db_for_read(Article) == "default"


def test_migrations_run_on_the_primary_only(replica):
    assert router.allow_migrate("default", "articles", model_name="article")
    assert not router.allow_migrate("replica1", "articles", model_name="article")


def test_a_held_replica_is_out_of_rotation_until_it_replays_its_position(replica, client):
    story = _story("Held or not")
    ReplicaHold.objects.create(alias="replica1", position=replicas.lsn("FFFF/0"))
    with CaptureQueriesContext(replica) as on_replica:
        assert client.get(story.get_absolute_url()).status_code == 200
    # Held: only asked how far it has replayed (SQLite cannot say: held for good).
    assert not _article_queries(on_replica)
    assert ReplicaHold.objects.filter(alias="replica1").exists()


def test_an_unreachable_replica_is_out_of_rotation_and_the_primary_answers(
    unreachable_replica, client
):
    story = _story("Still served")
    with CaptureQueriesContext(connection) as on_primary:
        page = client.get(story.get_absolute_url())
    assert page.status_code == 200 and b"Still served" in page.content
    assert _article_queries(on_primary)
    assert replicas.rotation.failing("replica1")
    started = time.monotonic()
    for _ in range(5):  # out of rotation: no more attempts to connect
        assert client.get(story.get_absolute_url()).status_code == 200
    assert time.monotonic() - started < 1.0


@pytest.mark.skipif(
    "connection.vendor != 'postgresql'",
    reason="ends a PostgreSQL backend from another connection: runs in the PostgreSQL pass",
)
def test_a_replica_failing_during_a_page_is_out_of_rotation_and_the_page_is_served(replica):
    story = _story("Asked again")
    ended = []

    def end_the_replicas_backend(execute, sql, params, many, context):
        # Just before the page's first query on the replica, its server process is ended
        # for real (as a replica restart would), from the primary.
        if "articles_article" in sql and not ended:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(%s)", [replica.connection.info.backend_pid]
                )
                ended.append(cursor.fetchone()[0])
        return execute(sql, params, many, context)

    reader = Client(raise_request_exception=False)
    with replica.execute_wrapper(end_the_replicas_backend):
        page = reader.get(story.get_absolute_url())
    assert ended == [True]
    assert page.status_code == 200 and b"Asked again" in page.content
    assert replicas.rotation.failing("replica1")


def test_without_replicas_nothing_is_routed_and_no_position_is_asked(django_assert_num_queries):
    assert replicas.replica_aliases() == ()
    with django_assert_num_queries(0):
        assert replicas.primary_position() is None
        assert replicas.wait_for_replicas(None) == replicas.Waited((), ())


def test_positions_are_taken_and_waited_for_after_the_commit(replica):
    with transaction.atomic(), pytest.raises(RuntimeError, match="inside a transaction"):
        replicas.wait_for_replicas("0/3000148")
    if connection.vendor == "postgresql":
        with transaction.atomic(), pytest.raises(RuntimeError, match="misses its commit"):
            replicas.primary_position()
        # The replica here is the primary under another name: complete at once.
        waited = replicas.wait_for_replicas(replicas.primary_position())
        assert waited == replicas.Waited(caught_up=("replica1",), held=())
    else:
        assert replicas.primary_position() is None  # one SQLite file: nothing to wait for
