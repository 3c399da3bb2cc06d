"""Signing in to the desk: two-step sign-in (TOTP), throttled password reset.

Failed logins are counted and locked out by django-axes (see settings). A wrong
authenticator code counts as a failed login too, so codes cannot be guessed either.
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
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login
from django_otp import match_token, user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from newsroom import ratelimit


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
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        help_text="Only if you have turned on two-step sign-in.",
    )

    def clean(self):
        cleaned = super().clean()  # password checked (and lock-outs applied) here
        user = self.get_user()
        if user is not None and user_has_device(user, confirmed=True):
            token = (cleaned.get("otp_token") or "").strip().replace(" ", "")
            device = match_token(user, token) if token else None
            if device is None:
                user_login_failed.send(
                    sender=__name__,
                    credentials={"username": cleaned.get("username")},
                    request=self.request,
                )
                raise self.get_invalid_login_error()
            otp_login(self.request, device)
        return cleaned


def requires_two_step(user) -> bool:
    from articles.permissions import is_editor

    return settings.REQUIRE_2FA_FOR_EDITORS and is_editor(user)


class TwoStepRequiredMiddleware:
    """With REQUIRE_2FA_FOR_EDITORS, an editor without two-step sign-in is sent to set it
    up before using the rest of the admin."""

    ALLOWED = ("/admin/login/", "/admin/logout/", "/admin/two-step/", "/admin/jsi18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if (
            path.startswith("/admin/")
            and not path.startswith(self.ALLOWED)
            and request.user.is_authenticated
            and requires_two_step(request.user)
            and not request.user.is_verified()
        ):
            messages.warning(request, "Editors must turn on two-step sign-in to continue.")
            return HttpResponseRedirect(reverse("admin:two_step"))
        return self.get_response(request)


class CodeForm(forms.Form):
    token = forms.CharField(
        label="Six-digit code",
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def two_step(request, admin_site):
    """Turn two-step sign-in on (scan, then confirm a code) or off (confirm a code)."""
    user = request.user
    confirmed = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    pending = None
    if confirmed is None:
        pending, _ = TOTPDevice.objects.get_or_create(
            user=user, confirmed=False, defaults={"name": "Authenticator app"}
        )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"].strip().replace(" ", "")
        device = pending or confirmed
        if device.verify_token(token):
            if pending is not None:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                otp_login(request, device)
                messages.success(request, "Two-step sign-in is on. Keep your phone safe.")
            else:
                TOTPDevice.objects.filter(user=user).delete()
                messages.success(request, "Two-step sign-in is off.")
            return HttpResponseRedirect(reverse("admin:two_step"))
        form.add_error("token", "That code is wrong or has expired. Try the current one.")
    context = {
        **admin_site.each_context(request),
        "title": "Two-step sign-in",
        "form": form,
        "enabled": confirmed is not None,
        "required": requires_two_step(user),
    }
    if pending is not None:
        qr = segno.make(pending.config_url, error="m")
        context.update(qr=qr.svg_data_uri(scale=5), secret=_base32(pending.bin_key))
    return TemplateResponse(request, "admin/two_step.html", context)


def _base32(key: bytes) -> str:
    text = base64.b32encode(key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


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
        email = request.POST.get("email", "")[:254]
        if _over_limit("ip", address) or (email and _over_limit("email", email)):
            form = self.get_form()
            form.add_error(
                "email",
                "Too many password reset requests. Wait an hour and try again, or ask an "
                "administrator.",
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)
