"""newsroom/purge.py: a committed change's surrogate keys purged from every proxy in
CACHE_PROXIES through the task queue, against a real Varnish (tests/varnish.py)."""

import pytest
from django.db import transaction
from django_tasks.base import TaskResultStatus

from newsroom import purge
from newsroom.invalidation import keys_changed
from tests import varnish as proxy
from tests.site.test_varnish import get
from tests.support import free_port

pytestmark = pytest.mark.skipif(bool(proxy.missing()), reason=proxy.missing() or "")


@pytest.fixture
def stand_in(tmp_path):
    with proxy.stand_in_front(tmp_path) as front:
        yield front


def cache_pages(front, pages: dict[str, str]) -> None:
    """Fetch each page (path: its keys) until it is a hit."""
    for path, keys in pages.items():
        get(f"{front.base}{path}?keys={keys}")
        assert get(f"{front.base}{path}?keys={keys}")[1] == "HIT"


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_purges_exactly_its_keys_from_every_proxy(stand_in, settings):
    settings.CACHE_PROXIES = [stand_in.base]
    pages = {"/story-1": "story-1+section-world", "/story-2": "story-2", "/": "front+story-1"}
    cache_pages(stand_in, pages)
    proxy.StandInBackend.version = 2
    with transaction.atomic():
        keys_changed.send(sender=None, keys=frozenset({"story-1"}))
        # Nothing leaves before the commit: a rolled-back change must purge nothing.
        assert get(f"{stand_in.base}/story-1?keys={pages['/story-1']}")[1] == "HIT"
    for path in ("/story-1", "/"):
        status, cache, _, body = get(f"{stand_in.base}{path}?keys={pages[path]}")
        assert (path, cache, body.endswith(b"version 2")) == (path, "MISS", True)
    assert get(f"{stand_in.base}/story-2?keys=story-2")[1] == "HIT"


def test_a_long_list_of_keys_is_sent_in_batches_varnish_accepts(stand_in, settings):
    settings.CACHE_PROXIES = [stand_in.base]
    keys = [f"tag-{n:05d}" for n in range(3000)]  # ~30 KB: several headers' worth
    assert len(purge.batches(keys)) > 1
    cache_pages(stand_in, {"/first": keys[0], "/last": keys[-1], "/other": "unrelated"})
    assert purge.purge_proxies.call(keys) == {stand_in.base: 2}
    assert get(f"{stand_in.base}/last?keys={keys[-1]}")[1] == "MISS"
    assert get(f"{stand_in.base}/other?keys=unrelated")[1] == "HIT"


def test_a_proxy_that_is_down_fails_the_task_after_bounded_attempts(
    stand_in, settings, monkeypatch, caplog
):
    down = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    settings.CACHE_PROXIES = [down, stand_in.base]
    monkeypatch.setattr(purge, "RETRY_DELAYS", (0, 0))
    cache_pages(stand_in, {"/story-1": "story-1"})
    result = purge.purge_proxies.enqueue(["story-1"])
    assert result.status == TaskResultStatus.FAILED
    assert result.errors[0].exception_class_path == "newsroom.purge.PurgeFailed"
    assert down in result.errors[0].traceback
    # Tried ATTEMPTS times, and the proxy that answered was purged all the same.
    assert len([r for r in caplog.records if "retrying" in r.getMessage()]) == purge.ATTEMPTS - 1
    assert get(f"{stand_in.base}/story-1?keys=story-1")[1] == "MISS"


def test_a_proxy_that_refuses_the_purge_fails_the_task(stand_in, settings):
    settings.CACHE_PROXIES = [stand_in.base]
    with pytest.raises(purge.PurgeFailed, match="400"):
        purge.send_purge(stand_in.base, "")  # the VCL refuses a PURGE without keys


@pytest.mark.django_db(transaction=True)
def test_with_no_proxy_configured_nothing_is_enqueued(settings, monkeypatch):
    settings.CACHE_PROXIES = []
    enqueued = []
    monkeypatch.setattr(
        purge, "enqueue_after_commit", lambda *args, **kwargs: enqueued.append((args, kwargs))
    )
    keys_changed.send(sender=None, keys=frozenset({"story-1"}))
    assert enqueued == []
    settings.CACHE_PROXIES = ["http://127.0.0.1:9"]
    keys_changed.send(sender=None, keys=frozenset({"story-1"}))
    # No replicas: no WAL position to wait for.
    assert enqueued == [((purge.purge_proxies, ["story-1"]), {"position": None})]


def test_the_purge_waits_for_the_replicas_to_replay_the_change_before_it_is_sent(
    settings, monkeypatch
):
    """A proxy purged before a lagging replica has the change would fetch the old page
    again from it and keep it: the wait comes first (proved on a real lagging replica in
    tests/site/test_streaming_replica.py)."""
    settings.CACHE_PROXIES = ["http://127.0.0.1:9"]
    happened = []
    monkeypatch.setattr(
        purge.replicas, "wait_for_replicas", lambda position: happened.append(("wait", position))
    )

    def send_purge(proxy, keys):
        happened.append(("purge", keys))
        return 1

    monkeypatch.setattr(purge, "send_purge", send_purge)
    purge.purge_proxies.call(["story-1"], position="0/3000148")
    assert happened == [("wait", "0/3000148"), ("purge", "story-1")]


def test_the_proxies_are_purged_after_every_other_listener_to_a_change():
    """Whoever else keeps copies (the application's page cache) must have forgotten them
    before a proxy asks a web node again: the proxies' purge is the last receiver."""
    receivers = keys_changed._live_receivers(None)[0]  # (sync, async) in Django 5
    assert receivers[-1] is purge.purge_after_change
