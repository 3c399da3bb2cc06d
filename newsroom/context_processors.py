from django.conf import settings
from django.utils import timezone


def site(request):
    """The newsroom's name, address and time zone, for every template."""
    return {
        "YEAR": timezone.localdate().year,
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "TIME_ZONE": settings.TIME_ZONE,
    }
