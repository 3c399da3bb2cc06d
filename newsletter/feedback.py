"""Bounces and complaints reported by the email provider's webhook (django-anymail, which
checks the webhook's credentials and turns each provider's format into one event): the
address is unsubscribed at once. Large senders' rules require it, and mailing an address
that bounces or complains ruins delivery for everyone else."""

from anymail.signals import tracking
from django.dispatch import receiver

from newsletter import services

_UNSUBSCRIBING = {"bounced": "bounce", "complained": "spam complaint", "unsubscribed": "provider"}


@receiver(tracking, dispatch_uid="newsletter.feedback")
def _on_tracking(sender, event, esp_name, **kwargs) -> None:
    reason = _UNSUBSCRIBING.get(event.event_type)
    if reason and event.recipient:
        services.suppress(event.recipient, reason=f"{reason} ({esp_name})")
