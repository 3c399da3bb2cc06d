"""Webhooks: signed deliveries to a real receiver, through the task queue; addresses in our
own network refused, when saved and at delivery (DNS rebinding); editors only."""

import datetime
import http.server
import json
import socket
import threading

import pytest
import time_machine
from django.utils import timezone

from api import webhooks
from api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from articles import services
from articles.models import Status
from newsroom.models import FailedTask
from tests.factories import make_article
from tests.support import run_queued_tasks

pytestmark = pytest.mark.django_db


class Receiver(http.server.BaseHTTPRequestHandler):
    received: list = []
    answer = 200

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), body))
        self.send_response(type(self).answer)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    Receiver.received = []
    Receiver.answer = 200
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def endpoint(receiver, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    return WebhookEndpoint.objects.create(
        url=f"http://127.0.0.1:{receiver.server_port}/hooks?from=newsroom",
        events=["published", "updated", "corrected", "unpublished"],
    )


def test_publishing_delivers_a_signed_event_through_the_queue(
    endpoint, editor, django_capture_on_commit_callbacks
):
    story = make_article("Going out", status=Status.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        services.publish(story, by=editor)
    [(headers, body)] = Receiver.received
    assert webhooks.verify(endpoint.secret, body, headers["Newsroom-Signature"])
    assert not webhooks.verify("another secret", body, headers["Newsroom-Signature"])
    assert not webhooks.verify(endpoint.secret, body + b" ", headers["Newsroom-Signature"])
    event = json.loads(body)
    assert event["event"] == "published" and headers["Newsroom-Event"] == "published"
    assert event["article"]["id"] == story.pk and event["article"]["headline"] == "Going out"
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.response_status == 200
    assert delivery.body.encode() == body


def test_correcting_editing_and_unpublishing_are_events_too(
    endpoint, editor, django_capture_on_commit_callbacks
):
    story = make_article("Live story")
    with django_capture_on_commit_callbacks(execute=True):
        services.add_correction(story, by=editor, text="Fixed a name.")
    with django_capture_on_commit_callbacks(execute=True):
        story.refresh_from_db()
        story.headline = "Live story, edited"
        services.save_article(story, by=editor)
    with django_capture_on_commit_callbacks(execute=True):
        services.unpublish(story, by=editor)
    events = [json.loads(body)["event"] for _headers, body in Receiver.received]
    assert events == ["corrected", "updated", "unpublished"]
    assert "headline" not in json.loads(Receiver.received[-1][1])["article"]


def test_an_endpoint_gets_only_the_events_it_chose(
    endpoint, editor, django_capture_on_commit_callbacks
):
    endpoint.events = ["unpublished"]
    endpoint.save()
    story = make_article(status=Status.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        services.publish(story, by=editor)
    assert Receiver.received == []


def test_drafts_and_scheduled_stories_send_nothing(
    endpoint, editor, django_capture_on_commit_callbacks
):
    story = make_article(status=Status.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        story.headline = "Draft edit"
        services.save_article(story, by=editor)
        services.publish(story, by=editor, at=timezone.now() + datetime.timedelta(days=1))
    assert Receiver.received == []


def test_a_failed_delivery_is_logged_with_the_reason(
    endpoint, editor, django_capture_on_commit_callbacks
):
    Receiver.answer = 500
    story = make_article(status=Status.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        services.publish(story, by=editor)
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 1 and delivery.response_status == 500
    assert delivery.status == DeliveryStatus.FAILED  # the immediate backend cannot defer
    assert "500" in delivery.error


def test_a_failing_delivery_is_retried_by_the_queue_with_back_off_then_given_up(
    endpoint, task_queue, settings
):
    settings.TASKS_ATTEMPTS = 3
    settings.TASKS_RETRY_SECONDS = 30
    Receiver.answer = 503
    start = datetime.datetime(2026, 12, 2, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        delivery = WebhookDelivery.objects.create(endpoint=endpoint, event="published",
                                                  article_id=1, body="{}")  # fmt: skip
        webhooks.deliver.enqueue(delivery.pk)
        run_queued_tasks()
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.RETRYING and delivery.attempts == 1
        assert delivery.next_attempt_at == start + datetime.timedelta(seconds=30)
        run_queued_tasks()  # not due yet
        assert len(Receiver.received) == 1
        clock.move_to(delivery.next_attempt_at)
        run_queued_tasks()
        delivery.refresh_from_db()
        assert delivery.attempts == 2
        assert delivery.next_attempt_at == timezone.now() + datetime.timedelta(seconds=120)
        clock.move_to(delivery.next_attempt_at)
        run_queued_tasks()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 3  # bounded
    assert len(Receiver.received) == 3
    assert FailedTask.objects.given_up().count() == 1  # waits in the admin for staff


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "192.168.0.10", "169.254.169.254",
                                     "::1", "fd00::1", "100.64.0.1", "0.0.0.0"])  # fmt: skip
def test_addresses_inside_any_network_of_ours_are_refused(address, monkeypatch):
    found = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, 443))]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: found)
    with pytest.raises(webhooks.RefusedDestination, match="never into our own network"):
        webhooks.resolve("https://partner.example/hooks")


def test_the_admin_form_refuses_a_private_address_with_a_clear_message(editor_client):
    form = {"url": "http://localhost:8000/hook", "events": ["published"], "is_active": "on"}
    response = editor_client.post("/admin/api/webhookendpoint/add/", form)
    assert response.status_code == 200
    assert "never into our own network" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_dns_rebinding_is_refused_at_delivery(
    receiver, editor, settings, monkeypatch, django_capture_on_commit_callbacks
):
    # Saved while the name led to a public address; at delivery it leads to loopback.
    endpoint = WebhookEndpoint.objects.create(
        url=f"http://partner.example:{receiver.server_port}/hook", events=["published"]
    )
    found = [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", receiver.server_port))]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *args, **kwargs: found)
    story = make_article(status=Status.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        services.publish(story, by=editor)
    assert Receiver.received == []
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.status == DeliveryStatus.FAILED
    assert "loopback" in delivery.error


def test_only_editors_see_webhooks_and_the_secret_is_shown_once(
    editor_client, journalist, client, settings
):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
    form = {"url": "http://127.0.0.1:9/hook", "events": ["published"], "is_active": "on"}
    response = editor_client.post("/admin/api/webhookendpoint/add/", form, follow=True)
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret in response.content.decode()  # once, right after creating it
    page = editor_client.get(f"/admin/api/webhookendpoint/{endpoint.pk}/change/")
    assert endpoint.secret not in page.content.decode()
    assert endpoint.masked_secret in page.content.decode()
    log = editor_client.get("/admin/api/webhookdelivery/")
    assert log.status_code == 200
    client.force_login(journalist)
    for url in ("/admin/api/webhookendpoint/", "/admin/api/webhookdelivery/",
                f"/admin/api/webhookendpoint/{endpoint.pk}/change/"):  # fmt: skip
        assert client.get(url).status_code in (302, 403, 404), url


def test_deleting_a_live_story_tells_partners_it_is_unpublished(
    endpoint, editor, django_capture_on_commit_callbacks
):
    story = make_article("Soon gone")
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_article(story, by=editor)
    [(_headers, body)] = Receiver.received
    event = json.loads(body)
    assert event["event"] == "unpublished" and event["article"]["id"] == story.pk
    assert "Soon gone" not in body.decode()
