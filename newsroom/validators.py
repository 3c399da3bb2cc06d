"""Validators shared by several models. Links are read as browsers read them
(newsroom/links.py), and must be written the way they will be followed: nothing a browser
would drop or reinterpret (spaces, control characters, backslashes for slashes)."""

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator

from newsroom import links

_web = URLValidator(schemes=["http", "https"])
_email = EmailValidator()


def validate_public_link(value: str) -> None:
    """A link readers may follow: an http(s) address or a mailto: e-mail address."""
    link = links.parse(value)
    if link is not None and link.kind == links.Kind.MAILTO and link.href == value:
        try:
            _email(value[len("mailto:") :])
        except ValidationError:
            raise ValidationError(
                "“%(value)s” is not a valid e-mail link; write mailto:name@example.com.",
                params={"value": value},
                code="invalid",
            ) from None
        return
    if link is None or link.kind != links.Kind.WEB or link.href != value:
        raise ValidationError(
            "Links must start with https:// (or http://), or mailto: for e-mail.",
            code="invalid",
        )
    _web(value)


def validate_site_or_web_link(value: str) -> None:
    """A path on this site (“/2026/03/01/story/”) or a full http(s) address."""
    link = links.parse(value)
    if link is None or link.kind not in (links.Kind.SITE, links.Kind.WEB) or link.href != value:
        raise ValidationError(
            "Write an address on this site starting with / or a full address starting "
            "with https://.",
            code="invalid",
        )
    if link.kind == links.Kind.WEB:
        _web(value)
