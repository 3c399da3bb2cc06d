"""Sending webhook deliveries: where we may send (no SSRF), how a body is signed, and the
task that sends one delivery and retries it with back-off.

Signature (the way Stripe and GitHub sign theirs): the header

    Newsroom-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>

A receiver recomputes the HMAC over the timestamp and the raw body, compares in constant
time, and refuses a timestamp older than a few minutes (a replayed delivery).

Retries are the queue's (newsroom/background.py): a delivery that fails raises, and the
task runs again after TASKS_RETRY_SECONDS, then four times longer each time, TASKS_ATTEMPTS
times in all; then it waits in the admin's Failed tasks, and the delivery log says FAILED.

Addresses: an endpoint's host is resolved and every address it resolves to must be a
public one (not loopback, private, link-local, shared, reserved or multicast), when the
editor saves it and again at each delivery, and the connection goes to the address that
was checked, so a name that resolves elsewhere the second time (DNS rebinding) reaches
nothing inside. Redirects are not followed. WEBHOOK_ALLOW_PRIVATE_ADDRESSES lifts the
rule (development, tests with a receiver on 127.0.0.1).
"""

import hashlib
import hmac
import http.client
import ipaddress
import socket
import ssl
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django_tasks import task
from django_tasks_db.backend import DatabaseBackend

from api.models import DeliveryStatus, WebhookDelivery
from newsroom import background

SIGNATURE_HEADER = "Newsroom-Signature"
TIMEOUT_SECONDS = 10


class DeliveryFailed(Exception):
    """The receiver could not be reached or did not answer 2xx: the queue retries."""


class RefusedDestination(ValueError):
    """The address is not one we send to; the message says why, for the editor."""


def sign(secret: str, body: bytes, *, timestamp: int | None = None) -> str:
    stamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256)
    return f"t={stamp},v1={mac.hexdigest()}"


def verify(secret: str, body: bytes, header: str, *, tolerance: int = 300) -> bool:
    """What a receiver does (and what our tests do): the signature matches and is recent."""
    try:
        parts = dict(part.split("=", 1) for part in header.split(","))
        stamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs(time.time() - stamp) > tolerance:
        return False
    expected = sign(secret, body, timestamp=stamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def _refusal(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    kinds = (
        ("a loopback", ip.is_loopback),
        ("a link-local", ip.is_link_local),
        ("a private", ip.is_private),
        ("a multicast", ip.is_multicast),
        ("a reserved", ip.is_reserved),
        ("an unspecified", ip.is_unspecified),
    )
    for name, is_it in kinds:
        if is_it:
            return name
    if not ip.is_global:
        return "a non-public"
    return None


def resolve(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, address to connect to) for a URL we may send to, or
    RefusedDestination. Every address the host resolves to must be allowed."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise RefusedDestination("Use an address starting with https:// (or http://).")
    if parts.username or parts.password:
        raise RefusedDestination("Leave user names and passwords out of the address.")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise RefusedDestination("The port in this address is not a number we can use.") from None
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise RefusedDestination(f"“{parts.hostname}” cannot be found (DNS).") from None
    addresses = sorted({info[4][0] for info in found})
    if not addresses:
        raise RefusedDestination(f"“{parts.hostname}” cannot be found (DNS).")
    if not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        for address in addresses:
            why = _refusal(ipaddress.ip_address(address.split("%", 1)[0]))
            if why:
                raise RefusedDestination(
                    f"“{parts.hostname}” leads to {why} address ({address}): webhooks only "
                    "go to public internet addresses, never into our own network."
                )
    return parts.scheme, parts.hostname, port, addresses[0]


class _Pinned(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever the name resolves to now."""

    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, **kwargs)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedTLS(http.client.HTTPSConnection):
    def __init__(self, host, port, address, **kwargs):
        super().__init__(host, port, context=ssl.create_default_context(), **kwargs)
        self.address = address

    def connect(self):
        raw = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(raw, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST to a checked address; the response's status (redirects are not followed)."""
    scheme, host, port, address = resolve(url)
    connection_class = _PinnedTLS if scheme == "https" else _Pinned
    connection = connection_class(host, port, address, timeout=TIMEOUT_SECONDS)
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += f"?{parts.query}"
    try:
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        response.read(65536)
        return response.status
    finally:
        connection.close()


@task()
def deliver(delivery_id: int) -> str:
    """Send one delivery and log the attempt; raise DeliveryFailed when it did not get
    through, so the queue runs it again after its back-off."""
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status == DeliveryStatus.DELIVERED:
        return "nothing to do"
    endpoint = delivery.endpoint
    body = delivery.body.encode()
    now = timezone.now()
    delivery.attempts += 1
    delivery.last_attempt_at = now
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"{settings.SITE_NAME} webhooks",
        "Newsroom-Event": delivery.event,
        "Newsroom-Delivery": str(delivery.pk),
        SIGNATURE_HEADER: sign(endpoint.secret, body),
    }
    try:
        if not endpoint.is_active:
            raise RefusedDestination("The endpoint was switched off.")
        status = post(endpoint.url, body, headers)
        delivery.response_status = status
        delivery.error = "" if 200 <= status < 300 else f"The receiver answered {status}."
    except (RefusedDestination, OSError, http.client.HTTPException) as error:
        delivery.response_status = None
        delivery.error = f"Not delivered: {error}"[:2000]
    if not delivery.error:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.next_attempt_at = None
    elif _will_retry(delivery.attempts):
        delivery.status = DeliveryStatus.RETRYING
        delivery.next_attempt_at = now + background.retry_delay(delivery.attempts)
    else:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = None
    delivery.save()
    if delivery.error:
        raise DeliveryFailed(delivery.error)
    return delivery.status


def _will_retry(attempts: int) -> bool:
    """Whether the queue runs a failed task again (only the database queue retries; the
    immediate backend of development and tests runs each task once)."""
    return isinstance(deliver.get_backend(), DatabaseBackend) and attempts < settings.TASKS_ATTEMPTS
