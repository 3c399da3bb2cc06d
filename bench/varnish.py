"""Varnish in front (deploy/varnish/): the issue 17 targets, on the real stack.

    .venv/bin/python bench/varnish.py static         # Varnish vs nginx serving the same bytes
    .venv/bin/python bench/varnish.py slow-clients   # 200 slow-header connections for 30 s
    .venv/bin/python bench/varnish.py outage         # PostgreSQL down for 2 minutes under load
    .venv/bin/python bench/varnish.py breaking-news  # 2,000 URLs, a change every 10 s, stale check
    .venv/bin/python bench/varnish.py beacon         # cached article views with and without
                                                     # the read beacon (articles/reads.py)
    .venv/bin/python bench/varnish.py all

Each starts gunicorn web nodes (production settings, gunicorn.conf.py) and Varnish through
deploy/varnish/run.sh, as the container does, and loads them with wrk (2 threads). static,
slow-clients and breaking-news use the benchmark database (BENCH_DATABASE_URL, default the
local newsroom_bench) and Redis (BENCH_REDIS_URL, default db 15), seeded with --articles
(2,000) stories; outage uses a PostgreSQL cluster of its own (never the machine's), which
it stops. Prints JSON lines (also kept in bench/results/). See docs/performance.md.
"""

import argparse
import datetime
import gzip
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stack import (  # noqa: E402
    DEFAULT_DATABASE_URL,
    DEFAULT_REDIS_URL,
    ROOT,
    analyze,
    emit,
    ensure_database,
    parse_wrk,
    require_wrk,
)
from tests import varnish as proxy  # noqa: E402
from tests.support import free_port  # noqa: E402

CONNECTIONS = 32
NODES = 2  # as docker-compose.yml runs
WORKERS = 2  # per node: two nodes share the machine's cores

# wrk: GET the URLs in WRK_URLS, a share of them (WRK_HOT_SHARE) from the first WRK_HOT
# lines (the hot stories), the rest uniformly; gzip accepted, as browsers do.
LOAD_LUA = """
local urls = {}
for line in io.lines(os.getenv("WRK_URLS")) do urls[#urls + 1] = line end
local hot = tonumber(os.getenv("WRK_HOT") or "0")
local share = tonumber(os.getenv("WRK_HOT_SHARE") or "0")
local headers = {["Accept-Encoding"] = "gzip"}
-- each wrk thread runs this file in its own Lua state: a seed of its own
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
request = function()
  local i
  if hot > 0 and math.random() < share then i = math.random(hot) else i = math.random(#urls) end
  return wrk.format("GET", urls[i], headers)
end
"""

URLS_SCRIPT = """
import json
from django.db.models import Count
from taggit.models import Tag
from articles.models import Article, Section
from authors.models import Author
stories = list(Article.objects.published().order_by("-published_at")[:LIMIT])
sections = list(Section.objects.all())
tags = Tag.objects.annotate(n=Count("articles_taggedarticle_items")).order_by("-n")[:100]
hot = ["/", "/feed/"] + [s.get_absolute_url() for s in sections] + [
    a.get_absolute_url() for a in stories[:6]]
rest = ([a.get_absolute_url() for a in stories[6:]]
        + [s.get_absolute_url() + f"?page={p}" for s in sections for p in (2, 3, 4)]
        + [s.get_absolute_url() + "feed/" for s in sections]
        + [f"/tags/{t.slug}/" for t in tags] + [f"/tags/{t.slug}/feed/" for t in tags[:30]]
        + [a.get_absolute_url() for a in Author.objects.filter(bylines__isnull=False)
           .distinct()[:20]]
        + ["/sitemap.xml", "/news-sitemap.xml", "/corrections/"])
result = {"hot": hot, "urls": hot + rest}
"""

# The desk: every INTERVAL seconds publishes a new story or corrects a recent one (edits its
# headline and adds a correction), through the services, as the admin does. Prints a JSON
# line per change: what readers must now see, and how long the purge took.
DESK_SCRIPT = """
import itertools, json, sys, time
from django.contrib.auth.models import User
from django.utils import timezone
from django_tasks.signals import task_finished, task_started
from articles import services
from articles.models import Article, Section
from authors.models import Author

editor = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser(
    "bench-desk", "desk@example.com", "pw")
purges = []
task_started.connect(lambda sender, task_result, **kw: purges.append([time.time(), None]),
                     weak=False)
def finished(sender, task_result, **kw):
    purges[-1][1] = time.time()
    purges[-1].append(task_result.status)
task_finished.connect(finished, weak=False)
sections = list(Section.objects.all())
authors = list(Author.objects.all()[:5])
deadline = time.time() + SECONDS
for n in itertools.count(1):
    if time.time() >= deadline:
        break
    started = time.time()
    marker = f"Bnx{n}x{int(started)}"
    purges.clear()
    if n % 2:
        section = sections[n % len(sections)]
        story = services.save_article(
            Article(headline=f"Breaking {marker}", slug=f"breaking-{marker.lower()}",
                    standfirst=f"What we know so far {marker}.",
                    body=f"<p>Developing story {marker}.</p>", primary_section=section),
            by=editor, authors=authors[:1], sections=[section], tags=["breaking"])
        story = services.publish(story, by=editor)
        old = None
        kind = "publish"
    else:
        story = Article.objects.published().order_by("-published_at")[n % 4]
        old = story.headline
        story.headline = f"Corrected {marker}"
        story = services.save_article(story, by=editor)
        services.add_correction(story, by=editor, text=f"An earlier version said {marker}.")
        kind = "correct"
    done = time.time()
    story = Article.objects.get(pk=story.pk)
    print(json.dumps({
        "n": n, "kind": kind, "marker": marker, "old": old,
        "url": story.get_absolute_url(),
        "section": story.primary_section.get_absolute_url(),
        "change_seconds": round(done - started, 4),
        "purges": [{"seconds": round(b - a, 4), "status": str(s)} for a, b, s in purges],
    }), flush=True)
    time.sleep(max(0, started + INTERVAL - time.time()))
"""


# --- the stack ----------------------------------------------------------------------------


class Stack:
    """NODES gunicorn nodes and Varnish in front, on one database and Redis."""

    def __init__(self, folder: Path, database_url: str, redis_url: str | None, **settings):
        extra = {"REDIS_URL": redis_url} if redis_url else {}
        self.site = proxy.Site(folder / "site", database_url=database_url, **extra, **settings)
        self.site.env["GUNICORN_WORKERS"] = str(WORKERS)
        self.folder = folder

    def __enter__(self):
        self.nodes = [self.site.node() for _ in range(NODES)]
        for node in self.nodes:
            node.__enter__()
        self.varnish = proxy.Varnish(
            self.folder / "varnish", [node.address for node in self.nodes],
            storage="malloc,512m", probe_interval="1s", probe_host="localhost",
        )  # fmt: skip
        self.varnish.__enter__()
        self.site.env["CACHE_PROXIES"] = self.varnish.base
        return self

    def __exit__(self, *exc):
        self.varnish.__exit__()
        for node in self.nodes:
            node.__exit__()

    @property
    def base(self) -> str:
        return self.varnish.base

    def hit_ratio_since(self, before: dict) -> dict:
        now = self.varnish.stats()
        hits = now["MAIN.cache_hit"] - before["MAIN.cache_hit"]
        misses = now["MAIN.cache_miss"] - before["MAIN.cache_miss"]
        passes = now["MAIN.s_pass"] - before["MAIN.s_pass"]
        return {
            "cache_hits": hits,
            "cache_misses": misses,
            "passes": passes,
            "hit_ratio": round(hits / max(1, hits + misses), 4),
        }


def prepare(env_site: proxy.Site, articles: int, database_url: str, *, seed: bool) -> None:
    """Migrate and collect static files; seed `articles` stories (bulk, seed_demo)."""
    env_site.prepare()
    if not seed:
        return
    run = subprocess.run(
        [sys.executable, "manage.py", "seed_demo", "--articles", str(articles), "--authors",
         "20", "-v0"], cwd=ROOT, env=env_site.env, capture_output=True, text=True, timeout=3600,
    )  # fmt: skip
    if run.returncode:
        raise SystemExit(run.stderr[-2000:])
    analyze(database_url)


def urls(site: proxy.Site, limit: int) -> dict:
    return site.run(f"LIMIT = {limit}\n" + URLS_SCRIPT)


def get(url: str, headers: dict | None = None, timeout: float = 10.0):
    """(status, body, seconds); status 0 when the connection failed."""
    request = urllib.request.Request(url, headers=headers or {})
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body, status = response.read(), response.status
    except urllib.error.HTTPError as error:
        body, status = error.read(), error.code
    except OSError:
        body, status = b"", 0
    return status, body, time.perf_counter() - started


def warm(base: str, paths: list[str]) -> None:
    for path in paths:
        get(base + path)


def wrk(base: str, paths: list[str], seconds: int, *, hot: int = 0, hot_share: float = 0.0,
        connections: int = CONNECTIONS) -> dict:  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "load.lua"
        script.write_text(LOAD_LUA)
        url_file = Path(folder) / "urls.txt"
        url_file.write_text("\n".join(paths) + "\n")
        result = subprocess.run(
            [require_wrk(), "-t2", f"-c{connections}", f"-d{seconds}s", "--latency",
             "--timeout", "10s", "-s", str(script), base],
            env={**os.environ, "WRK_URLS": str(url_file), "WRK_HOT": str(hot),
                 "WRK_HOT_SHARE": str(hot_share)},
            capture_output=True, text=True, timeout=seconds + 60,
        )  # fmt: skip
    out = parse_wrk(result.stdout)
    maximum = next(
        (line.split()[3] for line in result.stdout.splitlines() if "Latency" in line), None
    )
    return {**out, "max_latency": maximum}


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


# --- static: Varnish against nginx serving the same bytes -------------------------------


NGINX_CONF = """
worker_processes 2;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    default_type text/html;
    gzip_static on;
    server {{
        listen 127.0.0.1:{port};
        root {folder}/site;
        index index.html;
    }}
}}
"""


def static(args, log) -> None:
    database_url, redis_url = bench_database(args)
    with tempfile.TemporaryDirectory(prefix="bench-varnish-") as folder:
        folder = Path(folder)
        stack = Stack(folder, database_url, redis_url)
        prepare(stack.site, args.articles, database_url, seed=args.seed)
        with stack:
            paths = [p for p in urls(stack.site, 300)["urls"] if p.count("/") == 5][:300]
            # The bytes Varnish sends (gzipped, as wrk asks for them), saved for nginx.
            root = folder / "site"
            for path in paths:
                get(stack.base + path)
                request = urllib.request.Request(
                    stack.base + path, headers={"Accept-Encoding": "gzip"}
                )
                with urllib.request.urlopen(request) as response:
                    body = response.read()
                    assert response.headers["Content-Encoding"] == "gzip"
                target = root / path.strip("/") / "index.html"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(gzip.decompress(body))
                target.with_name("index.html.gz").write_bytes(body)
            wrk(stack.base, paths, args.warmup)
            before = stack.varnish.stats()
            through_varnish = wrk(stack.base, paths, args.seconds)
            ratio = stack.hit_ratio_since(before)
        folder.chmod(0o755)  # nginx's workers run unprivileged
        port = free_port()
        conf = folder / "nginx.conf"
        conf.write_text(NGINX_CONF.format(folder=folder, port=port))
        nginx = subprocess.Popen(["nginx", "-c", str(conf), "-g", "daemon off;"])
        try:
            proxy.wait_for_port(port)
            base = f"http://127.0.0.1:{port}"
            status, body, _ = get(base + paths[0], {"Accept-Encoding": "gzip"})
            assert status == 200, status
            wrk(base, paths, args.warmup)
            from_nginx = wrk(base, paths, args.seconds)
        finally:
            nginx.terminate()
            nginx.wait(10)
    emit({"scenario": "static", "urls": len(paths), "connections": CONNECTIONS,
          "seconds": args.seconds, "varnish": {**through_varnish, **ratio},
          "nginx_static": from_nginx,
          "varnish_share_of_nginx": round(through_varnish["requests_per_second"]
                                          / from_nginx["requests_per_second"], 3),
          "load_average": load_average()}, log)  # fmt: skip


# --- slow clients ----------------------------------------------------------------------


def slow_client(port: int, stop: threading.Event, counts: dict) -> None:
    """Send a request's headers a few bytes at a time, and again after every hang-up."""
    while not stop.is_set():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                counts["connections"] += 1
                sock.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
                while not stop.wait(1.0):
                    sock.sendall(b"X-Slow: 1\r\n")
        except OSError:
            counts["hung_up"] += 1
            stop.wait(0.05)


def probe(url: str, stop: threading.Event, samples: list, every: float = 0.2) -> None:
    while not stop.is_set():
        status, _, seconds = get(url, timeout=30)
        samples.append((status, seconds))
        stop.wait(every)


def under_slow_clients(port: int, seconds: float, action, clients: int):
    stop = threading.Event()
    counts = {"connections": 0, "hung_up": 0}
    threads = [
        threading.Thread(target=slow_client, args=(port, stop, counts), daemon=True)
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    time.sleep(1)  # all of them connected and dribbling
    try:
        return action(), counts
    finally:
        stop.set()
        for thread in threads:
            thread.join(5)


def summary(samples: list) -> dict:
    timings = sorted(seconds for _, seconds in samples)
    return {
        "requests": len(samples),
        "non_200": sum(1 for status, _ in samples if status != 200),
        "statuses": sorted({status for status, _ in samples}),
        "p50_ms": round(statistics.median(timings) * 1000, 1) if timings else None,
        "max_ms": round(timings[-1] * 1000, 1) if timings else None,
    }


def slow_clients(args, log) -> None:
    database_url, redis_url = bench_database(args)
    with tempfile.TemporaryDirectory(prefix="bench-varnish-") as folder:
        stack = Stack(Path(folder), database_url, redis_url)
        prepare(stack.site, args.articles, database_url, seed=args.seed)
        with stack:
            found = urls(stack.site, 300)
            paths = found["urls"]
            warm(stack.base, paths)
            wrk(stack.base, paths, args.warmup)
            before = wrk(stack.base, paths, args.slow_seconds)

            def measured():
                # /healthz is passed to a web node every time: gunicorn must stay free.
                stop, health = threading.Event(), []
                prober = threading.Thread(target=probe, args=(stack.base + "/healthz", stop,
                                                              health))  # fmt: skip
                prober.start()
                result = wrk(stack.base, paths, args.slow_seconds)
                stop.set()
                prober.join()
                return result, summary(health)

            (attacked, health), counts = under_slow_clients(
                stack.varnish.port, args.slow_seconds, measured, args.slow_clients
            )
            # The same clients against a web node directly, for comparison (not in
            # production: gunicorn is never exposed).
            node = stack.nodes[0]

            def direct():
                stop, health = threading.Event(), []
                prober = threading.Thread(
                    target=probe, args=(f"http://{node.address}/healthz", stop, health)
                )
                prober.start()
                time.sleep(10)
                stop.set()
                prober.join()
                return summary(health)

            # The machine is shared: normal traffic measured before and after, and the
            # attacked run compared with their mean.
            after = wrk(stack.base, paths, args.slow_seconds)
            direct_health, _ = under_slow_clients(node.port, 10, direct, args.slow_clients)
    normal = statistics.mean([before["requests_per_second"], after["requests_per_second"]])
    emit({"scenario": "slow-clients", "slow_connections": args.slow_clients,
          "seconds": args.slow_seconds, "connections": CONNECTIONS,
          "normal_before": before, "with_slow_clients": attacked, "normal_after": after,
          "throughput_share": round(attacked["requests_per_second"] / normal, 3),
          "healthz_through_varnish": health, "slow_client_connections": counts,
          "healthz_direct_to_gunicorn_10s": direct_health,
          "load_average": load_average()}, log)  # fmt: skip


# --- outage -----------------------------------------------------------------------------


def outage(args, log) -> None:
    from tests.services import postgres_server

    redis_url = os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)
    with tempfile.TemporaryDirectory(prefix="bench-varnish-") as folder:
        folder = Path(folder)
        with postgres_server(folder / "pg") as postgres:
            stack = Stack(folder, postgres.url, redis_url, CACHE_KEY_PREFIX="bench-outage")
            prepare(stack.site, args.outage_articles, postgres.url, seed=True)
            with stack:
                paths = urls(stack.site, args.outage_articles)["urls"]
                warm(stack.base, paths)
                started = time.monotonic()
                marks: dict[str, float] = {}
                cached, uncached = [], []
                stop = threading.Event()

                def probing():
                    n = 0
                    while not stop.is_set():
                        n += 1
                        at = time.monotonic() - started
                        status, _, seconds = get(stack.base + random.choice(paths))
                        cached.append((at, status, seconds))
                        if n % 4 == 0:  # never cached: a new search each time
                            status, _, seconds = get(stack.base + f"/search/?q=probe{n}")
                            uncached.append((at, status, seconds))
                        stop.wait(0.25)

                def break_database():
                    time.sleep(args.outage_start)
                    marks["down"] = time.monotonic() - started
                    postgres.stop("fast")
                    time.sleep(args.outage_seconds)
                    postgres.start()
                    marks["up"] = time.monotonic() - started

                threads = [threading.Thread(target=probing),
                           threading.Thread(target=break_database)]  # fmt: skip
                for thread in threads:
                    thread.start()
                load = wrk(stack.base, paths,
                           args.outage_start + args.outage_seconds + 20)  # fmt: skip
                stop.set()
                for thread in threads:
                    thread.join()

    def during(samples):
        return [s for s in samples if marks["down"] <= s[0] <= marks["up"]]

    after_up = [s for s in uncached if s[0] > marks["up"]]
    recovered = next((at for at, status, _ in after_up if status == 200), None)
    emit({"scenario": "outage", "urls": len(paths), "connections": CONNECTIONS,
          "database_down_at_s": round(marks["down"], 1),
          "database_back_at_s": round(marks["up"], 1), "wrk": load,
          "cached_pages_during_outage": summary([(st, s) for _, st, s in during(cached)]),
          "never_cached_during_outage": {
              **summary([(st, s) for _, st, s in during(uncached)]),
              "statuses": sorted({st for _, st, _ in during(uncached)})},
          "uncached_answered_again_after_s": round(recovered - marks["up"], 1)
          if recovered else None,
          "load_average": load_average()}, log)  # fmt: skip


# --- breaking news ----------------------------------------------------------------------


def breaking_news(args, log) -> None:
    database_url, redis_url = bench_database(args)
    with tempfile.TemporaryDirectory(prefix="bench-varnish-") as folder:
        # How long Varnish keeps a page (s-maxage) between purges: SHARED_CACHE_SECONDS once
        # the page cache sets it apart from browsers' HTTP_CACHE_SECONDS (i-keys), both here.
        lifetime = str(args.shared_seconds)
        stack = Stack(Path(folder), database_url, redis_url, HTTP_CACHE_SECONDS=lifetime,
                      SHARED_CACHE_SECONDS=lifetime)  # fmt: skip
        prepare(stack.site, args.articles, database_url, seed=args.seed)
        with stack:
            found = urls(stack.site, args.articles)
            paths = found["urls"][: args.urls]
            warm(stack.base, paths)
            wrk(stack.base, paths, args.warmup, hot=len(found["hot"]), hot_share=0.3)
            changes, checks = [], []
            stop = threading.Event()

            def desk_and_checker():
                desk = subprocess.Popen(
                    [sys.executable, "manage.py", "shell", "-v0", "-c",
                     f"SECONDS = {args.news_seconds - 5}\nINTERVAL = 10\n" + DESK_SCRIPT],
                    cwd=ROOT, env=stack.site.env, stdout=subprocess.PIPE, text=True,
                )  # fmt: skip
                for line in desk.stdout:
                    change = json.loads(line)
                    changes.append(change)
                    check_change(stack, change, checks, stop)
                desk.wait()

            before = stack.varnish.stats()
            desk = threading.Thread(target=desk_and_checker)
            desk.start()
            load = wrk(stack.base, paths, args.news_seconds, hot=len(found["hot"]),
                       hot_share=0.3)  # fmt: skip
            stop.set()
            desk.join()
            ratio = stack.hit_ratio_since(before)
    purge_times = [p["seconds"] for c in changes for p in c["purges"]]
    stale = [c for c in checks if c["stale"]]
    emit({"scenario": "breaking-news", "urls": len(paths), "hot_urls": len(found["hot"]),
          "s_maxage": args.shared_seconds,
          "seconds": args.news_seconds, "connections": CONNECTIONS, "wrk": load, **ratio,
          "changes": len(changes), "checked_responses": len(checks),
          "stale_responses": len(stale), "stale_examples": stale[:5],
          "checked_errors": sum(1 for c in checks if c["status"] != 200),
          "purges": len(purge_times),
          "purge_failures": sum(1 for c in changes for p in c["purges"]
                                if "SUCCESSFUL" not in p["status"]),
          "purge_seconds_p50": round(statistics.median(purge_times), 4) if purge_times else None,
          "purge_seconds_max": max(purge_times, default=None),
          "change_seconds_max": max((c["change_seconds"] for c in changes), default=None),
          "load_average": load_average()}, log)  # fmt: skip


def check_change(stack: Stack, change: dict, checks: list, stop: threading.Event) -> None:
    """After a change's purge has completed, every page that should show it through the
    front must: compare each with what a web node renders (bypassing both caches with a
    session cookie), then ask the front again and again for 8 seconds."""
    candidates = {change["url"], change["section"], "/", "/feed/", change["section"] + "feed/"}
    if change["kind"] == "publish":
        candidates |= {"/tags/breaking/"}
    else:
        candidates |= {"/corrections/"}
    node = stack.nodes[0]
    truth = {}
    for path in candidates:
        _, body, _ = get(f"http://{node.address}{path}", {"Cookie": "sessionid=bench"})
        truth[path] = body.decode(errors="replace")
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline and not stop.is_set():
        for path in candidates:
            status, body, _ = get(stack.base + path)
            text = body.decode(errors="replace")
            new_missing = change["marker"] in truth[path] and change["marker"] not in text
            old_left = (change["old"] and change["old"] not in truth[path]
                        and change["old"] in text)  # fmt: skip
            # An error page is not stale content: counted apart.
            checks.append({"change": change["n"], "path": path, "status": status,
                           "stale": status == 200 and bool(new_missing or old_left)})  # fmt: skip
        time.sleep(0.5)


# --- main -------------------------------------------------------------------------------


def bench_database(args) -> tuple[str, str]:
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    ensure_database(database_url, fresh=False)
    return database_url, os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL)


# wrk: a reader's view is the article page (from Varnish's cache) and then its read beacon
# (passed to a web node, counted): WRK_URLS lines are "page beacon".
BEACON_LUA = """
local pages, beacons = {}, {}
for line in io.lines(os.getenv("WRK_URLS")) do
  local page, beacon = line:match("(%S+) (%S+)")
  pages[#pages + 1] = page
  beacons[#beacons + 1] = beacon
end
local headers = {["Accept-Encoding"] = "gzip",
  ["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"}
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
local n, i = 0, 1
request = function()
  n = n + 1
  if n % 2 == 1 then
    i = math.random(#pages)
    return wrk.format("GET", pages[i], headers)
  end
  return wrk.format("GET", beacons[i], headers)
end
"""


def wrk_views(base: str, pairs: list[tuple[str, str]], seconds: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "views.lua"
        script.write_text(BEACON_LUA)
        url_file = Path(folder) / "urls.txt"
        url_file.write_text("".join(f"{page} {beacon}\n" for page, beacon in pairs))
        result = subprocess.run(
            [require_wrk(), "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency",
             "--timeout", "10s", "-s", str(script), base],
            env={**os.environ, "WRK_URLS": str(url_file)},
            capture_output=True, text=True, timeout=seconds + 60,
        )  # fmt: skip
    return parse_wrk(result.stdout)


def beacon(args, log) -> None:
    """Article views per second from Varnish's cache, without and with one read beacon per
    view (the beacon is passed to a web node and counted in Redis)."""
    import re

    database_url, redis_url = bench_database(args)
    with tempfile.TemporaryDirectory(prefix="bench-beacon-") as folder:
        stack = Stack(Path(folder), database_url, redis_url)
        prepare(stack.site, args.articles, database_url, seed=args.seed)
        with stack:
            paths = [p for p in urls(stack.site, 300)["urls"] if p.count("/") == 5][:300]
            pairs = []
            for path in paths:
                status, body, _ = get(stack.base + path)
                found = re.search(rb'class="read-beacon" src="([^"]+)"', body)
                pairs.append((path, found[1].decode()))
            wrk(stack.base, paths, args.warmup)
            pages_only = wrk(stack.base, paths, args.seconds)
            load_pages = load_average()
            wrk_views(stack.base, pairs, args.warmup)
            with_beacon = wrk_views(stack.base, pairs, args.seconds)
            load_views = load_average()
    views_alone = pages_only["requests_per_second"]
    views_with = with_beacon["requests_per_second"] / 2
    emit({"scenario": "beacon", "urls": len(paths), "connections": CONNECTIONS,
          "seconds": args.seconds, "pages_only": pages_only, "load_pages": load_pages,
          "page_and_beacon": with_beacon, "load_views": load_views,
          "views_per_second_without": round(views_alone),
          "views_per_second_with": round(views_with),
          "cost_share": round(1 - views_with / views_alone, 3)}, log)  # fmt: skip


SCENARIOS = {"static": static, "beacon": beacon, "slow-clients": slow_clients, "outage": outage,
             "breaking-news": breaking_news}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scenario", choices=[*SCENARIOS, "all"])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--no-seed", dest="seed", action="store_false",
                        help="the benchmark database is already seeded")  # fmt: skip
    parser.add_argument("--seconds", type=int, default=15, help="static: per wrk run")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--slow-clients", type=int, default=200)
    parser.add_argument("--slow-seconds", type=int, default=30)
    parser.add_argument("--outage-articles", type=int, default=500)
    parser.add_argument("--outage-start", type=int, default=20)
    parser.add_argument("--outage-seconds", type=int, default=120)
    parser.add_argument("--news-seconds", type=int, default=120)
    parser.add_argument("--urls", type=int, default=2000)
    parser.add_argument("--shared-seconds", type=int, default=300,
                        help="breaking-news: s-maxage of the pages (default 300)")  # fmt: skip
    args = parser.parse_args()
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")  # noqa: DTZ005 - a file name
    chosen = list(SCENARIOS) if args.scenario == "all" else [args.scenario]
    with (results / f"varnish-{args.scenario}-{stamp}.jsonl").open("w") as log:
        for name in chosen:
            SCENARIOS[name](args, log)
            args.seed = False  # once is enough


if __name__ == "__main__":
    main()
