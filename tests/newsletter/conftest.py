"""A real SMTP server for the newsletter's tests (aiosmtpd on 127.0.0.1), and helpers to
read what it received."""

import email
import email.policy
import re
import threading

import pytest
from aiosmtpd.controller import Controller

from tests.support import free_port


class Mailbox:
    """Every message the server accepted, parsed, in order."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.refuse: set[str] = set()
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list:
        return [m for m in self.messages if address in [a.addr_spec for a in m["To"].addresses]]

    def clear(self):
        self.messages.clear()

    def start(self):
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        """The server goes away (an outage); start() brings it back on the same port."""
        self.controller.stop()


@pytest.fixture
def smtp_server(settings):
    """An SMTP server of this test run; Django's SMTP backend sends to it."""
    mailbox = Mailbox()
    mailbox.port = port = free_port()
    mailbox.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    yield mailbox
    mailbox.stop()


def text_part(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_part(message) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def link(text: str, path: str) -> str:
    """The first link in `text` to a path starting with `path` (as a path)."""
    found = re.search(r"https?://[^/\s]+(" + re.escape(path) + r"[^\s\"<>]*)", text)
    assert found, f"no link to {path} in:\n{text}"
    return found.group(1)


__all__ = ["Mailbox", "html_part", "link", "text_part"]
