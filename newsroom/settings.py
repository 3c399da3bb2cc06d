"""Settings for Newsroom, read from environment variables (and `.env` when present).

With nothing configured the site runs in development mode on SQLite with a local-memory
cache. Production (`DEBUG=0`) refuses to start until the variables that keep it safe are
set; see docs/configuration.md for the full list.
"""

import datetime
import os
import zoneinfo
from pathlib import Path

import dj_database_url
from dotenv import load_dotenv

from newsroom.env import ConfigError, env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

# ENV_FILE= (empty) disables the .env file, which tests use to see only what they set.
_env_file = os.environ.get("ENV_FILE", str(BASE_DIR / ".env"))
if _env_file:
    load_dotenv(_env_file, override=False)

DEBUG = env_bool("DEBUG", default=True)

# --- Secrets and hosts -------------------------------------------------------------------

_INSECURE_KEY_PREFIX = "insecure-development-key"
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ConfigError(
            "SECRET_KEY must be set when DEBUG is off (generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))')."
        )
    SECRET_KEY = f"{_INSECURE_KEY_PREFIX}-do-not-use-in-production"
elif not DEBUG and (SECRET_KEY.startswith(_INSECURE_KEY_PREFIX) or len(SECRET_KEY) < 40):
    raise ConfigError("SECRET_KEY is too short or a development key: use 50 random characters.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ConfigError("ALLOWED_HOSTS must be set when DEBUG is off (e.g. news.example.com).")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

SITE_NAME = env_str("SITE_NAME", "The Newsroom")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
if not SITE_URL.startswith(("http://", "https://")):
    raise ConfigError(f"SITE_URL must start with http:// or https://, not {SITE_URL!r}.")

# --- Applications ------------------------------------------------------------------------

INSTALLED_APPS = [
    "newsroom.admin_site.NewsroomAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "taggit",
    "reversion",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # backup codes
    "django_prose_editor",
    "django_tasks",
    "django_tasks_db",
    "ninja",  # its Swagger UI files, served from our static files (no CDN)
    "newsroom",
    "authors",
    "articles",
    "wordpress",
    "anymail",
    "newsletter",
    "api",
]

MIDDLEWARE = [
    "newsroom.security.TrustedProxyMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "newsroom.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "newsroom.pagecache.PageCacheMiddleware",
    "newsroom.replicas.ReplicaMiddleware",  # readers' reads to a replica (none: not used)
    "api.http.ApiHeadersMiddleware",
    "newsroom.security.RefuseNulBytesMiddleware",
    # Old WordPress addresses (/?p=123, /slug/, /category/x/…): inside the page cache, so
    # its answers are cached and purged by surrogate key like any page.
    "wordpress.middleware.OldAddressMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "newsroom.accounts.TwoStepRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

TEMPLATES = [
    # The admin, forms and a few plain pages (500, 503, news sitemap): Django templates.
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "newsroom.context_processors.site",
                "articles.context_processors.chrome",
            ],
        },
    },
    # The readers' pages: Jinja2, templates/jinja2/ (see newsroom/jinja2.py).
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "newsroom.jinja2.environment",
            "context_processors": [
                "newsroom.context_processors.site",
                "articles.context_processors.chrome",
            ],
        },
    },
]

# --- Database ----------------------------------------------------------------------------

_url_help = "expected e.g. postgres://user:password@127.0.0.1:5432/newsroom"


def _database(
    name: str, url: str, *, postgres_only: bool = False, connect_timeout: int = 3
) -> dict:
    """The DATABASES entry for a URL read from the variable `name`."""
    schemes = {"postgres", "postgresql", "pgsql"} | (set() if postgres_only else {"sqlite"})
    if url.split("://", 1)[0] not in schemes:
        allowed = "postgres://" if postgres_only else "postgres:// or sqlite://"
        raise ConfigError(f"{name} must start with {allowed} ({_url_help}).")
    try:
        database = dj_database_url.parse(
            url, conn_max_age=env_int("DB_CONN_MAX_AGE", 300), conn_health_checks=True
        )
    except Exception as exc:  # dj-database-url raises several kinds; all mean "bad URL".
        raise ConfigError(f"{name} is not a valid database URL: {exc} ({_url_help}).") from None
    if not database.get("NAME"):
        raise ConfigError(f"{name} names no database ({_url_help}).")
    if database["ENGINE"] == "django.db.backends.postgresql":
        options = database.setdefault("OPTIONS", {})
        # Fail fast instead of hanging when PostgreSQL is down or restarting.
        options.setdefault("connect_timeout", connect_timeout)
        # Server-side parameters let psycopg prepare the statements each page repeats (after
        # five uses on a connection), so PostgreSQL stops re-planning them: about half the
        # database time of a page (docs/performance.md).
        # Django turns psycopg's preparing off unless prepare_threshold is given: without it,
        # server-side binding alone prepares nothing.
        if env_bool("DB_PREPARED_STATEMENTS", default=True):
            options.setdefault("server_side_binding", True)
            options.setdefault("prepare_threshold", 5)
    return database


DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {"default": _database("DATABASE_URL", DATABASE_URL)}
else:
    _sqlite_path = Path(env_str("SQLITE_PATH", str(BASE_DIR / "var" / "newsroom.sqlite3")))
    _sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": _sqlite_path,
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }

# Read replicas (newsroom/replicas.py): streaming replicas of the primary, "replica1"...
DATABASE_REPLICAS = []
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS"), start=1):
    if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        raise ConfigError(
            "DATABASE_REPLICA_URLS needs DATABASE_URL to name their PostgreSQL primary."
        )
    # A replica that does not answer costs readers a second once; then the primary serves
    # them while it is out of rotation.
    _replica = _database("DATABASE_REPLICA_URLS", _url, postgres_only=True, connect_timeout=1)
    # Tests read the test database through it: no test replica is created or migrated.
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica{_number}"] = _replica
    DATABASE_REPLICAS.append(f"replica{_number}")
if DATABASE_REPLICAS:
    DATABASE_ROUTERS = ["newsroom.replicas.ReplicaRouter"]
# After a change, how long to wait for the replicas to replay it before holding the late ones
# out of rotation; and how long a replica that failed stays out before it is tried again.
REPLICA_WAIT_SECONDS = env_int("REPLICA_WAIT_SECONDS", 5)
REPLICA_RETRY_SECONDS = env_int("REPLICA_RETRY_SECONDS", 30)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache -------------------------------------------------------------------------------

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError(
            f"REDIS_URL must start with redis://, rediss:// or unix://, not {REDIS_URL!r}."
        )
    CACHES = {
        "default": {
            "BACKEND": "newsroom.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "newsroom"),
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "newsroom",
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

# --- Background tasks (newsroom/background.py) ----------------------------------------------

# Django's task API through the django-tasks backport (Django 6 ships it as django.tasks).
# The queue is a table of the database (django-tasks-db): a task enqueued in a transaction
# commits or rolls back with it, and workers on any machine take tasks with SELECT … FOR
# UPDATE SKIP LOCKED (docs/decisions.md, "Background tasks"). `manage.py worker` runs them;
# the development server drains the same queue in a thread of its own (TASKS_EMBEDDED_WORKER).
_TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    # Runs each task in the process that enqueues it, at once: no retries, no schedule.
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
_task_backend = env_str("TASKS_BACKEND", "database")
if _task_backend not in _TASK_BACKENDS:
    raise ConfigError(
        f"TASKS_BACKEND must be one of {', '.join(_TASK_BACKENDS)}, not {_task_backend!r}."
    )
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[_task_backend]}}
# `manage.py runserver` runs a worker in a thread (never gunicorn: see newsroom/apps.py).
TASKS_EMBEDDED_WORKER = env_bool("TASKS_EMBEDDED_WORKER", default=DEBUG)
# A failed task runs again after TASKS_RETRY_SECONDS, then 4×, 16×… that, TASKS_ATTEMPTS
# times in all, before it waits in the admin ("Failed tasks") for someone to retry it.
TASKS_ATTEMPTS = env_int("TASKS_ATTEMPTS", 4, minimum=1)
TASKS_RETRY_SECONDS = env_int("TASKS_RETRY_SECONDS", 30)
# Workers note they are alive this often; a task whose worker has been silent for six
# beats (killed, machine lost) is failed as lost and retried.
TASKS_HEARTBEAT_SECONDS = env_float("TASKS_HEARTBEAT_SECONDS", 5, minimum=0.1)
# Finished task results and schedule records are deleted after this many days.
TASKS_KEEP_DAYS = env_int("TASKS_KEEP_DAYS", 14, minimum=1)

# --- Page cache (see newsroom/pagecache.py and docs/performance.md) ----------------------

# How long a rendered page is served from the cache (80-100 % of it, at random: a cache
# filled at once does not expire at once) unless a purge comes first; 0 turns it off.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 300)
# How long an expired copy may still be served while one worker renders the new one
# (stale-while-revalidate, for proxies too).
PAGE_CACHE_STALE_SECONDS = env_int("PAGE_CACHE_STALE_SECONDS", 30)
# How long an expired copy is kept to be served while the database is down
# (stale-if-error, for proxies too). Purged copies are never served.
PAGE_CACHE_KEEP_SECONDS = env_int("PAGE_CACHE_KEEP_SECONDS", 86400)
# s-maxage: how long a proxy (Varnish, a CDN) keeps a page, jittered; purged by surrogate
# key before that. Browsers, which no purge reaches, keep it HTTP_CACHE_SECONDS.
SHARED_CACHE_SECONDS = env_int("SHARED_CACHE_SECONDS", 300)
HTTP_CACHE_SECONDS = env_int("HTTP_CACHE_SECONDS", 30)
# The public API (api/): requests per client address per window, past which it answers
# 429 with Retry-After (0: no limit).
API_RATE_LIMIT = env_int("API_RATE_LIMIT", 600)
API_RATE_WINDOW_SECONDS = env_int("API_RATE_WINDOW_SECONDS", 60, minimum=1)
# Webhook endpoints on loopback, private or link-local addresses are refused unless this is
# on (development; tests with a receiver on 127.0.0.1). Never in production.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=False)
# (/r/: the read beacon, articles/reads.py, is never stored, and two of its requests at once
# must not wait for each other's render as two of a page's would.)
PAGE_CACHE_EXCLUDED_PREFIXES = ("/admin/", "/preview/", "/healthz", "/static/", "/media/", "/r/")

# The HTTP proxies in front (Varnish) that a change purges by surrogate key, through the
# task queue (newsroom/purge.py): "http://varnish:6081,http://10.0.0.7:6081". None: no purge.
CACHE_PROXIES = env_list("CACHE_PROXIES")
for _proxy in CACHE_PROXIES:
    if not _proxy.startswith("http://"):
        raise ConfigError(f"CACHE_PROXIES must list http:// addresses, not {_proxy!r}.")

# --- Authentication ----------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"
AUTHENTICATION_BACKENDS = [
    # First, so a locked-out account or address is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (django-axes): five failures for one account from one address lock that
# pair out for 15 minutes. The address is the real client's (see TrustedProxyMiddleware).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "newsroom.security.client_ip"
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_VERBOSE = False
# Two-step sign-in (TOTP, django-otp): staff may turn it on; REQUIRE_2FA_FOR_EDITORS makes
# it compulsory for everyone who can publish.
REQUIRE_2FA_FOR_EDITORS = env_bool("REQUIRE_2FA_FOR_EDITORS", default=False)
OTP_TOTP_ISSUER = SITE_NAME
# Password reset requests per address and per e-mail address, per hour.
PASSWORD_RESET_LIMIT = env_int("PASSWORD_RESET_LIMIT", 5, minimum=1)
EMAIL_BACKEND = (
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG and not env_str("EMAIL_HOST")
    else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "newsroom@localhost")
# A provider's HTTP API instead of SMTP, through django-anymail (its webhook reports bounces
# and complaints at /newsletter/anymail/<provider>/tracking/, docs/newsletter.md).
_EMAIL_PROVIDERS = {
    "mailgun": ("anymail.backends.mailgun.EmailBackend", "MAILGUN_API_KEY"),
    "postmark": ("anymail.backends.postmark.EmailBackend", "POSTMARK_SERVER_TOKEN"),
    "sendgrid": ("anymail.backends.sendgrid.EmailBackend", "SENDGRID_API_KEY"),
    "brevo": ("anymail.backends.brevo.EmailBackend", "BREVO_API_KEY"),
}
EMAIL_PROVIDER = env_str("EMAIL_PROVIDER")
if EMAIL_PROVIDER:
    if EMAIL_PROVIDER not in _EMAIL_PROVIDERS:
        raise ConfigError(
            f"EMAIL_PROVIDER must be one of {', '.join(_EMAIL_PROVIDERS)}, not {EMAIL_PROVIDER!r}."
        )
    if not env_str("EMAIL_PROVIDER_API_KEY") or not env_str("EMAIL_WEBHOOK_SECRET"):
        raise ConfigError(
            "EMAIL_PROVIDER needs EMAIL_PROVIDER_API_KEY (the provider's key) and "
            "EMAIL_WEBHOOK_SECRET (user:password the provider's webhook signs in with)."
        )
    EMAIL_BACKEND, _key_name = _EMAIL_PROVIDERS[EMAIL_PROVIDER]
    ANYMAIL = {_key_name: env_str("EMAIL_PROVIDER_API_KEY")}
    ANYMAIL["WEBHOOK_SECRET"] = env_str("EMAIL_WEBHOOK_SECRET")
else:
    ANYMAIL = {"WEBHOOK_SECRET": env_str("EMAIL_WEBHOOK_SECRET")}

# --- Newsletter (newsletter/, docs/newsletter.md) -----------------------------------------

# When the daily briefing goes out, in TIME_ZONE (HH:MM).
_briefing_at = env_str("NEWSLETTER_BRIEFING_AT", "07:00")
try:
    NEWSLETTER_BRIEFING_AT = datetime.time.fromisoformat(_briefing_at)
except ValueError:
    raise ConfigError(
        f"NEWSLETTER_BRIEFING_AT must be a time such as 07:00, not {_briefing_at!r}."
    ) from None
# How long a confirmation link works.
NEWSLETTER_CONFIRM_DAYS = env_int("NEWSLETTER_CONFIRM_DAYS", 3, minimum=1)
# Emails handed to the mail server per task, and at most this many a second (0: no limit).
NEWSLETTER_BATCH_SIZE = env_int("NEWSLETTER_BATCH_SIZE", 500, minimum=1)
NEWSLETTER_SEND_PER_SECOND = env_float("NEWSLETTER_SEND_PER_SECOND", 100, minimum=0)
# Subscription requests per network address per hour, and per email address per day.
NEWSLETTER_SUBSCRIBE_PER_IP = env_int("NEWSLETTER_SUBSCRIBE_PER_IP", 20, minimum=1)
NEWSLETTER_SUBSCRIBE_PER_ADDRESS = env_int("NEWSLETTER_SUBSCRIBE_PER_ADDRESS", 3, minimum=1)

# --- Internationalisation ----------------------------------------------------------------

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
try:
    zoneinfo.ZoneInfo(TIME_ZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ConfigError(
        f"TIME_ZONE {TIME_ZONE!r} is not a known time zone (e.g. Europe/London)."
    ) from None
USE_I18N = True
USE_TZ = True

# --- Static and media files --------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# Photos, renditions and portraits: the local folder (temporary name, then rename:
# newsroom/storage.py), or with MEDIA_STORAGE=s3 a bucket through django-storages. Code
# only ever uses Django's storage API, so this is the one place that differs.
MEDIA_STORAGE = env_str("MEDIA_STORAGE", "local").lower()
if MEDIA_STORAGE == "local":
    MEDIA_URL = env_str("MEDIA_URL", "/media/")
    _media_storage = {"BACKEND": "newsroom.storage.FileSystemMediaStorage"}
elif MEDIA_STORAGE == "s3":
    from newsroom.storage import s3_storage

    _bucket = env_str("S3_BUCKET")
    if not _bucket:
        raise ConfigError("S3_BUCKET must be set when MEDIA_STORAGE=s3 (the bucket's name).")
    _endpoint = env_str("S3_ENDPOINT_URL").rstrip("/")  # empty: Amazon S3 itself
    if _endpoint and not _endpoint.startswith(("http://", "https://")):
        raise ConfigError(
            f"S3_ENDPOINT_URL must start with http:// or https://, not {_endpoint!r}."
        )
    _region = env_str("S3_REGION", "us-east-1")
    # Where readers' browsers fetch media: a CDN, or the bucket itself.
    MEDIA_URL = env_str(
        "MEDIA_URL",
        f"{_endpoint}/{_bucket}/"
        if _endpoint
        else f"https://{_bucket}.s3.{_region}.amazonaws.com/",
    )
    if not MEDIA_URL.startswith(("http://", "https://")):
        raise ConfigError(
            f"MEDIA_URL must be an absolute http(s) address with S3, not {MEDIA_URL!r}."
        )
    MEDIA_URL = MEDIA_URL.rstrip("/") + "/"
    _signed = env_bool("S3_SIGNED_URLS", default=False)
    _expiry = env_int("S3_URL_EXPIRY", 3600, minimum=60)
    # A page keeps the URLs it was rendered with for as long as it is cached, here and by
    # browsers and CDNs: a signed URL must outlive every such copy.
    _page_lifetime = PAGE_CACHE_SECONDS + PAGE_CACHE_STALE_SECONDS + HTTP_CACHE_SECONDS
    if _signed and _expiry <= _page_lifetime:
        raise ConfigError(
            f"S3_URL_EXPIRY ({_expiry} s) must be longer than a cached page lives "
            f"(PAGE_CACHE_SECONDS + PAGE_CACHE_STALE_SECONDS + HTTP_CACHE_SECONDS = "
            f"{_page_lifetime} s), or pages would show expired photo addresses."
        )
    _media_storage = s3_storage(
        bucket=_bucket,
        endpoint=_endpoint,
        region=_region,
        media_url=MEDIA_URL,
        # Unset: boto3's own chain (AWS_ACCESS_KEY_ID…, an instance role).
        access_key=env_str("S3_ACCESS_KEY_ID"),
        secret_key=env_str("S3_SECRET_ACCESS_KEY"),
        acl=env_str("S3_DEFAULT_ACL"),  # e.g. public-read, where no bucket policy does it
        signed=_signed,
        expiry=_expiry,
        timeout=env_int("S3_TIMEOUT", 5, minimum=1),
    )
else:
    raise ConfigError(f"MEDIA_STORAGE must be local or s3, not {MEDIA_STORAGE!r}.")
STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        # Hashed, compressed names in production; plain files while developing and testing.
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Upload limits for photos (see newsroom/imaging.py).
PHOTO_MAX_UPLOAD_MB = env_int("PHOTO_MAX_UPLOAD_MB", 25, minimum=1)
PHOTO_MAX_MEGAPIXELS = env_int("PHOTO_MAX_MEGAPIXELS", 50, minimum=1)
# Most memory opening one photo may take; with the rest of a worker it keeps the peak of
# the largest accepted image under 250 MB (bench/uploads.py, tests/articles/test_large_uploads.py).
# 110 since the API, the newsletter and S3 came in (December 2026): a worker holds 93 MB
# before any photo, 29 MB more than before, and the largest WebP went over 250 MB at 120.
PHOTO_DECODE_MEMORY_MB = env_int("PHOTO_DECODE_MEMORY_MB", 110, minimum=16)
# Media is served by Django only while developing; in production the proxy or object
# storage serves it (see docs/deployment.md).
SERVE_MEDIA = env_bool("SERVE_MEDIA", default=DEBUG and MEDIA_STORAGE == "local")

# --- Security ----------------------------------------------------------------------------

SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 60 * 60 * 12)  # a working day
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# Health checks come from the orchestrator over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
# The proxy in front of us (its addresses) is the only one whose X-Forwarded-* we believe.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Logging -----------------------------------------------------------------------------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
    },
    # An outage repeats one failure thousands of times a second: the first in full, then a
    # line a minute while it lasts and one when it ends (newsroom/logthrottle.py).
    "filters": {"repeats": {"()": "newsroom.logthrottle.ThrottleRepeats", "interval": 60}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["repeats"]}
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
