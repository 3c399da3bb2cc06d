"""Limits on how often something may be asked for (password resets), shared by every worker.

The counts live in the database, the one store every worker and machine already shares:
a local-memory cache gives each worker its own count (the limit multiplied by the number
of workers), and a Redis that is down answers as an empty cache (no limit at all).
"""

import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from newsroom.models import RateLimitCounter


@transaction.atomic
def count(scope: str, value: str, *, window: datetime.timedelta) -> int:
    """Count one request for `value` in `scope`; how many there were in the current window
    (which starts at the first request and lasts `window`), this one included."""
    now = timezone.now()
    key = salted_hmac("newsroom.ratelimit", f"{scope}:{value}", algorithm="sha256").hexdigest()
    RateLimitCounter.objects.filter(expires_at__lte=now).delete()
    # The row lock (PostgreSQL) or the write lock IMMEDIATE transactions take (SQLite)
    # makes concurrent requests count one after the other; a concurrent first request
    # makes get_or_create() read the row the other one inserted.
    counter, created = RateLimitCounter.objects.select_for_update().get_or_create(
        key=key, defaults={"count": 1, "expires_at": now + window}
    )
    if not created:
        RateLimitCounter.objects.filter(pk=counter.pk).update(count=F("count") + 1)
        counter.refresh_from_db(fields=["count"])
    return counter.count


def is_over(scope: str, value: str, *, limit: int, window: datetime.timedelta) -> bool:
    """Count one request; True once more than `limit` were made in the window."""
    return count(scope, value, window=window) > limit
