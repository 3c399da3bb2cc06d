"""The signed links in our emails (django.core.signing): what they carry and how long
they last."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

_CONFIRM = "newsletter.confirm"
_UNSUBSCRIBE = "newsletter.unsubscribe"


class BadLink(Exception):
    """A link that was altered, has expired, or was never ours."""


@dataclass(frozen=True)
class Request:
    """What a reader asked for on the form, carried in the confirmation link: nothing is
    stored until they confirm."""

    email: str
    wants_briefing: bool
    section_ids: tuple[int, ...]
    source: str


def confirm_token(request: Request) -> str:
    payload = {
        "e": request.email,
        "b": request.wants_briefing,
        "s": list(request.section_ids),
        "src": request.source,
    }
    return signing.dumps(payload, salt=_CONFIRM, compress=True)


def read_confirm_token(token: str) -> Request:
    try:
        payload = signing.loads(
            token,
            salt=_CONFIRM,
            max_age=datetime.timedelta(days=settings.NEWSLETTER_CONFIRM_DAYS),
        )
        return Request(
            email=str(payload["e"]),
            wants_briefing=bool(payload["b"]),
            section_ids=tuple(int(pk) for pk in payload["s"]),
            source=str(payload["src"]),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise BadLink from None


def unsubscribe_token(subscriber) -> str:
    # No expiry: an unsubscribe link in an old email must still work. The address is
    # signed with the id, so an erased-and-returned subscriber's old links stay dead.
    return signing.dumps([subscriber.pk, subscriber.email], salt=_UNSUBSCRIBE)


def read_unsubscribe_token(token: str) -> tuple[int, str]:
    try:
        pk, email = signing.loads(token, salt=_UNSUBSCRIBE)
        return int(pk), str(email)
    except (signing.BadSignature, TypeError, ValueError):
        raise BadLink from None
