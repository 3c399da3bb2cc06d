"""Settings for the upload bench with the renditions off the request, and the process that
makes them meanwhile (bench/uploads.py --tasks deferred).

The project's task backend is the immediate one until the production queue is chosen
(another branch of issue 16): with it the renditions are made in the upload's own request,
after its commit. To measure what the request costs once a queue takes that work, the web
processes here enqueue into django-tasks' dummy backend (recorded, never run), and
`make_pending` — a stand-in for the queue's worker, for this bench only — runs the task
for each photo whose renditions are not ready, in a process of its own, while the uploads
go on, until the bench asks it to stop and nothing is pending. It calls the task function
itself (`Task.call`), the code a worker would run.
"""

from newsroom.settings import *  # noqa: F403 - the deployment's settings, one change

TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def make_pending(stop_file: str) -> None:
    """Run the renditions task for pending photos until `stop_file` exists and none is
    pending; print how many were made and this process's peak memory (VmHWM) as JSON."""
    import json
    import time
    from pathlib import Path

    from articles.models import Photo
    from articles.photos import make_renditions

    made = 0
    while True:
        stopping = Path(stop_file).exists()
        pending = list(Photo.objects.filter(renditions_ready=False).values_list("pk", flat=True))
        for pk in pending:
            made += make_renditions.call(pk) == "made"
        if stopping and not pending:
            break
        if not pending:
            time.sleep(0.2)
    status = Path("/proc/self/status").read_text().split("VmHWM:")[1].split()[0]
    print(json.dumps({"made": made, "vmhwm_mb": round(int(status) / 1024, 1)}), flush=True)


if __name__ == "__main__":
    import os
    import sys

    import django

    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.deferred_tasks"
    django.setup()
    make_pending(sys.argv[1])
