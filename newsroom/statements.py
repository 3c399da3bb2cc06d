"""Prepared statements, and the queries that must not use them.

On PostgreSQL psycopg prepares a statement once a connection has run it five times
(settings: DB_PREPARED_STATEMENTS). After five executions PostgreSQL may then plan it once
for any parameter values (a generic plan). That is what makes the lists and the article
page cheap, and what makes full-text search slow: how many stories a word matches, and so
how best to find and rank them, depends entirely on the word. At 100,000 articles a search
page's queries took 22-34 ms prepared and 17-25 ms planned for their words (four searches,
docs/performance.md); at 2,000 articles it made no difference.
"""

from contextlib import contextmanager

from django.db import connection


@contextmanager
def planned_each_time():
    """Queries run inside are planned for their own parameter values, never prepared."""
    if connection.vendor != "postgresql":
        yield
        return
    # The connection used inside must be the one changed here: drop a dead one first (as
    # Django would on the request's first query), so nothing reconnects inside the block.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    saved = raw.prepare_threshold
    raw.prepare_threshold = None  # psycopg: prepare nothing on this connection for now
    try:
        yield
    finally:
        raw.prepare_threshold = saved
