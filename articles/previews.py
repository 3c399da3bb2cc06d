"""Signed, expiring links that show a draft to someone without an account."""

import datetime

from django.core import signing
from django.urls import reverse
from django.utils import timezone

from articles.models import Article

SALT = "articles.preview-link"
DURATIONS = {1: "1 day", 3: "3 days", 7: "1 week"}


def make_link(article: Article, *, days: int = 3) -> tuple[str, datetime.datetime]:
    """(path, expiry) of a new preview link for the article."""
    expires = timezone.now() + datetime.timedelta(days=days)
    token = signing.dumps(
        {"a": article.pk, "s": article.preview_secret, "e": int(expires.timestamp())},
        salt=SALT,
        compress=True,
    )
    return reverse("articles:preview", kwargs={"token": token}), expires


def article_for(token: str) -> Article | None:
    """The article a link shows, or None if it is tampered with, expired or revoked."""
    try:
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or payload.get("e", 0) < timezone.now().timestamp():
        return None
    article = Article.objects.for_detail().filter(pk=payload.get("a")).first()
    if article is None or article.preview_secret != payload.get("s"):
        return None
    return article
