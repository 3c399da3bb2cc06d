"""Forwarded headers are believed only from the configured proxy."""

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from newsroom.security import TrustedProxyMiddleware


def seen(settings, remote, **headers):
    captured = {}

    def view(request):
        captured["addr"] = request.META["REMOTE_ADDR"]
        captured["secure"] = request.is_secure()
        captured["proto"] = request.META.get("HTTP_X_FORWARDED_PROTO")
        return HttpResponse()

    request = RequestFactory().get("/", REMOTE_ADDR=remote, **headers)
    TrustedProxyMiddleware(view)(request)
    return captured


@pytest.fixture
def proxied(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.5", "192.168.1.0/24"]
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")


def test_spoofed_forwarded_headers_from_a_client_are_ignored(settings, proxied):
    result = seen(settings, "203.0.113.9", HTTP_X_FORWARDED_FOR="1.2.3.4",
                  HTTP_X_FORWARDED_PROTO="https")  # fmt: skip
    assert result == {"addr": "203.0.113.9", "secure": False, "proto": None}


def test_the_trusted_proxy_tells_us_the_client(settings, proxied):
    result = seen(settings, "10.0.0.5", HTTP_X_FORWARDED_FOR="198.51.100.7",
                  HTTP_X_FORWARDED_PROTO="https")  # fmt: skip
    assert result == {"addr": "198.51.100.7", "secure": True, "proto": "https"}


def test_addresses_the_client_prepended_are_not_believed(settings, proxied):
    # The client sent "X-Forwarded-For: 1.1.1.1"; our proxy appended the real address.
    result = seen(settings, "192.168.1.20", HTTP_X_FORWARDED_FOR="1.1.1.1, 198.51.100.7")
    assert result["addr"] == "198.51.100.7"


def test_garbage_in_forwarded_for_is_ignored(settings, proxied):
    assert seen(settings, "10.0.0.5", HTTP_X_FORWARDED_FOR="not-an-ip")["addr"] == "10.0.0.5"


def test_no_proxy_configured_means_no_forwarded_header_counts(settings):
    settings.TRUSTED_PROXIES = []
    result = seen(settings, "127.0.0.1", HTTP_X_FORWARDED_FOR="9.9.9.9")
    assert result["addr"] == "127.0.0.1"
