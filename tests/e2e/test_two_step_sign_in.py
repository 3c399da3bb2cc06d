"""Two-step sign-in in a real browser: the code is asked for on the sign-in page itself,
for every account, and a backup code works in the same box (issue 14, items 6 and 8)."""

import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from newsroom import two_step
from tests.factories import make_user

pytestmark = pytest.mark.django_db(transaction=True)


def current_code(device) -> str:
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def sign_in(page, site, username, code=""):
    page.goto(f"{site}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "pw")
    page.fill("#id_otp_token", code)
    page.click("input[type=submit]")


def test_a_person_with_two_step_signs_in_with_the_code_then_with_a_backup_code(
    site, new_page, shot
):
    editor = make_user("samir", "Editor")
    device = TOTPDevice.objects.create(user=editor, name="phone", confirmed=True)
    codes = two_step.make_backup_codes(editor)

    page = new_page()
    page.goto(f"{site}/admin/login/")
    # The same three boxes for every account: the page cannot tell who has two-step on.
    expect(page.locator("#id_otp_token")).to_be_visible()
    expect(page.locator("label[for=id_otp_token]")).to_contain_text("Code")
    shot(page, "01-sign-in")

    sign_in(page, site, "samir")  # the right password, no code: refused like a wrong one
    expect(page.locator(".errornote")).to_contain_text("Please enter the correct username")
    expect(page).to_have_url(re.compile(r"/admin/login/"))

    sign_in(page, site, "samir", current_code(device))
    expect(page).to_have_url(re.compile(r"/admin/$"))
    page.context.clear_cookies()

    sign_in(page, site, "samir", codes[0])  # lost the phone: a backup code instead
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(page.locator(".messagelist")).to_contain_text("You signed in with a backup code")
    shot(page, "02-signed-in-with-a-backup-code")
    assert two_step.backup_codes_left(editor) == len(codes) - 1
