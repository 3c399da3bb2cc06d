"""What readers see has changed: the surrogate keys of a committed change.

Every readers' response names what it shows in surrogate keys (a story, a section, a tag,
an author, the front page, a feed…). When a change commits, the keys it affects are sent
once through ``keys_changed``; whoever keeps copies of pages listens: the application's own
page cache, and the purge of the HTTP proxies in front (Varnish), through the task queue.
"""

from django.dispatch import Signal

# Sent after the transaction commits, with ``keys``: a frozenset of surrogate keys.
keys_changed = Signal()
