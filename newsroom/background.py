"""Work off the request path: the one way this project hands a task to the queue.

Tasks are declared with django-tasks' ``@task`` (Django 6's ``django.tasks``: an import
change). They are enqueued only once the transaction that asked for them has committed, so
a worker never sees a row that is not there yet, and a rolled-back change enqueues nothing.
"""

from django.db import transaction


def enqueue_after_commit(task, *args, using=None, **kwargs):
    """Enqueue ``task(*args, **kwargs)`` when the current transaction commits (at once
    outside a transaction)."""
    transaction.on_commit(lambda: task.enqueue(*args, **kwargs), using=using)
