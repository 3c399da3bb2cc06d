"""Signing in to the desk: the sign-in form, the two-step sign-in pages (turning it on and
off, backup codes, resetting someone else's), throttled password reset.

Failed logins are counted and locked out by django-axes (see settings). A wrong
authenticator code counts as a failed login too, so codes cannot be guessed either. The
writes behind the two-step pages are in newsroom/two_step.py.
"""

import base64
import datetime

import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import user_login_failed
from django.contrib.auth import views as auth_views
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from newsroom import ratelimit, two_step


class NewsroomLoginForm(AdminAuthenticationForm):
    """The desk's sign-in: username, password and, for accounts with two-step sign-in on,
    a code, all on one form.

    Every refusal says the same thing: a right password without its code is refused in
    the words of a wrong password, so the form cannot be used to test passwords of
    accounts with two-step sign-in on. Both count as a failed login (django-axes).
    """

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": (
            "Please enter the correct %(username)s and password for a staff account, and "
            "the current code from your authenticator app if two-step sign-in is on for "
            "your account. Note that the password is case-sensitive."
        ),
    }

    otp_token = forms.CharField(
        label="Code from your authenticator app",
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
        help_text=(
            "Only if you have turned on two-step sign-in. Lost your phone? Type one of "
            "your backup codes instead."
        ),
    )

    def clean(self):
        cleaned = super().clean()  # password checked (and lock-outs applied) here
        user = self.get_user()
        if user is not None and user_has_device(user, confirmed=True):
            device = two_step.verify_code(user, cleaned.get("otp_token") or "")
            if device is None:
                user_login_failed.send(
                    sender=__name__,
                    credentials={"username": cleaned.get("username")},
                    request=self.request,
                )
                raise self.get_invalid_login_error()
            # Remembered in the session by django-otp when Django signs the user in
            # (its user_logged_in receiver); request.user is still anonymous here.
            user.otp_device = device
            if isinstance(device, StaticDevice):
                messages.warning(
                    self.request,
                    f"You signed in with a backup code; {two_step.backup_codes_left(user)} "
                    "left. Each works once: make new ones on the two-step sign-in page.",
                )
        return cleaned


def requires_two_step(user) -> bool:
    """Editors when REQUIRE_2FA_FOR_EDITORS is on, and anyone whose two-step sign-in was
    reset until they set it up again."""
    from articles.permissions import is_editor

    return (settings.REQUIRE_2FA_FOR_EDITORS and is_editor(user)) or two_step.must_enrol_again(user)


class TwoStepRequiredMiddleware:
    """Someone who must use two-step sign-in (an editor with REQUIRE_2FA_FOR_EDITORS, anyone
    whose two-step sign-in was reset) and did not sign in with it is sent to set it up
    before using the rest of the admin."""

    ALLOWED = ("/admin/login/", "/admin/logout/", "/admin/two-step/", "/admin/jsi18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if (
            path.startswith("/admin/")
            and not path.startswith(self.ALLOWED)
            and request.user.is_authenticated
            and not request.user.is_verified()
            and requires_two_step(request.user)
        ):
            messages.warning(request, "Turn on two-step sign-in to continue.")
            return HttpResponseRedirect(reverse("admin:two_step"))
        return self.get_response(request)


class CodeForm(forms.Form):
    token = forms.CharField(
        label="Six-digit code",
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )


def two_step_page(request, admin_site):
    """Turn two-step sign-in on (scan, then confirm a code) or off (confirm a code, or a
    backup code), and make backup codes. New backup codes are shown in this one answer
    only (never stored for showing again)."""
    user = request.user
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    pending = None
    if confirmed is None:
        pending, _ = TOTPDevice.objects.get_or_create(
            user=user, confirmed=False, defaults={"name": "Authenticator app"}
        )
    action = request.POST.get("action", "")
    form = CodeForm(request.POST if action != "backup_codes" else None)
    new_codes = None
    if request.method == "POST" and action == "backup_codes":
        if confirmed is not None and user.is_verified():
            new_codes = two_step.make_backup_codes(user)
        else:
            messages.error(
                request,
                "Sign out and in again with a code from your app before making backup codes.",
            )
    elif request.method == "POST" and form.is_valid():
        token = two_step.normalise(form.cleaned_data["token"])
        if pending is not None and pending.verify_token(token):
            new_codes = two_step.turn_on(pending)
            otp_login(request, pending)
            confirmed, pending = pending, None
            messages.success(request, "Two-step sign-in is on. Keep your phone safe.")
        elif confirmed is not None and two_step.verify_code(user, token):
            two_step.turn_off(user)
            messages.success(request, "Two-step sign-in is off.")
            return HttpResponseRedirect(reverse("admin:two_step"))
        else:
            form.add_error("token", "That code is wrong or has expired. Try the current one.")
    context = {
        **admin_site.each_context(request),
        "title": "Two-step sign-in",
        "form": form,
        "enabled": confirmed is not None,
        "required": requires_two_step(user),
        "new_codes": new_codes,
        "codes_left": two_step.backup_codes_left(user) if confirmed else 0,
        "may_reset_others": _may_reset_anyone(user),
    }
    if pending is not None:
        qr = segno.make(pending.config_url, error="m")
        context.update(qr=qr.svg_data_uri(scale=5), secret=_base32(pending.bin_key))
    return TemplateResponse(request, "admin/two_step.html", context)


def _base32(key: bytes) -> str:
    text = base64.b32encode(key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


# --- resetting someone else's two-step sign-in (a lost phone) ---------------------------


def _may_reset_anyone(user) -> bool:
    from articles.permissions import is_editor

    return user.is_superuser or is_editor(user)


class ResetForm(forms.Form):
    reason = forms.CharField(
        label="How you checked it is them",
        max_length=200,
        help_text=(
            "Kept in the log with your name, e.g. “Lost her phone; I called her on the desk "
            "number.” Reset only once you are sure the request comes from the person."
        ),
    )


def _reset_refusal(request, admin_site):
    """Why this person may not reset anyone's two-step sign-in now, as a page; or None."""
    if not _may_reset_anyone(request.user):
        raise PermissionDenied
    if request.user.is_verified():
        return None
    # Removing someone's second step is done only by someone signed in with their own.
    context = {
        **admin_site.each_context(request),
        "title": "Reset someone's two-step sign-in",
        "refused": "Turn on two-step sign-in for your own account, and sign in with it, "
        "before resetting someone else's.",
    }
    return TemplateResponse(request, "admin/two_step_reset.html", context, status=403)


def two_step_reset_list(request, admin_site):
    """The people whose two-step sign-in this person may reset."""
    if refusal := _reset_refusal(request, admin_site):
        return refusal
    people = [
        person
        for person in User.objects.filter(is_active=True, totpdevice__confirmed=True)
        .distinct()
        .order_by("username")
        if two_step.may_reset(request.user, person)
    ]
    context = {
        **admin_site.each_context(request),
        "title": "Reset someone's two-step sign-in",
        "people": people,
    }
    return TemplateResponse(request, "admin/two_step_reset.html", context)


def two_step_reset(request, admin_site, user_id: int):
    """Confirm, with a reason, and reset one person's two-step sign-in."""
    if refusal := _reset_refusal(request, admin_site):
        return refusal
    person = get_object_or_404(User, pk=user_id)
    if not two_step.may_reset(request.user, person):
        raise Http404  # as if they did not exist: nothing to learn about others' accounts
    form = ResetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        two_step.reset(person, by=request.user, reason=form.cleaned_data["reason"])
        messages.success(
            request,
            f"Two-step sign-in of {person.get_full_name() or person.get_username()} is reset: "
            "they sign in with their password and must set it up again at once.",
        )
        return HttpResponseRedirect(reverse("admin:two_step_reset_list"))
    context = {
        **admin_site.each_context(request),
        "title": f"Reset two-step sign-in of {person.get_full_name() or person.get_username()}",
        "person": person,
        "form": form,
    }
    return TemplateResponse(request, "admin/two_step_reset.html", context)


# --- password reset -------------------------------------------------------------------


def _over_limit(kind: str, value: str) -> bool:
    """Count one reset request; True once the hour's allowance is used up. Counted in the
    database, so the limit is the site's, not each worker's (newsroom/ratelimit.py)."""
    return ratelimit.is_over(
        f"password-reset:{kind}",
        value.lower(),
        limit=settings.PASSWORD_RESET_LIMIT,
        window=datetime.timedelta(hours=1),
    )


@method_decorator([sensitive_post_parameters(), csrf_protect, never_cache], name="dispatch")
class ThrottledPasswordResetView(auth_views.PasswordResetView):
    """Django's reset form, limited per client address and per e-mail address, so it can
    be used neither to flood an inbox nor to probe addresses at speed."""

    def post(self, request, *args, **kwargs):
        address = request.META.get("REMOTE_ADDR", "")
        # Counted as the form reads it (stripped, any case): " editor@…" is the same inbox.
        email = request.POST.get("email", "").strip()[:254]
        if _over_limit("ip", address) or (email and _over_limit("email", email)):
            form = self.get_form()
            form.add_error(
                "email",
                "Too many password reset requests. Wait an hour and try again, or ask an "
                "administrator.",
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)
