import pytest
from django.contrib.auth.models import Group
from django.template import engines
from jinja2 import StrictUndefined

from tests import factories


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    """Fast password hashing and a throw-away media folder for every test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True, scope="session")
def _strict_templates():
    """In tests a name a readers' template does not know is an error, not an empty string:
    a typo fails the test that renders the page (production stays lenient, see
    newsroom/jinja2.py)."""
    environment = engines["jinja2"].env
    lenient = environment.undefined
    environment.undefined = StrictUndefined
    yield
    environment.undefined = lenient


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    from articles import context_processors

    # Each test's transaction is rolled back, but nothing purges the pages and chrome it
    # cached: the next test's rows would come under the same ids.
    cache.clear()
    context_processors.forget()
    yield
    cache.clear()
    context_processors.forget()


@pytest.fixture
def journalist(db):
    return factories.make_user("journalist", "Journalist")


@pytest.fixture
def other_journalist(db):
    return factories.make_user("other", "Journalist")


@pytest.fixture
def editor(db):
    return factories.make_user("editor", "Editor")


@pytest.fixture
def superuser(db):
    return factories.make_user("admin", None, is_superuser=True)


@pytest.fixture
def journalist_client(client, journalist):
    client.force_login(journalist)
    return client


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def groups(db):
    return {group.name: group for group in Group.objects.all()}


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    """moto's S3 server on a loopback port, for the whole run (tests/s3.py)."""
    from tests import s3

    server, endpoint = s3.start_moto(tmp_path_factory.mktemp("moto") / "moto.log")
    yield endpoint
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def s3_bucket(settings, s3_endpoint):
    """Media stored in a fresh bucket on the S3 endpoint, as with MEDIA_STORAGE=s3."""
    from tests import s3

    bucket = s3.Bucket(s3_endpoint)
    settings.STORAGES = {**settings.STORAGES, "default": bucket.storage()}
    settings.MEDIA_URL = bucket.media_url
    return bucket


@pytest.fixture(autouse=True)
def _tasks_run_at_once(settings):
    """Tests run a task in the process that enqueues it, at once, unless they ask for the
    real queue (`task_queue`, `task_worker`)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def task_queue(settings):
    """The database queue, as configured by default: enqueued tasks wait for a worker."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def task_worker(task_queue, transactional_db, tmp_path):
    """Start real `manage.py worker` processes on the test database:
    ``task_worker("--schedule", "…", PROBE_FILE="…")`` returns the process (its log is
    ``process.log``); every one still running is stopped at the end of the test. Without
    ``--schedule`` a worker fires no periodic job.

    Other processes must reach the database the test writes, committed: so PostgreSQL
    (pytest's SQLite database lives in this process's memory) and `transactional_db`."""
    from django.db import connection

    from tests.support import clean_env, database_url_for_subprocess, start_worker, stop_process

    if connection.vendor != "postgresql":
        pytest.skip(
            "worker processes need a database other processes can reach: this runs in the "
            "PostgreSQL pass (DATABASE_URL=postgres://…)"
        )
    started = []

    def start(*args, **env):
        if "--schedule" not in args:
            # The project's periodic jobs would add tasks of their own to what tests count.
            args = (*args, "--schedule", "tests.task_probes.NO_SCHEDULE")
        log = tmp_path / f"worker-{len(started)}.log"
        process = start_worker(
            clean_env(
                DATABASE_URL=database_url_for_subprocess(tmp_path),
                LOG_LEVEL="INFO",
                **env,
            ),
            *args,
            log=log,
        )
        process.log = log
        started.append(process)
        return process

    yield start
    for process in started:
        stop_process(process)
