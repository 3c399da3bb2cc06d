"""Bounces and complaints reported by the email provider's webhook (django-anymail, which
checks the webhook's credentials and turns each provider's format into one event): the
address is unsubscribed at once. Large senders' rules require it, and mailing an address
that bounces or complains ruins delivery for everyone else.

Only the configured provider's tracking webhook answers, and only with EMAIL_WEBHOOK_SECRET
set: anymail's own URLs would take every provider's events, with no credentials at all when
the secret is empty (anymail then only warns), so anyone could unsubscribe any reader by
posting a made-up bounce. Everything else under /newsletter/anymail/ is a 404."""

from anymail.signals import tracking
from anymail.webhooks.brevo import BrevoTrackingWebhookView
from anymail.webhooks.mailgun import MailgunTrackingWebhookView
from anymail.webhooks.postmark import PostmarkTrackingWebhookView
from anymail.webhooks.sendgrid import SendGridTrackingWebhookView
from django.conf import settings
from django.dispatch import receiver
from django.http import Http404
from django.views.decorators.csrf import csrf_exempt

from newsletter import services

_UNSUBSCRIBING = {"bounced": "bounce", "complained": "spam complaint", "unsubscribed": "provider"}

# The providers EMAIL_PROVIDER may name (newsroom/settings.py), and their tracking webhooks.
_TRACKING_VIEWS = {
    "mailgun": MailgunTrackingWebhookView,
    "postmark": PostmarkTrackingWebhookView,
    "sendgrid": SendGridTrackingWebhookView,
    "brevo": BrevoTrackingWebhookView,
}


@csrf_exempt  # the provider signs in with HTTP basic auth (WEBHOOK_SECRET), checked by anymail
def tracking_webhook(request, provider: str):
    secret = getattr(settings, "ANYMAIL", {}).get("WEBHOOK_SECRET")
    if provider != settings.EMAIL_PROVIDER or provider not in _TRACKING_VIEWS or not secret:
        raise Http404("No such webhook.")
    return _TRACKING_VIEWS[provider].as_view()(request)


@receiver(tracking, dispatch_uid="newsletter.feedback")
def _on_tracking(sender, event, esp_name, **kwargs) -> None:
    reason = _UNSUBSCRIBING.get(event.event_type)
    if reason and event.recipient:
        services.suppress(event.recipient, reason=f"{reason} ({esp_name})")
