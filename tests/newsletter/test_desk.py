"""The newsletter in the admin (editors only): the briefing's preview, the breaking-news
alert, export and erasure of a subscriber; and bounces and complaints from the provider's
webhook (django-anymail) unsubscribing the address."""

import base64
import json

import pytest

from newsletter.models import Issue, Subscriber
from tests import factories
from tests.support import run_queued_tasks

pytestmark = pytest.mark.django_db


def test_an_editor_previews_the_briefing_as_it_would_go_out(editor_client):
    factories.make_article("Ceasefire agreed after talks")
    factories.make_article("Draft story", status="draft")
    answer = editor_client.get("/admin/newsletter/issue/preview-briefing/")
    assert answer.status_code == 200
    html = answer.content.decode()
    assert "Ceasefire agreed after talks" in html and "Draft story" not in html
    assert not Issue.objects.exists()  # a preview sends nothing


@pytest.mark.parametrize(
    "path",
    [
        "/admin/newsletter/issue/preview-briefing/",
        "/admin/newsletter/issue/alert/",
        "/admin/newsletter/subscriber/",
    ],
)
def test_journalists_cannot_reach_the_newsletter(journalist_client, path):
    assert journalist_client.get(path).status_code == 403


def test_an_issue_s_email_is_a_404_when_there_is_no_such_issue_and_403_for_journalists(
    editor_client, journalist
):
    issue = Issue.objects.create(kind=Issue.Kind.BRIEFING, subject="S", html="<p>H</p>", text="T")
    assert editor_client.get(f"/admin/newsletter/issue/{issue.pk}/email/").status_code == 200
    assert editor_client.get(f"/admin/newsletter/issue/{issue.pk + 1}/email/").status_code == 404
    editor_client.force_login(journalist)
    assert editor_client.get(f"/admin/newsletter/issue/{issue.pk}/email/").status_code == 403


def test_an_editor_previews_then_sends_an_alert(editor_client, smtp_server, task_queue):
    article = factories.make_article("Parliament dissolved")
    Subscriber.objects.create(email="p@example.com").sections.set([article.primary_section])
    url = "/admin/newsletter/issue/alert/"
    preview = editor_client.post(url, {"article": article.pk, "preview": "1"})
    assert preview.status_code == 200
    assert "Parliament dissolved" in preview.content.decode()
    assert not Issue.objects.exists()
    sent = editor_client.post(url, {"article": article.pk, "send": "1"}, follow=True)
    assert "is being sent to 1 subscriber" in sent.content.decode()
    run_queued_tasks()
    assert [m["Subject"] for m in smtp_server.messages] == ["Breaking: Parliament dissolved"]


def test_an_alert_for_an_unpublished_story_cannot_be_chosen(editor_client):
    draft = factories.make_article(status="draft")
    answer = editor_client.post(
        "/admin/newsletter/issue/alert/", {"article": draft.pk, "send": "1"}
    )
    assert answer.status_code == 200
    assert "Select a valid choice" in answer.content.decode()
    assert not Issue.objects.exists()


def test_an_editor_exports_and_erases_a_subscriber(editor_client):
    subscriber = Subscriber.objects.create(
        email="reader@example.com", wants_briefing=True, source="article"
    )
    subscriber.sections.set([factories.section("politics")])
    url = "/admin/newsletter/subscriber/"
    export = editor_client.post(url, {"action": "export_data", "_selected_action": [subscriber.pk]})
    assert export.status_code == 200
    [data] = json.loads(export.content)
    assert data["email"] == "reader@example.com"
    assert data["section_alerts"] == ["Politics"]
    assert data["consent_source"] == "Form on an article page"
    assert data["consent_at"]
    erased = editor_client.post(
        url, {"action": "erase", "_selected_action": [subscriber.pk]}, follow=True
    )
    assert "Erased 1 subscriber" in erased.content.decode()
    assert not Subscriber.objects.exists()


def _postmark(client, payload, secret="hook:s3cret"):
    auth = base64.b64encode(secret.encode()).decode()
    return client.post(
        "/newsletter/anymail/postmark/tracking/",
        json.dumps(payload),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {auth}",
    )


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"RecordType": "Bounce", "Type": "HardBounce", "TypeCode": 1}, "bounce"),
        ({"RecordType": "SpamComplaint", "Type": "SpamComplaint", "TypeCode": 512}, "spam"),
    ],
)
def test_a_bounce_or_complaint_from_the_provider_unsubscribes(client, settings, payload, reason):
    settings.EMAIL_PROVIDER = "postmark"
    settings.ANYMAIL = {"WEBHOOK_SECRET": "hook:s3cret"}
    Subscriber.objects.create(email="gone@example.com", wants_briefing=True)
    kept = Subscriber.objects.create(email="kept@example.com", wants_briefing=True)
    event = {
        **payload,
        "Email": "gone@example.com",
        "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
        "BouncedAt": "2026-12-02T07:00:03Z",
    }
    assert _postmark(client, event, secret="hook:wrong").status_code == 400
    assert Subscriber.objects.subscribed().count() == 2
    assert _postmark(client, event).status_code == 200
    gone = Subscriber.objects.get(email="gone@example.com")
    assert gone.unsubscribed_at is not None and reason in gone.unsubscribe_reason
    kept.refresh_from_db()
    assert kept.unsubscribed_at is None


BOUNCE = {
    "RecordType": "Bounce",
    "Type": "HardBounce",
    "TypeCode": 1,
    "Email": "reader@example.com",
    "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
    "BouncedAt": "2026-12-02T07:00:03Z",
}
SIGNED_IN = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(b"hook:s3cret").decode()}


@pytest.mark.parametrize(
    ("provider", "secret"),
    [
        ("", ""),  # SMTP, no secret: the default configuration
        ("", "hook:s3cret"),  # SMTP: no provider reports bounces
        ("postmark", "hook:s3cret"),  # other providers' webhooks than the one we use
    ],
)
def test_nobody_unsubscribes_a_reader_through_a_webhook_we_do_not_use(
    client, settings, provider, secret
):
    # anymail's webhooks take anyone's events when the secret is empty: a made-up bounce
    # would unsubscribe any reader. Only the configured provider's, with its secret, answers.
    settings.EMAIL_PROVIDER = provider
    settings.ANYMAIL = {"WEBHOOK_SECRET": secret}
    Subscriber.objects.create(email="reader@example.com", wants_briefing=True)
    others = {"postmark", "mailgun", "sendgrid", "brevo", "mailjet", "amazon_ses"} - {provider}
    for esp in others:
        for auth in ({}, SIGNED_IN):
            response = client.post(
                f"/newsletter/anymail/{esp}/tracking/",
                json.dumps(BOUNCE),
                content_type="application/json",
                **auth,
            )
            assert response.status_code == 404, (esp, auth, response.status_code)
    assert Subscriber.objects.subscribed().count() == 1
