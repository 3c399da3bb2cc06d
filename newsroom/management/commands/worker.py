"""`manage.py worker`: runs background tasks from the database queue, fires the periodic
schedule and recovers the tasks of workers that died. Run as many as you like, on any
machine that reaches the database (docs/deployment.md)."""

from django.utils.module_loading import import_string
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from newsroom.worker import Housekeeping


class Command(DatabaseWorkerCommand):
    help = (
        "Run background tasks from the database queue (django-tasks-db's worker), fire the "
        "periodic schedule (newsroom/periodic.py) and fail-and-retry the tasks of workers "
        "that died. Stop it with SIGTERM or Ctrl-C: it finishes the task in hand first."
    )

    def add_arguments(self, parser):
        super().add_arguments(parser)
        # A worker is a production process: it reloads only when asked (--reload).
        parser.set_defaults(reload=False, interval=0.25, queue_name="*")
        parser.add_argument(
            "--schedule",
            default="newsroom.periodic.SCHEDULE",
            help="Dotted path of the schedule to fire (default: %(default)s).",
        )
        parser.add_argument(
            "--no-schedule",
            action="store_true",
            help="Run tasks only: no periodic schedule, heartbeat or recovery.",
        )

    def handle(self, *args, schedule, no_schedule, **options):
        if not no_schedule and not options["batch"]:
            Housekeeping(options["worker_id"], import_string(schedule)).start()
        super().handle(*args, **options)
