"""Settings for bench/tasks.py: the project's settings with the queue backend under test
(BENCH_TASKS=db or rq). The RQ packages are installed for the benchmark only."""

import os

from newsroom.settings import *  # noqa: F403
from newsroom.settings import INSTALLED_APPS

if os.environ.get("BENCH_TASKS") == "rq":
    INSTALLED_APPS = [*INSTALLED_APPS, "django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
else:
    if "django_tasks_db" not in INSTALLED_APPS:
        INSTALLED_APPS = [*INSTALLED_APPS, "django_tasks_db"]
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
