"""Preview: staff see drafts at their public design; signed links expire and can be revoked."""

import datetime

import pytest
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from articles import previews, services
from articles.models import Status
from tests.factories import make_article, make_author

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(journalist):
    return make_article(
        "Secret draft headline", status=Status.DRAFT, created_by=journalist,
        authors=[make_author(user=journalist)],
    )  # fmt: skip


def test_staff_preview_renders_the_public_design_privately(journalist_client, draft):
    page = journalist_client.get(reverse("admin:articles_article_preview", args=[draft.pk]))
    assert page.status_code == 200
    assert b"Secret draft headline" in page.content
    assert b'class="article__headline"' in page.content
    assert "no-store" in page["Cache-Control"]


def test_journalist_cannot_preview_someone_elses_draft(client, other_journalist, draft):
    client.force_login(other_journalist)
    assert client.get(reverse("admin:articles_article_preview", args=[draft.pk])).status_code == 404


def test_share_link_shows_the_draft_to_anyone_until_it_expires(client, journalist_client, draft):
    response = journalist_client.post(
        reverse("admin:articles_article_share", args=[draft.pk]), {"days": 1}
    )
    assert response.status_code == 200
    link = response.context["link"]
    client.logout()
    page = client.get(link)
    assert page.status_code == 200
    assert b"Secret draft headline" in page.content
    assert page["Cache-Control"] == "private, no-store"
    assert page["X-Robots-Tag"] == "noindex, nofollow"


def test_expired_tampered_and_revoked_links_are_404(client, journalist, draft):
    path, _ = previews.make_link(draft, days=1)
    token = path.rstrip("/").rsplit("/", 1)[-1]
    assert client.get(path[:-5] + "xxxx/").status_code == 404  # tampered
    forged = signing.dumps({"a": draft.pk, "s": "guess", "e": 9_999_999_999}, salt="other")
    assert client.get(reverse("articles:preview", args=[forged])).status_code == 404
    expired = signing.dumps(
        {"a": draft.pk, "s": draft.preview_secret,
         "e": int((timezone.now() - datetime.timedelta(seconds=1)).timestamp())},
        salt=previews.SALT, compress=True,
    )  # fmt: skip
    assert client.get(reverse("articles:preview", args=[expired])).status_code == 404
    assert client.get(reverse("articles:preview", args=[token])).status_code == 200
    services.revoke_preview_links(draft, by=journalist)
    assert client.get(reverse("articles:preview", args=[token])).status_code == 404
