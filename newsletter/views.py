"""The readers' newsletter pages: subscribe, confirm, unsubscribe. No JavaScript and no
session: each form posts a plain form (or a signed token) and each answer is a page."""

import datetime

from django.conf import settings
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from articles import seo
from newsletter import services, tokens
from newsletter.forms import SubscribeForm
from newsletter.models import Source
from newsroom import ratelimit
from newsroom.security import client_ip

HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)


def _page(request, template: str, context: dict, *, status: int = 200, title: str):
    meta = seo.page_meta(title=f"{title} — {settings.SITE_NAME}", noindex=True)
    return render(request, template, {"meta": meta, **context}, status=status)


def newsletter_page(request):
    return _page(
        request,
        "newsletter/subscribe.html",
        {"form_errors": [], "email": ""},
        title="Newsletters",
    )


# No CSRF token: the form sits on cached pages that carry no session or CSRF cookie. CSRF
# would stop another site from subscribing a reader's address; double opt-in already makes
# that harmless (nothing is sent but the confirmation, which the owner may ignore).
@csrf_exempt
@require_POST
def subscribe(request):
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        errors = [error for errors in form.errors.values() for error in errors]
        return _page(
            request,
            "newsletter/subscribe.html",
            {"form_errors": errors, "email": request.POST.get("email", "")[:254]},
            status=400,
            title="Newsletters",
        )
    if ratelimit.is_over(
        "newsletter-ip", client_ip(request), limit=settings.NEWSLETTER_SUBSCRIBE_PER_IP, window=HOUR
    ):
        return _page(
            request,
            "newsletter/subscribe.html",
            {
                "form_errors": ["Too many subscriptions from your network. Try again in an hour."],
                "email": "",
            },
            status=429,
            title="Newsletters",
        )
    data = form.cleaned_data
    # Over the address's limit, the answer is the same and no mail goes: the limit must
    # not tell anyone the address was used before.
    if not ratelimit.is_over(
        "newsletter-address",
        data["email"].lower(),
        limit=settings.NEWSLETTER_SUBSCRIBE_PER_ADDRESS,
        window=DAY,
    ):
        services.request_subscription(
            tokens.Request(
                email=data["email"],
                wants_briefing=data["briefing"],
                section_ids=tuple(s.pk for s in data["sections"]),
                source=data["source"] or Source.NEWSLETTER_PAGE,
            )
        )
    return _page(request, "newsletter/check_inbox.html", {}, title="Check your inbox")


@never_cache
@csrf_exempt  # authenticated by the signed token in the address
@require_http_methods(["GET", "POST"])
def confirm(request, token: str):
    try:
        subscription = tokens.read_confirm_token(token)
    except tokens.BadLink:
        return _page(
            request, "newsletter/bad_link.html", {"expired_days": settings.NEWSLETTER_CONFIRM_DAYS},
            status=400, title="Link not valid",
        )  # fmt: skip
    # A GET only shows the button: mail scanners follow links, a person presses it.
    if request.method == "GET":
        return _page(request, "newsletter/confirm.html", {"done": False}, title="Confirm")
    services.confirm(subscription)
    return _page(request, "newsletter/confirm.html", {"done": True}, title="Subscribed")


@never_cache
@csrf_exempt  # RFC 8058: the one-click POST comes from the mail client, token-authenticated
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    try:
        subscriber_id, email = tokens.read_unsubscribe_token(token)
    except tokens.BadLink:
        return _page(
            request, "newsletter/bad_link.html", {"expired_days": None},
            status=400, title="Link not valid",
        )  # fmt: skip
    if request.method == "GET":
        return _page(request, "newsletter/unsubscribe.html", {"done": False}, title="Unsubscribe")
    services.unsubscribe(subscriber_id, email, reason="unsubscribe link")
    return _page(request, "newsletter/unsubscribe.html", {"done": True}, title="Unsubscribed")
