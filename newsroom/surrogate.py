"""Surrogate keys: each readers' response names what it shows, each change what it affects.

A response carries `Surrogate-Key: <keys>` (Fastly's header; our Varnish copies it to
xkey and strips it before the reader sees it). The keys are collected while the response
is made: the code that reads something for a page calls `show(*keys)` (cards, the article,
the navigation, the view's own list), and the page cache middleware writes them into the
header (`emit`). What each key means, and which keys a change affects, is declared in one
place: `articles/keys.py`.

After a change commits, the keys it affects are sent once per transaction through
`newsroom.invalidation.keys_changed`; whoever keeps copies of pages listens (the
application's page cache, the purge of the proxies in front).

The header is for the proxy only: it names the stories and people on a page, which is
harmless, but it is noise for readers and would let anyone map our keys. It leaves the
application only on a request that came through one of TRUSTED_PROXIES (`for_client`).
"""

import contextlib
import contextvars
from collections.abc import Callable, Iterable

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from newsroom.invalidation import keys_changed

HEADER = "Surrogate-Key"
# On every keyed response: purging it empties every copy (after a deploy that changes
# templates, say) through the same door as any other purge.
EVERYTHING = "all"

_shown: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar(
    "surrogate_keys", default=None
)


# --- what a response shows ---------------------------------------------------------


def show(*keys: str) -> None:
    """The response being made shows these things (a no-op outside `collecting()`: the desk,
    a management command)."""
    shown = _shown.get()
    if shown is not None:
        shown.update(keys)


@contextlib.contextmanager
def collecting():
    """Collect the keys shown while the block runs; yields the set."""
    shown: set[str] = set()
    token = _shown.set(shown)
    try:
        yield shown
    finally:
        _shown.reset(token)


def emit(response, shown: Iterable[str]) -> None:
    """Write the keys into the response's header (sorted: the same page, the same bytes)."""
    response[HEADER] = " ".join([EVERYTHING, *sorted(set(shown) - {EVERYTHING})])


def keys_of(response) -> frozenset[str]:
    return frozenset(response.get(HEADER, "").split())


def for_client(request, response):
    """The response as it leaves the application: the header stays only for our proxy."""
    if HEADER in response and not getattr(request, "via_trusted_proxy", False):
        del response[HEADER]
    return response


# --- what a change affects -----------------------------------------------------------


def _send(keys: frozenset[str]) -> None:
    """Tell every cache, once the read replicas have replayed the commit: a page rendered
    from a lagging replica after a purge would keep the old story (newsroom/replicas.py;
    without replicas this costs nothing)."""
    from newsroom import replicas  # it reads the page cache's idea of a reader's request

    replicas.wait_for_replicas(replicas.primary_position())
    keys_changed.send(sender=None, keys=keys)


class _Batch:
    """The keys of one transaction, sent once after it commits."""

    def __init__(self):
        self.keys: set[str] = set()

    def send(self):
        _send(frozenset(self.keys))


def changed(keys: Iterable[str]) -> None:
    """These keys' pages are stale once the current transaction commits: sent then, one
    batch for each atomic block that changed something (usually one: a service's); outside
    a transaction, sent now. A batch is an on_commit callback of its block, so a block
    rolled back (a savepoint, or the whole transaction) takes its keys with it."""
    keys = frozenset(keys)
    if not keys:
        return
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _send(keys)
        return
    # The batch of this atomic block, if it has one yet: the callbacks waiting for the
    # commit are Django's run_on_commit, (savepoint ids, callback, robust) each, the list its
    # own captureOnCommitCallbacks reads.
    # (An atomic block without a savepoint is None there: it lives and dies with its outer.)
    block = set(connection.savepoint_ids) - {None}
    batch = next(
        (
            callback.__self__
            for ids, callback, _robust in connection.run_on_commit
            if ids - {None} == block and isinstance(getattr(callback, "__self__", None), _Batch)
        ),
        None,
    )
    if batch is None:
        batch = _Batch()
        transaction.on_commit(batch.send, robust=True)
    batch.keys |= keys


# Every model whose saves and deletes readers could see, with the function that says which
# keys a change of one instance affects (articles/keys.py registers them).
WATCHED: dict[type, Callable] = {}


def watch(model, affects: Callable[..., Iterable[str]], *, before: Callable | None = None) -> None:
    """Send `affects(instance, deleted=…, created=…, before=…, update_fields=…)` after each
    save or delete of
    `model`. `before(instance)`, if given, runs before a save or delete (what the database
    held until then: which lists a story was on), and its result is passed on as `before`.
    Plain many-to-many relations have their own receiver: `watch_m2m`."""
    WATCHED[model] = affects
    label = model._meta.label

    def saved(sender, instance, created, raw=False, **kwargs):
        if raw:
            return  # loading fixtures: nothing readers saw changed
        previous = instance.__dict__.pop("_surrogate_before", None)
        changed(
            affects(
                instance,
                deleted=False,
                created=created,
                before=previous,
                update_fields=kwargs.get("update_fields"),
            )
        )

    def deleted(sender, instance, **kwargs):
        previous = instance.__dict__.pop("_surrogate_before", None)
        changed(affects(instance, deleted=True, created=False, before=previous, update_fields=None))

    post_save.connect(saved, sender=model, weak=False, dispatch_uid=f"surrogate-save-{label}")
    post_delete.connect(deleted, sender=model, weak=False, dispatch_uid=f"surrogate-del-{label}")
    if before is not None:

        def remember(sender, instance, raw=False, **kwargs):
            if not raw and not instance._state.adding:
                instance.__dict__["_surrogate_before"] = before(instance)

        pre_save.connect(remember, sender=model, weak=False, dispatch_uid=f"surrogate-pre-{label}")
        pre_delete.connect(
            remember, sender=model, weak=False, dispatch_uid=f"surrogate-predel-{label}"
        )


def watch_m2m(field, affects: Callable[..., Iterable[str]]) -> None:
    """Send `affects(instance, reverse=…, pk_set=…)` when a many-to-many relation changes
    (added, removed, or about to be cleared, when the ids are read first)."""
    through = field.remote_field.through
    WATCHED[through] = affects

    def relation_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
        if action == "pre_clear":
            # The ids go away without being named: read them while they are still there.
            if reverse:
                pk_set = set(getattr(instance, field.remote_field.related_name).values_list(
                    "pk", flat=True
                ))  # fmt: skip
            else:
                pk_set = set(getattr(instance, field.name).values_list("pk", flat=True))
        elif action not in ("post_add", "post_remove"):
            return
        changed(affects(instance, reverse=reverse, pk_set=set(pk_set or ())))

    uid = f"surrogate-{through._meta.label}"
    m2m_changed.connect(relation_changed, sender=through, weak=False, dispatch_uid=uid)
