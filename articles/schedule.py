"""When content changes by itself, with nobody touching anything.

The page cache asks for the next such moment so that cached pages are never served past
it: a scheduled article going live, a front-page slot or a banner starting or ending, a
photo's usage rights lapsing at the end of its "may be used until" day.
"""

import datetime

from django.db.models import Min, Q
from django.utils import timezone

from articles.models import Article, BreakingNews, FrontPageSlot, Photo


def next_change_at(now: datetime.datetime) -> datetime.datetime | None:
    moments = [Article.objects.scheduled(at=now).aggregate(at=Min("published_at"))["at"]]
    for model in (FrontPageSlot, BreakingNews):
        moments += model.objects.aggregate(
            starts=Min("starts_at", filter=Q(starts_at__gt=now)),
            ends=Min("ends_at", filter=Q(ends_at__gt=now)),
        ).values()
    today = timezone.localdate(now)
    shown = Article.objects.live_or_scheduled().values("lead_photo")
    last_day = Photo.objects.filter(usable_until__gte=today, pk__in=shown).aggregate(
        day=Min("usable_until")
    )["day"]
    if last_day is not None:
        # Rights lapse at the start of the day after the last allowed day.
        lapse = datetime.datetime.combine(last_day + datetime.timedelta(days=1), datetime.time.min)
        moments.append(timezone.make_aware(lapse))
    due = [moment for moment in moments if moment is not None]
    return min(due) if due else None
