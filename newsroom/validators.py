"""Validators shared by several models."""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator

_web = URLValidator(schemes=["http", "https"])
_email = EmailValidator()


def validate_public_link(value: str) -> None:
    """A link readers may follow: an http(s) address or a mailto: e-mail address."""
    if value.lower().startswith("mailto:"):
        try:
            _email(value[len("mailto:") :])
        except ValidationError:
            raise ValidationError(
                "“%(value)s” is not a valid e-mail link; write mailto:name@example.com.",
                params={"value": value},
                code="invalid",
            ) from None
        return
    if urlsplit(value).scheme.lower() not in {"http", "https"}:
        raise ValidationError(
            "Links must start with https:// (or http://), or mailto: for e-mail.",
            code="invalid",
        )
    _web(value)


def validate_site_or_web_link(value: str) -> None:
    """A path on this site (“/2026/03/01/story/”) or a full http(s) address."""
    if value.startswith("/") and not value.startswith("//"):
        return
    if urlsplit(value).scheme.lower() not in {"http", "https"}:
        raise ValidationError(
            "Write an address on this site starting with / or a full address starting "
            "with https://.",
            code="invalid",
        )
    _web(value)
