"""Two-step sign-in: checking codes, backup codes, and resetting someone's two-step sign-in
when they lost their phone. The writes, and who may do them.

Both ways back in are recorded twice: in the admin's history of the person's account
(LogEntry, which administrators read on the user's page) and in the application log
(logger "newsroom.two_step", WARNING), which is where alerting looks.
"""

import logging

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import User
from django.db import transaction
from django_otp import devices_for_user, user_has_device
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from articles.permissions import NotAllowed, is_editor
from newsroom.models import TwoStepReset

logger = logging.getLogger(__name__)

BACKUP_CODE_COUNT = 10


def normalise(code: str) -> str:
    """What a person typed, the way codes are stored: no spaces or dashes, lower case."""
    return "".join(code.split()).replace("-", "").lower()


def verify_code(user: User, code: str) -> Device | None:
    """The device that accepts `code` (a code from the authenticator app, or a backup code,
    which is then used up), or None. A backup code used is logged."""
    code = normalise(code)
    if not code:
        return None
    # Six digits go to the app, anything else to the backup codes (which always hold a
    # letter), so a mistyped app code does not slow down the backup codes (django-otp
    # throttles each device after wrong codes).
    model = TOTPDevice if code.isdigit() else StaticDevice
    with transaction.atomic():
        # Locked, so one backup code cannot be used twice by two requests at once.
        for device in model.objects.devices_for_user(user, confirmed=True).select_for_update():
            if device.verify_token(code):
                if isinstance(device, StaticDevice):
                    _log_backup_code_use(user, remaining=device.token_set.count())
                return device
    return None


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def make_backup_codes(user: User) -> list[str]:
    """A new set of backup codes for someone with two-step sign-in on, replacing any older
    set. The codes are returned to be shown once."""
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        raise NotAllowed("Turn on two-step sign-in before making backup codes.")
    # One device per person, kept: a session signed in with a backup code stays signed in
    # (django-otp remembers the device) when new codes replace the old ones.
    device, _ = StaticDevice.objects.get_or_create(
        user=user, defaults={"name": "Backup codes", "confirmed": True}
    )
    device.token_set.all().delete()
    codes = [_new_code() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    _log(by=user, user=user, message="Made new backup codes for two-step sign-in.")
    logger.info("New backup codes made by %s (user id %s).", user.get_username(), user.pk)
    return codes


def _new_code() -> str:
    """Eight random characters of a-z and 2-7 (40 bits), always with a letter, so a backup
    code never looks like an app code."""
    while (code := StaticToken.random_token()).isdigit():
        pass
    return code


@transaction.atomic
def turn_on(device: TOTPDevice) -> list[str]:
    """Confirm the app a person just proved they set up (a reset is then done with); their
    first backup codes, to be shown once."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TwoStepReset.objects.filter(user=device.user).delete()
    _log(by=device.user, user=device.user, message="Turned two-step sign-in on.")
    return make_backup_codes(device.user)


@transaction.atomic
def turn_off(user: User) -> None:
    """The person turns their own two-step sign-in off (app and backup codes)."""
    _remove_devices(user)
    _log(by=user, user=user, message="Turned two-step sign-in off.")


def _remove_devices(user: User) -> None:
    for device in devices_for_user(user, confirmed=None):
        device.delete()


def may_reset(by: User, user: User) -> bool:
    """Editors may reset journalists' two-step sign-in, administrators anyone's; nobody
    their own (that is what backup codes are for)."""
    if by.pk == user.pk or not (by.is_active and by.is_staff):
        return False
    if not user_has_device(user, confirmed=True):
        return False  # nothing to reset: a reset would only force them to enrol
    if by.is_superuser:
        return True
    # is_editor() says no for any inactive account, editors' included: editors reset
    # active journalists only.
    return is_editor(by) and user.is_active and not is_editor(user) and not user.is_superuser


@transaction.atomic
def reset(user: User, *, by: User, reason: str) -> None:
    """Remove someone's devices and make them set two-step sign-in up again before using
    the desk (they sign in with their password alone until then)."""
    if not may_reset(by, user):
        raise NotAllowed("You may not reset this person's two-step sign-in.")
    _remove_devices(user)
    TwoStepReset.objects.update_or_create(user=user, defaults={"reset_by": by})
    _log(by=by, user=user, message=f"Reset two-step sign-in (devices removed): {reason}")
    logger.warning(
        "Two-step sign-in of %s (user id %s) reset by %s (user id %s): %s",
        user.get_username(),
        user.pk,
        by.get_username(),
        by.pk,
        reason,
    )


def must_enrol_again(user: User) -> bool:
    return TwoStepReset.objects.filter(user=user).exists()


def _log_backup_code_use(user: User, *, remaining: int) -> None:
    _log(
        by=user,
        user=user,
        message=f"Used a backup code for two-step sign-in ({remaining} left).",
    )
    logger.warning(
        "%s (user id %s) used a backup code for two-step sign-in; %d left.",
        user.get_username(),
        user.pk,
        remaining,
    )


def _log(*, by: User, user: User, message: str) -> None:
    """A line in the history of the person's account (admin → Users → History)."""
    LogEntry.objects.log_actions(
        user_id=by.pk, queryset=[user], action_flag=CHANGE, change_message=message
    )
