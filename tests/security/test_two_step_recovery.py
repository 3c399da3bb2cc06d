"""A way back for someone who lost their phone: backup codes, and a reset by an editor (or
an administrator), both logged."""

import datetime
import logging
import re

import pytest
import time_machine
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone
from django_otp import devices_for_user
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from newsroom.models import TwoStepReset
from tests.factories import make_user

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")
TWO_STEP = reverse("admin:two_step")
RESET_LIST = reverse("admin:two_step_reset_list")


def enrol(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def current_code(device) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def sign_in(client, user, code: str):
    return client.post(LOGIN, {"username": user.username, "password": "pw", "otp_token": code})


def sign_in_with_app(client, user, device):
    assert sign_in(client, user, current_code(device)).status_code == 302


def make_codes(client) -> list[str]:
    page = client.post(TWO_STEP, {"action": "backup_codes"})
    assert page.status_code == 200
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page.content.decode())


def later(minutes=1):
    """django-otp refuses a second use of the same app code; a person signs in later."""
    return time_machine.travel(timezone.now() + datetime.timedelta(minutes=minutes), tick=False)


def test_backup_codes_are_shown_once_and_each_signs_in_once(client, journalist, caplog):
    device = enrol(journalist)
    sign_in_with_app(client, journalist, device)
    codes = make_codes(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    page = client.get(TWO_STEP).content.decode()
    assert "10 unused backup codes" in page
    assert not any(code in page for code in codes)  # shown once, never again

    client.logout()
    with caplog.at_level(logging.WARNING, logger="newsroom.two_step"):
        # Typed the way people copy them: upper case, with a space.
        signed_in = sign_in(client, journalist, f"{codes[0][:4].upper()} {codes[0][4:]}")
    assert signed_in.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200
    assert "used a backup code" in caplog.text and "9 left" in caplog.text
    history = LogEntry.objects.filter(object_id=str(journalist.pk), user=journalist)
    assert [entry.get_change_message() for entry in history.order_by("pk")] == [
        "Made new backup codes for two-step sign-in.",
        "Used a backup code for two-step sign-in (9 left).",
    ]

    client.logout()
    again = sign_in(client, journalist, codes[0])
    assert again.status_code == 200  # used up
    assert client.get(reverse("admin:index")).status_code == 302
    with later():  # django-otp slows down the next try after a wrong code
        assert sign_in(client, journalist, codes[1]).status_code == 302


def test_new_backup_codes_replace_the_old_ones(client, journalist):
    device = enrol(journalist)
    sign_in_with_app(client, journalist, device)
    old = make_codes(client)
    new = make_codes(client)
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new)
    client.logout()
    assert sign_in(client, journalist, old[0]).status_code == 200


def test_turning_two_step_on_shows_backup_codes(client, journalist):
    client.force_login(journalist)
    client.get(TWO_STEP)
    pending = TOTPDevice.objects.get(user=journalist, confirmed=False)
    with later():
        page = client.post(TWO_STEP, {"token": current_code(pending)})
    assert "shown only this once" in page.content.decode()
    assert StaticToken.objects.filter(device__user=journalist).count() == 10
    history = LogEntry.objects.filter(object_id=str(journalist.pk)).order_by("pk")
    assert [entry.get_change_message() for entry in history] == [
        "Turned two-step sign-in on.",
        "Made new backup codes for two-step sign-in.",
    ]


def test_backup_codes_need_a_session_signed_in_with_two_step(journalist_client, journalist):
    enrol(journalist)  # turned on in another browser; this session never gave a code
    page = journalist_client.post(TWO_STEP, {"action": "backup_codes"}, follow=True)
    assert b"Sign out and in again" in page.content
    assert not StaticToken.objects.exists()


@pytest.fixture
def editor_with_two_step(client, editor):
    sign_in_with_app(client, editor, enrol(editor))
    return client


def test_an_editor_resets_a_journalists_two_step_and_they_must_enrol_again(
    editor_with_two_step, editor, journalist, client, caplog
):
    device = enrol(journalist)
    listed = editor_with_two_step.get(RESET_LIST)
    assert listed.status_code == 200 and b"journalist" in listed.content
    url = reverse("admin:two_step_reset", args=[journalist.pk])
    assert editor_with_two_step.get(url).status_code == 200
    with caplog.at_level(logging.WARNING, logger="newsroom.two_step"):
        done = editor_with_two_step.post(url, {"reason": "Lost phone; called her desk."})
    assert done.status_code == 302
    assert list(devices_for_user(journalist, confirmed=None)) == []
    assert "reset by editor" in caplog.text and "called her desk" in caplog.text
    entry = LogEntry.objects.get(object_id=str(journalist.pk), user=editor)
    assert "Lost phone; called her desk." in entry.get_change_message()

    # The journalist signs in with the password alone, and must set it up again first.
    editor_with_two_step.logout()
    assert sign_in(client, journalist, "").status_code == 302
    sent = client.get(reverse("admin:articles_article_changelist"))
    assert sent.status_code == 302 and sent["Location"] == TWO_STEP
    client.get(TWO_STEP)
    pending = TOTPDevice.objects.get(user=journalist, confirmed=False)
    assert pending.pk != device.pk
    with later():
        client.post(TWO_STEP, {"token": current_code(pending)})
    assert not TwoStepReset.objects.exists()
    assert client.get(reverse("admin:articles_article_changelist")).status_code == 200


def test_a_reset_needs_a_reason_and_changes_nothing_without_one(editor_with_two_step, journalist):
    enrol(journalist)
    url = reverse("admin:two_step_reset", args=[journalist.pk])
    page = editor_with_two_step.post(url, {"reason": "  "})
    assert page.status_code == 200 and b"This field is required" in page.content
    assert TOTPDevice.objects.filter(user=journalist, confirmed=True).exists()
    assert not LogEntry.objects.filter(object_id=str(journalist.pk)).exists()


def test_editors_reset_only_journalists(editor_with_two_step, editor, superuser):
    other_editor = make_user("editor2", "Editor")
    for person in (other_editor, superuser, editor):
        enrol(person) if person != editor else None
        url = reverse("admin:two_step_reset", args=[person.pk])
        assert editor_with_two_step.post(url, {"reason": "asked"}).status_code == 404
    assert b"editor2" not in editor_with_two_step.get(RESET_LIST).content
    # Nor an editor whose account is switched off (is_editor() is false for them).
    other_editor.is_active = False
    other_editor.save(update_fields=["is_active"])
    url = reverse("admin:two_step_reset", args=[other_editor.pk])
    assert editor_with_two_step.post(url, {"reason": "asked"}).status_code == 404
    assert TOTPDevice.objects.filter(user=other_editor, confirmed=True).exists()


def test_an_administrator_resets_an_editors_two_step(client, superuser, editor):
    sign_in_with_app(client, superuser, enrol(superuser))
    enrol(editor)
    url = reverse("admin:two_step_reset", args=[editor.pk])
    assert client.post(url, {"reason": "New phone, checked in person"}).status_code == 302
    assert not TOTPDevice.objects.filter(user=editor).exists()


def test_journalists_cannot_reset_anyone(journalist_client, other_journalist):
    enrol(other_journalist)
    assert journalist_client.get(RESET_LIST).status_code == 403
    url = reverse("admin:two_step_reset", args=[other_journalist.pk])
    assert journalist_client.post(url, {"reason": "x"}).status_code == 403
    assert TOTPDevice.objects.filter(user=other_journalist).exists()


def test_only_someone_signed_in_with_two_step_may_reset(editor_client, journalist):
    enrol(journalist)
    url = reverse("admin:two_step_reset", args=[journalist.pk])
    refused = editor_client.post(url, {"reason": "asked"})
    assert refused.status_code == 403 and b"Turn on two-step sign-in" in refused.content
    assert TOTPDevice.objects.filter(user=journalist).exists()


def test_there_is_nothing_to_reset_for_someone_without_two_step(editor_with_two_step, journalist):
    url = reverse("admin:two_step_reset", args=[journalist.pk])
    assert editor_with_two_step.post(url, {"reason": "asked"}).status_code == 404
    assert not TwoStepReset.objects.filter(user=journalist).exists()
    assert not LogEntry.objects.filter(object_id=str(journalist.pk)).exists()
