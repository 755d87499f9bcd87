"""A fixed-window rate limiter on Django's cache, shared by every worker."""

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

WINDOW_SECONDS = 3600


def client_ip(request: HttpRequest) -> str:
    """The client's address, trusting X-Forwarded-For only as far as our own proxies."""
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        # Each trusted proxy appends the address it saw; anything further
        # left was written by the client and cannot be trusted.
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    return address


def client_key(request: HttpRequest) -> str:
    """A keyed hash of the client's IP address: the address itself is never stored."""
    return salted_hmac("booking.ratelimit", client_ip(request), algorithm="sha256").hexdigest()[:32]


def _cache_key(scope: str, key: str) -> str:
    return f"ratelimit:{scope}:{key}:{int(time.time() // WINDOW_SECONDS)}"


def count(scope: str, key: str) -> int:
    return cache.get(_cache_key(scope, key), 0)


def hit(scope: str, key: str) -> int:
    """Count one event and return the window's total so far."""
    cache_key = _cache_key(scope, key)
    cache.add(cache_key, 0, timeout=WINDOW_SECONDS + 60)
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.set(cache_key, 1, timeout=WINDOW_SECONDS + 60)
        return 1
