"""Throughput of every page kind, with the page cache off and on, on the real stack.

    .venv/bin/python bench/run.py                     # 2,000 articles, 15 s per run
    .venv/bin/python bench/run.py --scale 100000      # plus the 100,000-article checks

Starts gunicorn (production settings, 5 gthread workers) on PostgreSQL and Redis, seeds the
newsroom (seed_demo --articles N --authors 20), then for each page kind loads it with wrk
(2 threads, 16 connections, a warm-up, then --seconds) rotating over many URLs of that kind,
once with PAGE_CACHE_SECONDS=0 and once with the cache on. Prints JSON lines (also kept in
bench/results/): requests/s, p50/p99 latency, non-2xx; SQL queries per page; search latency;
and, with --scale, page latency at N articles against the same at 2,000.

Needs PostgreSQL and Redis (BENCH_DATABASE_URL, BENCH_REDIS_URL; defaults: the local ones,
database newsroom_bench, Redis db 15) and wrk. See docs/performance.md.
"""

import argparse
import datetime
import json
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stack import (  # noqa: E402
    DEFAULT_DATABASE_URL,
    DEFAULT_REDIS_URL,
    ROOT,
    Gunicorn,
    analyze,
    emit,
    ensure_database,
    fetch,
    manage,
    production_env,
    require_wrk,
    run_wrk,
)

KINDS = ["article", "front", "section", "tag", "author", "feed", "search"]
# What readers type: names, places, bodies, topics (the generated archive names its own).
SEARCHES = ["Farah", "Nour Khan", "Mosul", "port authority", "Kigali drought", "Zeynep",
            "electoral commission", "wildfires Phoenix", "coffee", "Achebe", "teachers union",
            "Valparaiso housing"]  # fmt: skip

URLS_SCRIPT = """
import json, random
from django.db.models import Count
from taggit.models import Tag
from articles.models import Article, Section
from authors.models import Author
random.seed(1)
ids = list(Article.objects.published().values_list("pk", flat=True))
sample = Article.objects.filter(pk__in=random.sample(ids, min(300, len(ids))))
tags = Tag.objects.annotate(n=Count("articles_taggedarticle_items")).order_by("-n")[:30]
print(json.dumps({
  "article": [a.get_absolute_url() for a in sample],
  "front": ["/"],
  "section": [s.get_absolute_url() + (f"?page={p}" if p > 1 else "")
              for s in Section.objects.all() for p in (1, 2, 3)],
  "tag": [f"/tags/{t.slug}/" for t in tags],
  "author": [a.get_absolute_url() for a in Author.objects.filter(bylines__isnull=False)
             .distinct()[:20]],
  "feed": ["/feed/"] + [s.get_absolute_url() + "feed/" for s in Section.objects.all()],
  "search": ["/search/?q=" + q.replace(" ", "+") for q in SEARCHES],
}))
"""

QUERIES_SCRIPT = """
import json
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
urls = json.loads(URLS)
client = Client()
result = {}
for kind, paths in urls.items():
    path = paths[0]
    client.get(path)  # navigation cached, as after the first request
    with CaptureQueriesContext(connection) as ctx:
        status = client.get(path).status_code
    result[kind] = {"path": path, "status": status, "queries": len(ctx.captured_queries)}
print(json.dumps(result))
"""


def page_urls(env: dict) -> dict:
    script = f"SEARCHES = {SEARCHES!r}\n" + URLS_SCRIPT
    return json.loads(manage("shell", "-v0", "-c", script, env=env).strip().splitlines()[-1])


def queries_per_page(env: dict, urls: dict) -> dict:
    script = f"URLS = {json.dumps(json.dumps(urls))}\n" + QUERIES_SCRIPT
    return json.loads(manage("shell", "-v0", "-c", script, env=env).strip().splitlines()[-1])


def sequential_latency(base: str, paths: list[str], *, rounds: int = 3) -> dict:
    """One request at a time: p50 and p90 in ms (what a single reader waits)."""
    timings = []
    for _ in range(rounds):
        for path in paths:
            status, seconds = fetch(base + path)
            if status == 200:
                timings.append(seconds * 1000)
    timings.sort()
    return {
        "requests": len(timings),
        "p50_ms": round(statistics.median(timings), 2) if timings else None,
        "p90_ms": round(timings[int(len(timings) * 0.9)], 2) if timings else None,
    }


def seed(env: dict, articles: int, log) -> None:
    emit({"step": "seed", "articles": articles}, log)
    manage("migrate", "--noinput", "-v0", env=env)
    manage("seed_demo", "--articles", str(articles), "--authors", "20", "-v0", env=env)
    analyze(env["DATABASE_URL"])


def throughput(env: dict, urls: dict, args, log, *, cache: bool, count: int) -> None:
    mode = "cache on" if cache else "cache off"
    settings = {"PAGE_CACHE_SECONDS": "300" if cache else "0"}
    with Gunicorn({**env, **settings}, workers=args.workers) as server:
        for kind in args.kinds:
            paths = urls[kind]
            if cache:
                for path in paths:  # every URL once, so the run measures the warm cache
                    fetch(server.base + path)
            run_wrk(server.base, paths, seconds=args.warmup)  # warm-up: connections, caches
            result = run_wrk(server.base, paths, seconds=args.seconds)
            emit({"articles": count, "mode": mode, "page": kind, "urls": len(paths), **result}, log)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument(
        "--scale", type=int, default=0, help="also grow to this many articles and compare latencies"
    )
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--kinds", nargs="+", default=KINDS, choices=KINDS)
    parser.add_argument("--fresh", action="store_true", help="drop the benchmark database first")
    parser.add_argument("--no-cache-on", action="store_true", help="skip the cache-on runs")
    parser.add_argument("--no-cache-off", action="store_true", help="skip the cache-off runs")
    args = parser.parse_args()  # fmt: skip

    require_wrk()
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")  # noqa: DTZ005 - a file name
    with (results / f"run-{stamp}.jsonl").open("w") as log:
        ensure_database(database_url, fresh=args.fresh)
        env = production_env(database_url, redis_url)
        manage("collectstatic", "--noinput", "-v0", env=env)
        seed(env, args.articles, log)
        urls = page_urls(env)

        off = {**env, "PAGE_CACHE_SECONDS": "0"}
        # The in-process count uses Django's test client, whose host is "testserver".
        counting = {**off, "ALLOWED_HOSTS": off["ALLOWED_HOSTS"] + ",testserver"}
        for kind, measured in queries_per_page(counting, urls).items():
            emit({"articles": args.articles, "mode": "cache off", "page": kind,
                  "queries": measured["queries"], "status": measured["status"]}, log)  # fmt: skip
        if not args.no_cache_off:
            throughput(env, urls, args, log, cache=False, count=args.articles)
        if not args.no_cache_on:
            throughput(env, urls, args, log, cache=True, count=args.articles)

        with Gunicorn(off, workers=1) as server:
            baseline = {kind: sequential_latency(server.base, urls[kind][:30]) for kind in KINDS}
        for kind, latency in baseline.items():
            emit({"articles": args.articles, "mode": "cache off, one request at a time",
                  "page": kind, **latency}, log)  # fmt: skip

        if args.scale:
            seed(env, args.scale, log)
            big_urls = page_urls(env)
            for kind, measured in queries_per_page(counting, big_urls).items():
                emit({"articles": args.scale, "mode": "cache off", "page": kind,
                      "queries": measured["queries"]}, log)  # fmt: skip
            with Gunicorn(off, workers=1) as server:
                for kind in KINDS:
                    latency = sequential_latency(server.base, big_urls[kind][:30])
                    ratio = latency["p50_ms"] / baseline[kind]["p50_ms"]
                    emit({"articles": args.scale, "mode": "cache off, one request at a time",
                          "page": kind, **latency,
                          f"ratio_to_{args.articles}": round(ratio, 2)}, log)  # fmt: skip


if __name__ == "__main__":
    main()
