"""Webhooks: endpoints editors register, and every delivery made to them (the log)."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


class WebhookEvent(models.TextChoices):
    PUBLISHED = "published", "Published (a story went live)"
    UPDATED = "updated", "Updated (a live story's content was edited)"
    CORRECTED = "corrected", "Corrected (a correction, clarification or update was added)"
    UNPUBLISHED = "unpublished", "Unpublished (a live story was taken down or deleted)"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    url = models.URLField(
        "address",
        max_length=500,
        help_text="Where we send the events, e.g. https://partner.example/hooks/newsroom. "
        "Addresses on private or local networks are refused.",
    )
    description = models.CharField(
        max_length=200, blank=True, help_text="Who this is for, e.g. “Partner paper’s wire”."
    )
    events = models.JSONField(default=list, help_text="Which events this address receives.")
    secret = models.CharField(
        max_length=64,
        default=new_secret,
        editable=False,
        help_text="Signs each delivery (shown once, when the endpoint is created).",
    )
    is_active = models.BooleanField(
        default=True, help_text="Untick to stop deliveries without deleting the endpoint."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, editable=False,
        related_name="+",
    )  # fmt: skip

    class Meta:
        ordering = ["url"]
        verbose_name = "webhook endpoint"

    def __str__(self) -> str:
        return self.description or self.url

    @property
    def masked_secret(self) -> str:
        return f"••••••••{self.secret[-4:]}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    RETRYING = "retrying", "Failed, will be retried"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed (no more retries)"


class WebhookDelivery(models.Model):
    """One event for one endpoint: the exact body sent, and how each attempt went."""

    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=20, choices=WebhookEvent)
    article_id = models.BigIntegerField(help_text="The story (it may since be deleted).")
    body = models.TextField(help_text="The JSON sent, byte for byte (what was signed).")
    status = models.CharField(max_length=10, choices=DeliveryStatus, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "webhook deliveries"
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.event} of story {self.article_id} to {self.endpoint}"
