"""Gunicorn settings shared by the container image and `make serve`.

Every value can be overridden with an environment variable of the same name in capitals
prefixed by GUNICORN_ (e.g. GUNICORN_WORKERS=5).
"""

import gc
import multiprocessing
import os
import sys

from newsroom.env import ConfigError, env_bool

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
wsgi_app = "newsroom.wsgi:application"


def _or_refuse(read):
    """read(), or a one-line message and no start when the configuration is wrong.

    Checked while this file loads: with preload_app the application (and so the settings)
    loads before any server hook runs."""
    try:
        return read()
    except ConfigError as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        sys.exit(1)


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# Each thread keeps its own database connection (DB_CONN_MAX_AGE), so one node opens up to
# workers x threads of them. gunicorn's usual 2 x cores + 1 is capped at 8 workers: 8 x 4 =
# 32 connections a node, so two nodes and the management commands fit in PostgreSQL's
# default max_connections of 100 (docs/deployment.md has the arithmetic). An explicit
# GUNICORN_WORKERS is taken as given.
MAX_DEFAULT_WORKERS = 8
workers = int(
    os.environ.get(
        "GUNICORN_WORKERS", min(multiprocessing.cpu_count() * 2 + 1, MAX_DEFAULT_WORKERS)
    )
)
# gthread workers, four threads each: connections are kept alive between requests (a
# proxy or CDN reuses them; sync workers close every one) and a slow client does not hold
# a whole process. Measured against sync workers in docs/performance.md (run 10): faster
# with the cache off and on, and no 1 s tail from refused connections.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", 4))  # with sync, gunicorn wants 1
# A request that takes longer than this is stuck; kill the worker rather than queue behind it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
# gunicorn 24+ opens a control socket at one path per user ($HOME/.gunicorn/gunicorn.ctl):
# two nodes on one machine (tests, benchmarks, `docker compose` with host networking) would
# share it. Nothing here uses it; nodes are managed by signals and the orchestrator.
control_socket_disable = True
keepalive = 5
# The application loads once in the master and every worker is forked from it: a worker
# starts in milliseconds instead of a second, so recycling one (below) does not stall the
# requests queued on it (it did: p99 of 400 ms on cached pages, docs/performance.md), and
# the workers share the memory of the loaded code. The master never opens a database or
# cache connection (tests/test_gunicorn.py checks), so no worker inherits one.
preload_app = _or_refuse(lambda: env_bool("GUNICORN_PRELOAD", default=True))
# Recycle workers now and then so a slow leak can never take the site down.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 20000))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
# Gunicorn believes X-Forwarded-Proto only from these addresses; Django's
# TrustedProxyMiddleware applies the same list to every forwarded header.
forwarded_allow_ips = os.environ.get("TRUSTED_PROXIES", "")


def _load_settings() -> None:
    from django.conf import settings

    settings.INSTALLED_APPS  # noqa: B018 - loading the settings module validates it


_or_refuse(_load_settings)


def _page_cache_needs_a_shared_cache() -> None:
    from newsroom import pagecache

    if pagecache.off_unless_shared(processes=workers):
        print(
            "Page cache off: several workers and no REDIS_URL (a purge would reach one "
            "worker's memory only).",
            file=sys.stderr,
        )


_page_cache_needs_a_shared_cache()


def when_ready(server):
    """Everything loaded so far (Django, the project, its URLs and views) lives as long as
    the process: keep it out of the garbage collector's scans in every worker forked here."""
    gc.freeze()
