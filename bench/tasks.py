"""Task queue backends on this machine: the database queue (django-tasks-db, PostgreSQL
SKIP LOCKED) against RQ on Redis (django-tasks-rq). Prints JSON lines:

- enqueue → start latency (p50/p99) with two idle workers,
- throughput: 1,000 tasks drained by two worker processes,
- a worker SIGKILLed in the middle of a task: what becomes of the task.

    .venv/bin/pip install django-tasks-rq      # RQ is not a project dependency
    .venv/bin/python bench/tasks.py [--backends db,rq] [--interval 0.25]

PostgreSQL from BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/h21), Redis
from BENCH_REDIS_URL (default redis://127.0.0.1:6379/5, flushed).
"""

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/h21")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")


def emit(**record) -> None:
    print(json.dumps(record), flush=True)


def environment(backend: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        ENV_FILE="",
        DJANGO_SETTINGS_MODULE="bench.tasks_settings",
        BENCH_TASKS=backend,
        BENCH_REDIS_URL=REDIS_URL,
        DATABASE_URL=DATABASE_URL,
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
        # A worker silent for 6 s is taken for dead (30 s by default), and its task is
        # retried 1 s later (30 s by default), so the bench sees the second run.
        TASKS_HEARTBEAT_SECONDS="1",
        TASKS_RETRY_SECONDS="1",
    )
    return env


def worker_command(backend: str, interval: float) -> list[str]:
    if backend == "rq":
        # RQ's default worker forks a work horse per job, which is what protects the
        # worker from a task that crashes it.
        return [sys.executable, "manage.py", "rqworker", "default",
                "--job-class", "django_tasks_rq.Job"]  # fmt: skip
    # The project's worker: django-tasks-db's, plus heartbeats and recovery of lost tasks.
    return [sys.executable, "manage.py", "worker", "--no-startup-delay", "--interval",
            str(interval)]  # fmt: skip


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def wait_lines(path: Path, count: int, timeout: float) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = lines(path)
        if len(found) >= count:
            return found
        time.sleep(0.01)
    return lines(path)


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def measure(backend: str, interval: float) -> None:
    """In a process of its own: the settings differ per backend."""
    import django

    django.setup()
    from django.core.management import call_command

    from bench.task_probes import nap, probe

    if backend == "rq":
        import redis

        redis.Redis.from_url(REDIS_URL).flushdb()
    else:
        call_command("migrate", verbosity=0)
        from django_tasks_db.models import DBTaskResult

        DBTaskResult.objects.all().delete()

    env = environment(backend)
    label = {"backend": backend, **({"interval_s": interval} if backend == "db" else {})}
    workdir = Path(tempfile.mkdtemp(prefix="bench-tasks-"))

    def start_worker():
        return subprocess.Popen(worker_command(backend, interval), cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip

    workers = [start_worker(), start_worker()]
    try:
        warm = workdir / "warm"
        for _ in range(4):
            probe.enqueue(str(warm), time.time())
        if len(wait_lines(warm, 4, 60)) < 4:
            emit(**label, error="workers did not start")
            return

        # Latency: one task at a time into idle workers.
        path, enqueue_ms = workdir / "latency", []
        for _ in range(200):
            sent = time.time()
            probe.enqueue(str(path), sent)
            enqueue_ms.append((time.time() - sent) * 1000)
            time.sleep(0.03)
        found = wait_lines(path, 200, 60)
        latency = [(float(b) - float(a)) * 1000 for a, b in (line.split() for line in found)]
        emit(**label, test="latency", tasks=len(latency),
             start_p50_ms=round(statistics.median(latency), 1),
             start_p99_ms=round(percentile(latency, 0.99), 1),
             enqueue_p50_ms=round(statistics.median(enqueue_ms), 2),
             enqueue_p99_ms=round(percentile(enqueue_ms, 0.99), 2))  # fmt: skip

        # Throughput: 1,000 tasks enqueued at once, two workers draining.
        path, count = workdir / "throughput", 1000
        began = time.time()
        for _ in range(count):
            probe.enqueue(str(path), time.time())
        enqueued = time.time()
        found = wait_lines(path, count, 300)
        ends = [float(line.split()[1]) for line in found]
        emit(**label, test="throughput", workers=2, tasks=len(found),
             enqueue_per_s=round(count / (enqueued - began)),
             drained_s=round(max(ends) - began, 2),
             tasks_per_s=round(len(found) / (max(ends) - began), 1))  # fmt: skip

        # A worker killed in the middle of a task (a machine lost, the OOM killer).
        path = workdir / "killed"
        result = nap.enqueue(str(path), 3)
        started = wait_lines(path, 1, 30)
        victim = int(started[0].split()[1])
        parent = next(w for w in workers if w.pid in {victim, parent_of(victim)})
        os.kill(victim, signal.SIGKILL)
        if parent.pid != victim:
            parent.send_signal(signal.SIGKILL)
        parent.wait()
        workers.remove(parent)
        workers.append(start_worker())
        time.sleep(20)
        seen = lines(path)
        final = nap.get_backend().get_result(result.id)
        emit(
            **label,
            test="killed_mid_task",
            runs_started=sum(x.startswith("started") for x in seen),
            runs_finished=seen.count("finished"),
            status_after_20s=str(final.status),
            errors=[e.exception_class_path for e in final.errors],
        )
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGKILL)
            worker.wait()


def parent_of(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return -1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="db,rq")
    parser.add_argument("--interval", type=float, default=0.25, help="db worker poll interval")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        os.environ.update(environment(args.one))
        measure(args.one, args.interval)
        return
    for backend in args.backends.split(","):
        command = [sys.executable, __file__, "--one", backend, "--interval", str(args.interval)]
        subprocess.run(command, cwd=ROOT, env=environment(backend), check=False)


if __name__ == "__main__":
    main()
