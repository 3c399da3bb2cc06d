"""Signing in: lock-outs, two-step sign-in, password reset limits, safe redirects."""

import datetime

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from newsroom.models import RateLimitCounter

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")


def attempt(client, username="editor", password="wrong", ip="203.0.113.1", **extra):
    return client.post(LOGIN, {"username": username, "password": password, **extra}, REMOTE_ADDR=ip)


def test_five_wrong_passwords_pause_the_account_from_that_address(client, editor):
    for _ in range(4):
        assert attempt(client).status_code == 200  # the form again, with its message
    assert attempt(client).status_code == 429  # the fifth failure pauses sign-in
    locked = attempt(client, password="pw")  # even the right password now
    assert locked.status_code == 429
    assert b"Sign-in paused" in locked.content
    assert attempt(client, password="pw", ip="203.0.113.2").status_code == 302  # other address


def test_lockout_keys_on_the_real_client_behind_the_proxy(client, settings, editor):
    settings.TRUSTED_PROXIES = ["10.0.0.5"]
    for _ in range(5):
        client.post(
            LOGIN,
            {"username": "editor", "password": "x"},
            REMOTE_ADDR="10.0.0.5",
            HTTP_X_FORWARDED_FOR="198.51.100.7",
        )
    blocked = client.post(
        LOGIN,
        {"username": "editor", "password": "pw"},
        REMOTE_ADDR="10.0.0.5",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert blocked.status_code == 429
    other_client = client.post(
        LOGIN,
        {"username": "editor", "password": "pw"},
        REMOTE_ADDR="10.0.0.5",
        HTTP_X_FORWARDED_FOR="198.51.100.8",
    )
    assert other_client.status_code == 302


def test_a_spoofed_forwarded_for_cannot_dodge_the_lockout(client, editor):
    for n in range(5):
        client.post(
            LOGIN,
            {"username": "editor", "password": "x"},
            REMOTE_ADDR="203.0.113.50",
            HTTP_X_FORWARDED_FOR=f"1.1.1.{n}",
        )
    assert attempt(client, password="pw", ip="203.0.113.50").status_code == 429


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", "/\\evil.example"]
)
def test_login_next_accepts_only_our_own_addresses(client, editor, target):
    response = client.post(
        f"{LOGIN}?next={target}",
        {"username": "editor", "password": "pw"},
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 302
    assert response["Location"] in ("/admin/", reverse("admin:index"))


def test_login_next_to_our_own_page_works(client, editor):
    response = client.post(
        f"{LOGIN}?next=/admin/articles/article/",
        {"username": "editor", "password": "pw", "next": "/admin/articles/article/"},
    )
    assert response["Location"] == "/admin/articles/article/"


def enrol(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


def current_code(device) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def test_two_step_sign_in_needs_the_code(client, editor):
    device = enrol(editor)
    missing = attempt(client, password="pw")
    assert missing.status_code == 200 and b"authenticator app if two-step" in missing.content
    assert client.get(reverse("admin:index")).status_code == 302  # not signed in
    wrong = attempt(client, password="pw", otp_token="000000")
    assert wrong.status_code == 200
    # django-otp slows down guessing after a wrong code; a person tries again later.
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=1), tick=False):
        device.refresh_from_db()
        ok = attempt(client, password="pw", otp_token=current_code(device))
    assert ok.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def refusal(response) -> tuple[int, dict]:
    """What a refused sign-in tells the person: the status and every message on the form."""
    return response.status_code, response.context["form"].errors.get_json_data()


def test_two_step_sign_in_gives_nothing_away_about_the_password(client, editor):
    enrol(editor)
    wrong_password = attempt(client, password="wrong")
    right_password_no_code = attempt(client, password="pw")
    right_password_wrong_code = attempt(client, password="pw", otp_token="000000")
    assert refusal(wrong_password)[0] == 200
    assert refusal(right_password_no_code) == refusal(wrong_password)
    assert refusal(right_password_wrong_code) == refusal(wrong_password)
    # ...and an account without two-step is refused in the very same words.
    journalist = User.objects.create_user("reporter", password="pw", is_staff=True)
    assert refusal(attempt(client, username=journalist.username)) == refusal(
        attempt(client, username="editor")
    )
    # Every one of them counted as a failure by the lock-out (django-axes).
    attempts = AccessAttempt.objects.get(username="editor", ip_address="203.0.113.1")
    assert attempts.failures_since_start == 4


def test_wrong_codes_count_towards_the_lockout(client, editor):
    enrol(editor)
    for _ in range(5):
        attempt(client, password="pw", otp_token="123456")
    assert attempt(client, password="pw", otp_token="123456").status_code == 429


def test_turning_two_step_on_from_the_admin(editor_client, editor):
    page = editor_client.get(reverse("admin:two_step"))
    assert page.status_code == 200 and b"data:image/svg+xml" in page.content
    device = TOTPDevice.objects.get(user=editor, confirmed=False)
    assert b"wrong" in editor_client.post(reverse("admin:two_step"), {"token": "000000"}).content
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=1), tick=False):
        device.refresh_from_db()
        editor_client.post(reverse("admin:two_step"), {"token": current_code(device)})
    device.refresh_from_db()
    assert device.confirmed


def test_editors_can_be_required_to_use_two_step(editor_client, settings):
    settings.REQUIRE_2FA_FOR_EDITORS = True
    response = editor_client.get(reverse("admin:articles_article_changelist"))
    assert response.status_code == 302 and response["Location"] == reverse("admin:two_step")


def test_an_editor_who_signed_in_with_a_code_gets_past_the_requirement(client, settings, editor):
    settings.REQUIRE_2FA_FOR_EDITORS = True
    device = enrol(editor)
    assert attempt(client, password="pw", otp_token=current_code(device)).status_code == 302
    assert client.get(reverse("admin:articles_article_changelist")).status_code == 200


def test_password_reset_is_limited_per_address_and_per_email(client, settings):
    User.objects.create_user("reporter", "reporter@newsroom.example", "pw", is_staff=True)
    url = reverse("admin_password_reset")
    for _ in range(settings.PASSWORD_RESET_LIMIT):
        assert (
            client.post(
                url, {"email": "reporter@newsroom.example"}, REMOTE_ADDR="203.0.113.7"
            ).status_code
            == 302
        )
    assert len(mail.outbox) == settings.PASSWORD_RESET_LIMIT
    refused = client.post(url, {"email": "reporter@newsroom.example"}, REMOTE_ADDR="203.0.113.7")
    assert refused.status_code == 429
    assert b"Too many password reset requests" in refused.content
    other_address = client.post(
        url, {"email": "reporter@newsroom.example"}, REMOTE_ADDR="203.0.113.8"
    )
    assert other_address.status_code == 429  # the e-mail address is limited too
    assert len(mail.outbox) == settings.PASSWORD_RESET_LIMIT


def test_login_page_offers_password_reset(client):
    assert reverse("admin_password_reset").encode() in client.get(LOGIN).content


def test_password_reset_allowance_comes_back_after_an_hour(client, settings):
    url = reverse("admin_password_reset")
    for _ in range(settings.PASSWORD_RESET_LIMIT):
        client.post(url, {"email": "nobody@newsroom.example"}, REMOTE_ADDR="203.0.113.7")
    assert client.post(url, {"email": "x@y.example"}, REMOTE_ADDR="203.0.113.7").status_code == 429
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=61)):
        again = client.post(url, {"email": "x@y.example"}, REMOTE_ADDR="203.0.113.7")
    assert again.status_code == 302
    # The counts name nobody: neither the address nor the e-mail address is stored.
    stored = " ".join(RateLimitCounter.objects.values_list("key", flat=True))
    assert "203.0.113.7" not in stored and "example" not in stored


def test_spaces_around_the_email_do_not_reset_its_allowance(client, settings):
    """Django's form strips the address before it looks the account up; the limit must
    count the address the same way (found by the review of issue 14)."""
    User.objects.create_user("reporter", "reporter@newsroom.example", "pw", is_staff=True)
    url = reverse("admin_password_reset")
    variants = [" reporter@newsroom.example", "\treporter@newsroom.example",
                "\u3000Reporter@Newsroom.example", "reporter@newsroom.example  "]  # fmt: skip
    for number in range(12):  # each from its own client address: only the e-mail limit
        client.post(url, {"email": variants[number % 4]}, REMOTE_ADDR=f"203.0.113.{20 + number}")
    assert len(mail.outbox) == settings.PASSWORD_RESET_LIMIT
