"""What the desk does, turned into webhook deliveries: one row per event and endpoint
(the delivery log), sent by the task queue once the change has committed.

Read from the desk's own records: the workflow events the services write (published,
unpublished, corrected, restored), a content save of a live story, a live story deleted.
A scheduled story that goes live by itself at its time makes no event yet (nothing runs
at that moment; the periodic task of issue 16 will be where to send it from).
"""

import json

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from api import present
from api.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from api.webhooks import deliver
from articles.models import Article, ArticleEvent, EventAction
from newsroom.background import enqueue_after_commit
from newsroom.site import absolute_url


def payload(event: str, article: Article) -> str:
    story = {
        "id": article.pk,
        "api_url": present.api_url(f"/articles/{article.pk}"),
        "ninjs_url": present.api_url(f"/articles/{article.pk}/ninjs"),
    }
    if event != WebhookEvent.UNPUBLISHED:  # a story taken down tells no more than its id
        story["headline"] = article.headline
        story["url"] = absolute_url(article.get_absolute_url())
    return json.dumps(
        {"event": event, "occurred_at": timezone.now().isoformat(), "article": story},
        ensure_ascii=False,
    )


def send(event: str, article: Article) -> list[WebhookDelivery]:
    """A delivery for each active endpoint that takes this event, sent after commit."""
    endpoints = [e for e in WebhookEndpoint.objects.filter(is_active=True) if event in e.events]
    if not endpoints:
        return []
    body = payload(event, article)
    made = WebhookDelivery.objects.bulk_create(
        WebhookDelivery(endpoint=endpoint, event=event, article_id=article.pk, body=body)
        for endpoint in endpoints
    )
    for delivery in made:
        enqueue_after_commit(deliver, delivery.pk)
    return made


def _was_live(article: Article) -> bool:
    first = article.first_published_at
    return first is not None and first <= timezone.now()


@receiver(post_save, sender=ArticleEvent, dispatch_uid="api.webhooks.workflow")
def _workflow_step(sender, instance: ArticleEvent, created: bool, **kwargs):
    if not created or kwargs.get("raw"):
        return
    article = instance.article
    if instance.action == EventAction.PUBLISHED and article.is_visible():
        send(WebhookEvent.PUBLISHED, article)
    elif instance.action == EventAction.CORRECTED and article.is_visible():
        send(WebhookEvent.CORRECTED, article)
    elif instance.action == EventAction.RESTORED and article.is_visible():
        send(WebhookEvent.UPDATED, article)
    elif instance.action == EventAction.UNPUBLISHED and _was_live(article):
        send(WebhookEvent.UNPUBLISHED, article)


@receiver(post_save, sender=Article, dispatch_uid="api.webhooks.content")
def _content_saved(sender, instance: Article, created: bool, update_fields=None, **kwargs):
    # services.save_article saves an existing story's content with update_fields naming
    # its content columns; workflow steps save other columns and are handled above.
    if created or kwargs.get("raw") or not update_fields or "headline" not in update_fields:
        return
    if instance.is_visible():
        send(WebhookEvent.UPDATED, instance)


@receiver(post_delete, sender=Article, dispatch_uid="api.webhooks.deleted")
def _deleted(sender, instance: Article, **kwargs):
    if instance.is_visible():
        send(WebhookEvent.UNPUBLISHED, instance)
