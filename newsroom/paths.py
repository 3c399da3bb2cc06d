"""Addresses of pages by URL name, memoised.

A list page links every story, section and author it shows, and Django's `reverse()`
walks the URL patterns each time: on a page of twenty cards that was several
milliseconds. The address for a name and its arguments only changes with the URL
configuration or the script prefix, which are part of the memo's key or clear it."""

from functools import lru_cache

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse


def path_to(name: str, **kwargs) -> str:
    """reverse(name, kwargs=kwargs), remembered."""
    return _reverse(get_script_prefix(), get_urlconf(), name, tuple(kwargs.items()))


@lru_cache(maxsize=65536)
def _reverse(prefix: str, urlconf, name: str, items: tuple) -> str:
    return reverse(name, kwargs=dict(items), urlconf=urlconf)


@receiver(setting_changed)
def _forget(*, setting, **kwargs):
    if setting in {"ROOT_URLCONF", "FORCE_SCRIPT_NAME"}:
        _reverse.cache_clear()
