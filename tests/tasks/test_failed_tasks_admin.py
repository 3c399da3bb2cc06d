"""Failed tasks are shown to editors in the admin (what, when, the error) with a Retry that
really runs the task again."""

import pytest
from django_tasks_db.models import DBTaskResult

from newsroom.models import FailedTask, TaskAttempt
from tests import task_probes
from tests.support import run_queued_tasks

LIST = "/admin/newsroom/failedtask/"


@pytest.fixture
def given_up(task_queue, settings, tmp_path):
    """A task that failed its only attempt, and one that succeeded."""
    settings.TASKS_ATTEMPTS = 1
    failed = task_probes.fail_once.enqueue(str(tmp_path / "log"))
    task_probes.succeed.enqueue(str(tmp_path / "other"), "fine")
    run_queued_tasks()
    return DBTaskResult.objects.get(pk=failed.id)


@pytest.mark.django_db
def test_editors_see_what_failed_when_and_why(editor_client, given_up):
    page = editor_client.get(LIST)
    assert page.status_code == 200
    html = page.content.decode()
    assert "tests.task_probes.fail_once" in html
    assert "RuntimeError: first attempt fails" in html
    assert "tests.task_probes.succeed" not in html  # only failures

    detail = editor_client.get(f"{LIST}{given_up.pk}/change/")
    html = detail.content.decode()
    assert detail.status_code == 200
    assert "Traceback (most recent call last)" in html
    assert "Retry now" in html
    assert 'name="_save"' not in html  # nothing to edit


@pytest.mark.django_db
def test_retry_runs_the_task_again_and_clears_the_list(editor_client, editor, given_up, tmp_path):
    response = editor_client.post(f"{LIST}{given_up.pk}/retry/", follow=True)
    assert response.status_code == 200
    assert "will run again now" in response.content.decode()
    attempt = TaskAttempt.objects.get(result=given_up)
    assert attempt.retried_by == editor
    assert attempt.retry.status == "READY"
    assert not FailedTask.objects.given_up().exists()

    run_queued_tasks()
    attempt.retry.refresh_from_db()
    assert attempt.retry.status == "SUCCESSFUL"
    assert (tmp_path / "log").read_text().splitlines() == ["failing", "succeeded"]

    again = editor_client.post(f"{LIST}{given_up.pk}/retry/")
    assert again.status_code == 404  # already retried: no longer a failed task to retry


@pytest.mark.django_db
def test_retry_as_a_list_action(editor_client, given_up):
    response = editor_client.post(
        LIST, {"action": "retry_selected", "_selected_action": [str(given_up.pk)]}, follow=True
    )
    assert "will run again now" in response.content.decode()
    assert TaskAttempt.objects.get(result=given_up).retry.status == "READY"


@pytest.mark.django_db
def test_retry_is_a_post(editor_client, given_up):
    assert editor_client.get(f"{LIST}{given_up.pk}/retry/").status_code == 405
    assert not TaskAttempt.objects.filter(result=given_up, retry__isnull=False).exists()


@pytest.mark.django_db
def test_journalists_neither_see_nor_retry_failed_tasks(journalist_client, given_up):
    assert journalist_client.get(LIST).status_code == 403
    assert journalist_client.post(f"{LIST}{given_up.pk}/retry/").status_code == 403
    assert not TaskAttempt.objects.filter(result=given_up, retry__isnull=False).exists()


@pytest.mark.django_db
def test_administrators_see_which_periods_ran_and_which_were_skipped(client, superuser, editor):
    import datetime

    from newsroom.models import ScheduledRun

    period = datetime.datetime(2026, 12, 1, 4, 0, tzinfo=datetime.UTC)
    ScheduledRun.objects.create(schedule="prune task records", period=period, is_skipped=True)
    client.force_login(superuser)
    page = client.get("/admin/newsroom/scheduledrun/")
    assert page.status_code == 200
    assert "prune task records" in page.content.decode()
    client.force_login(editor)
    assert client.get("/admin/newsroom/scheduledrun/").status_code == 403


@pytest.mark.django_db
def test_retry_needs_the_csrf_token(editor, given_up):
    # Another site's page cannot make an editor's browser retry a task.
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(editor)
    assert browser.post(f"{LIST}{given_up.pk}/retry/").status_code == 403
    assert not TaskAttempt.objects.filter(result=given_up, retry__isnull=False).exists()
