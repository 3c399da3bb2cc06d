"""Cursors for the API's lists: where the previous page ended, as an opaque token.

A cursor holds the sort key of the last item a client saw (a moment and an id, or a slug),
so the next page is "the items after this one" through the same index, at the same cost
however deep the client reads, and stories published meanwhile (which sort first) never
shift what comes next. Clients must treat the token as opaque; anything that does not
decode to the expected shape is a 400, never a 500.
"""

import base64
import binascii
import datetime
import json


class BadCursor(ValueError):
    """The cursor is not one this API handed out."""


def encode(*parts) -> str:
    values = [part.isoformat() if isinstance(part, datetime.datetime) else part for part in parts]
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str) -> list:
    if len(token) > 200:
        raise BadCursor("This cursor is too long to be one of ours.")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        values = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadCursor("This cursor is not one the API handed out.") from None
    if not isinstance(values, list):
        raise BadCursor("This cursor is not one the API handed out.")
    return values


# Far beyond any real id, and inside every database's 64-bit integers.
_MAX_ID = 2**62


def moment_and_id(token: str) -> tuple[datetime.datetime, int]:
    """The (moment, id) a moment-ordered list's cursor holds."""
    values = _decode(token)
    try:
        moment, pk = values
        moment = datetime.datetime.fromisoformat(moment)
    except (TypeError, ValueError):
        raise BadCursor("This cursor is not one the API handed out.") from None
    if moment.tzinfo is None or type(pk) is not int or not 0 < pk < _MAX_ID:
        raise BadCursor("This cursor is not one the API handed out.")
    return moment, pk


def slug(token: str) -> str:
    """The slug a slug-ordered list's cursor holds."""
    values = _decode(token)
    if len(values) != 1 or not isinstance(values[0], str) or len(values[0]) > 200:
        raise BadCursor("This cursor is not one the API handed out.")
    if "\x00" in values[0]:
        raise BadCursor("This cursor is not one the API handed out.")
    return values[0]
