"""Sixty seconds of mixed readers at 64 connections: errors, memory, and a PostgreSQL restart.

    .venv/bin/python bench/load.py steady        # zero 5xx? worker memory flat?
    .venv/bin/python bench/load.py pg-restart    # PostgreSQL restarted at 20 s
    bash bench/load.sh                           # both

steady: gunicorn (production settings, 5 workers, worker recycling off so a leak would
show) on the benchmark database and Redis; wrk runs 60 s at 64 connections over a mix of
article, front, section, tag, author, feed and search URLs; worker memory (RSS) is sampled
every second and the first 10 s compared with the last 10 s.

pg-restart: the same load, but against a PostgreSQL cluster of its own (never the
machine's), restarted 20 s in; a probe requests an uncached page every 100 ms and reports
how requests failed (fast 503s, not hangs) and how long the site took to recover by itself.

Prints JSON lines (also kept in bench/results/).
"""

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.run import page_urls  # noqa: E402
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
    rss_mb,
    run_wrk,
)

SECONDS = 60
CONNECTIONS = 64


def mixed(urls: dict) -> list[str]:
    """Mostly articles, as on a news day, with every other kind of page in between."""
    paths = []
    for index, article in enumerate(urls["article"]):
        paths.append(article)
        other = ["front", "section", "tag", "author", "feed", "search"][index % 6]
        paths.append(urls[other][index % len(urls[other])])
    return paths


def sample_memory(server: Gunicorn, seconds: int, samples: list) -> None:
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        pids = server.worker_pids()
        samples.append((time.monotonic() - started, sum(rss_mb(pid) for pid in pids), len(pids)))
        time.sleep(1)


def steady(args, log) -> None:
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    ensure_database(database_url, fresh=False)
    env = production_env(database_url, redis_url, GUNICORN_MAX_REQUESTS="0")
    manage("collectstatic", "--noinput", "-v0", env=env)
    manage("migrate", "--noinput", "-v0", env=env)
    manage("seed_demo", "--articles", str(args.articles), "-v0", env=env)
    analyze(database_url)
    paths = mixed(page_urls(env))
    with Gunicorn(env, workers=5) as server:
        run_wrk(server.base, paths, seconds=5, connections=CONNECTIONS)  # warm-up
        samples: list = []
        sampler = threading.Thread(target=sample_memory, args=(server, args.seconds, samples))
        sampler.start()
        result = run_wrk(server.base, paths, seconds=args.seconds, connections=CONNECTIONS)
        sampler.join()
    first = [mb for at, mb, _ in samples if at < 10]
    last = [mb for at, mb, _ in samples if at >= args.seconds - 10]
    growth = (statistics.mean(last) / statistics.mean(first) - 1) * 100
    emit({"scenario": "steady", "seconds": args.seconds, "connections": CONNECTIONS,
          "urls": len(paths), **result,
          "workers_rss_mb_first_10s": round(statistics.mean(first), 1),
          "workers_rss_mb_last_10s": round(statistics.mean(last), 1),
          "rss_growth_percent": round(growth, 1)}, log)  # fmt: skip


def pg_restart(args, log) -> None:
    from tests.services import postgres_server

    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    with tempfile.TemporaryDirectory() as folder, postgres_server(Path(folder)) as postgres:
        env = production_env(postgres.url, redis_url, CACHE_KEY_PREFIX="load-restart")
        manage("collectstatic", "--noinput", "-v0", env=env)
        manage("migrate", "--noinput", "-v0", env=env)
        manage("seed_demo", "--articles", str(args.articles), "-v0", env=env)
        analyze(postgres.url)
        paths = mixed(page_urls(env))
        with Gunicorn(env, workers=5) as server:
            probe: list[tuple[float, int, float]] = []
            stop = threading.Event()
            started = time.monotonic()

            def probing():
                # An uncached page (a search), so every probe needs the database.
                while not stop.is_set():
                    status, seconds = fetch(f"{server.base}/search/?q=probe{len(probe)}")
                    probe.append((time.monotonic() - started, status, seconds))
                    time.sleep(0.1)

            def restart():
                time.sleep(20)
                marks["down"] = time.monotonic() - started
                postgres.stop("fast")
                postgres.start()
                marks["up"] = time.monotonic() - started

            marks: dict[str, float] = {}
            threads = [threading.Thread(target=probing), threading.Thread(target=restart)]
            for thread in threads:
                thread.start()
            result = run_wrk(server.base, paths, seconds=args.seconds, connections=CONNECTIONS)
            stop.set()
            for thread in threads:
                thread.join()
    during = [p for p in probe if marks["down"] <= p[0] <= marks["up"] + 30]
    failures = [p for p in during if p[1] != 200]
    recovered = next((at for at, status, _ in probe if at > marks["up"] and status == 200), None)
    emit({"scenario": "pg-restart", "seconds": args.seconds, "connections": CONNECTIONS, **result,
          "postgres_down_at_s": round(marks["down"], 1),
          "postgres_back_at_s": round(marks["up"], 1),
          "probe_failures": len(failures),
          "probe_failure_statuses": sorted({status for _, status, _ in failures}),
          "slowest_failed_probe_s": round(max((s for _, _, s in failures), default=0), 3),
          "recovered_after_s": round(recovered - marks["up"], 2) if recovered else None},
         log)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", choices=["steady", "pg-restart"])
    parser.add_argument("--seconds", type=int, default=SECONDS)
    parser.add_argument("--articles", type=int, default=2000)
    args = parser.parse_args()
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")  # noqa: DTZ005 - a file name
    with (results / f"load-{args.scenario}-{stamp}.jsonl").open("w") as log:
        {"steady": steady, "pg-restart": pg_restart}[args.scenario](args, log)


if __name__ == "__main__":
    main()
