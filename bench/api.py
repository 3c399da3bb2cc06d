"""The API's figures: django-ninja against Django REST framework + drf-spectacular on the
article list, and the article detail endpoint's throughput on the real stack.

    .venv/bin/python bench/api.py              # both parts, 2,000 articles
    .venv/bin/python bench/api.py --part library
    .venv/bin/python bench/api.py --part detail --seconds 15

library: in-process (Django's test client, production settings, page cache and rate limit
off), the same list of 20 cards from the same reads, N requests each way after a warm-up:
ms per request, SQL queries per request, and the time to build the OpenAPI schema. Needs
djangorestframework and drf-spectacular installed by hand (they are not dependencies).

detail: gunicorn (production settings) on PostgreSQL and Redis with wrk, rotating over 300
published stories' /api/v1/articles/<id>, page cache off then on (through the application's
own cache; the Varnish figure belongs to the proxy's bench). Prints JSON lines.

Needs PostgreSQL and Redis: BENCH_DATABASE_URL (default: the local newsroom_bench) and
BENCH_REDIS_URL (default: Redis db 15).
"""

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stack import (  # noqa: E402
    DEFAULT_DATABASE_URL,
    DEFAULT_REDIS_URL,
    Gunicorn,
    analyze,
    emit,
    ensure_database,
    fetch,
    manage,
    production_env,
    run_wrk,
)

LIBRARY_SCRIPT = """
import json, time
from django.db import connection
from django.test import Client
from api.routes import api
client = Client(HTTP_HOST="127.0.0.1")
result = {}
for name, path in (("django-ninja", "/api/v1/articles?limit=20"),
                   ("DRF + drf-spectacular", "/drf/articles?limit=20")):
    for _ in range(30):
        assert client.get(path).status_code == 200
    seen = []
    with connection.execute_wrapper(lambda run, sql, *rest: seen.append(sql) or run(sql, *rest)):
        client.get(path)
    started = time.perf_counter()
    for _ in range(N):
        client.get(path)
    ms = (time.perf_counter() - started) * 1000 / N
    result[name] = {"ms_per_request": round(ms, 2), "queries": len(seen)}
started = time.perf_counter()
api.get_openapi_schema()
result["django-ninja"]["schema_ms"] = round((time.perf_counter() - started) * 1000, 1)
started = time.perf_counter()
assert client.get("/drf/schema").status_code == 200
result["DRF + drf-spectacular"]["schema_ms"] = round((time.perf_counter() - started) * 1000, 1)
print(json.dumps(result))
"""

IDS_SCRIPT = """
import json, random
from articles.models import Article
random.seed(1)
ids = list(Article.objects.published().values_list("pk", flat=True))
print(json.dumps(random.sample(ids, min(300, len(ids)))))
"""


def library(env: dict, args) -> None:
    bench_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.api_settings",
                 "PAGE_CACHE_SECONDS": "0", "API_RATE_LIMIT": "0"}  # fmt: skip
    out = manage("shell", "-v0", "-c", f"N = {args.requests}\n" + LIBRARY_SCRIPT, env=bench_env)
    for name, figures in json.loads(out.strip().splitlines()[-1]).items():
        emit({"part": "library", "library": name, "articles": args.articles,
              "requests": args.requests, **figures})  # fmt: skip


def detail(env: dict, args) -> None:
    ids = json.loads(manage("shell", "-v0", "-c", IDS_SCRIPT, env=env).strip().splitlines()[-1])
    paths = [f"/api/v1/articles/{pk}" for pk in ids]
    for cache in (False, True):
        settings = {"PAGE_CACHE_SECONDS": "300" if cache else "0", "API_RATE_LIMIT": "0"}
        with Gunicorn({**env, **settings}, workers=args.workers) as server:
            if cache:
                for path in paths:
                    fetch(server.base + path)
            run_wrk(server.base, paths, seconds=args.warmup)
            result = run_wrk(server.base, paths, seconds=args.seconds)
            emit({"part": "detail", "mode": "cache on" if cache else "cache off",
                  "articles": args.articles, "urls": len(paths), **result})  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=["library", "detail", "both"], default="both")
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    args = parser.parse_args()
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    ensure_database(database_url, fresh=not args.reuse)
    env = production_env(database_url, redis_url)
    if not args.reuse:
        manage("migrate", "--noinput", "-v0", env=env)
        manage("seed_demo", "--articles", str(args.articles), "--authors", "20", "-v0", env=env)
        analyze(database_url)
    manage("collectstatic", "--noinput", "-v0", env=env)
    if args.part in ("library", "both"):
        library(env, args)
    if args.part in ("detail", "both"):
        detail(env, args)


if __name__ == "__main__":
    main()
