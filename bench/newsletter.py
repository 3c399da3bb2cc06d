"""The daily briefing to many subscribers through a real SMTP server (an aiosmtpd sink in
this process): the rate emails are handed over at, the sending worker's memory over time,
and the web site's throughput while it sends against idle. Prints JSON lines.

    .venv/bin/python bench/newsletter.py [--subscribers 100000] [--web-seconds 10]

PostgreSQL from BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/h29): its
newsletter tables are emptied. One `manage.py worker` sends (batches run one at a time by
design, so one worker is the production shape), NEWSLETTER_SEND_PER_SECOND=0 (no cap) so
the figure is what the machine can do; gunicorn serves the front page meanwhile.
"""

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/h29")


def emit(**record) -> None:
    print(json.dumps(record), flush=True)


class Sink:
    """Counts what the SMTP server accepted (and the bytes), nothing more."""

    def __init__(self):
        self.count = 0
        self.bytes = 0
        self.one_click = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        self.bytes += len(envelope.content)
        if b"List-Unsubscribe-Post: List-Unsubscribe=One-Click" in envelope.content:
            self.one_click += 1
        return "250 OK"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def throughput(url: str, seconds: float, threads: int = 4) -> float:
    """Requests per second a few clients get from `url`."""
    done = [0] * threads
    stop = time.monotonic() + seconds

    def client(n):
        while time.monotonic() < stop:
            with urllib.request.urlopen(url, timeout=10) as response:
                response.read()
            done[n] += 1

    workers = [threading.Thread(target=client, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(done) / seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--web-seconds", type=float, default=10)
    args = parser.parse_args()

    from aiosmtpd.controller import Controller

    sink = Sink()
    smtp_port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(
        ENV_FILE="",
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DATABASE_URL=DATABASE_URL,
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
        EMAIL_USE_TLS="0",
        NEWSLETTER_SEND_PER_SECOND="0",
        LOG_LEVEL="WARNING",
        TASKS_EMBEDDED_WORKER="0",
        SITE_URL="https://news.example.com",
    )
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from articles.models import Article
    from newsletter.models import Delivery, Issue, Subscriber

    Delivery.objects.all().delete()
    Issue.objects.all().delete()
    Subscriber.objects.all().delete()
    if not Article.objects.published().exists():
        call_command("seed_demo", verbosity=0)
    started = time.monotonic()
    chunk = 10_000
    for first in range(0, args.subscribers, chunk):
        Subscriber.objects.bulk_create(
            Subscriber(email=f"reader{n}@example.com", wants_briefing=True, source="article")
            for n in range(first, min(first + chunk, args.subscribers))
        )
    emit(
        step="subscribers made",
        count=args.subscribers,
        seconds=round(time.monotonic() - started, 1),
    )

    web_port = free_port()
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "newsroom.wsgi", "-c", "gunicorn.conf.py",
         "--bind", f"127.0.0.1:{web_port}", "--workers", "2"],
        cwd=ROOT, env={**env, "SECURE_SSL_REDIRECT": "0", "GUNICORN_ACCESSLOG": ""},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{web_port}/"
    for _ in range(100):
        try:
            urllib.request.urlopen(url, timeout=2).read()
            break
        except OSError:
            time.sleep(0.2)
    idle = throughput(url, args.web_seconds)
    emit(step="web idle", requests_per_second=round(idle, 1))

    from newsletter import services

    started = time.monotonic()
    issue = services.start_briefing()
    emit(step="issue made", deliveries=issue.deliveries.count(),
         seconds=round(time.monotonic() - started, 1))  # fmt: skip
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--no-startup-delay", "--no-schedule"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    started = time.monotonic()
    busy = []
    web_done = threading.Event()

    def measure_web():
        time.sleep(5)  # the worker under way
        busy.append(throughput(url, args.web_seconds))
        web_done.set()

    threading.Thread(target=measure_web, daemon=True).start()
    last_count, last_time = 0, started
    peak = 0.0
    while sink.count < args.subscribers:
        time.sleep(5)
        now = time.monotonic()
        memory = rss_mb(worker.pid)
        peak = max(peak, memory)
        rate = (sink.count - last_count) / (now - last_time)
        emit(step="sending", sent=sink.count, per_second=round(rate, 1),
             worker_rss_mb=round(memory, 1))  # fmt: skip
        last_count, last_time = sink.count, now
        if worker.poll() is not None:
            emit(step="worker exited", code=worker.returncode)
            break
    elapsed = time.monotonic() - started
    web_done.wait(args.web_seconds + 30)
    emit(
        step="done",
        sent=sink.count,
        one_click_headers=sink.one_click,
        seconds=round(elapsed, 1),
        per_second=round(sink.count / elapsed, 1),
        mean_kb=round(sink.bytes / max(sink.count, 1) / 1024, 1),
        worker_peak_rss_mb=round(peak, 1),
        web_idle_rps=round(idle, 1),
        web_while_sending_rps=round(busy[0], 1) if busy else None,
    )
    worker.terminate()
    web.terminate()
    worker.wait()
    web.wait()
    controller.stop()


if __name__ == "__main__":
    main()
