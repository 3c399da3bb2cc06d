"""Settings for bench/api.py's library comparison only: the project's settings plus Django
REST framework and drf-spectacular, which are not dependencies of the project (install
them by hand to run the comparison: pip install djangorestframework drf-spectacular)."""

from newsroom.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "rest_framework", "drf_spectacular"]  # noqa: F405
ROOT_URLCONF = "bench.api_urls"
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": [],
    "UNAUTHENTICATED_USER": None,
}
