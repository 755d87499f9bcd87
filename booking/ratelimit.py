"""A fixed-window rate limiter on Django's cache, shared by every worker.

Counting is atomic on Redis (production), where add() and incr() are single
commands; the local file cache counts with a read and a write, good enough
for one developer. The tests' in-memory cache is atomic within the process.
"""

import contextlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

WINDOW_SECONDS = 3600
# Counters outlive their window a little, so a slot given back just after
# the hour turns still finds its counter.
KEY_TIMEOUT = WINDOW_SECONDS + 60


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


def _increment(cache_key: str) -> int:
    cache.add(cache_key, 0, timeout=KEY_TIMEOUT)
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.set(cache_key, 1, timeout=KEY_TIMEOUT)
        return 1


def hit(scope: str, key: str) -> int:
    """Count one event and return the window's total so far."""
    return _increment(_cache_key(scope, key))


@dataclass
class Reservation:
    """One slot under a limit, taken before the work it pays for."""

    cache_key: str
    released: bool = False

    def release(self) -> None:
        """Give the slot back: the work it was taken for did not happen."""
        if self.released:
            return
        self.released = True
        # A counter already gone has nothing to give back.
        with contextlib.suppress(ValueError):
            cache.decr(self.cache_key)


def reserve(scope: str, key: str, limit: int) -> Reservation | None:
    """Take one of `limit` slots in this window, or None when all are taken.

    The slot is counted before the caller does anything, so requests that
    arrive together cannot all see room for one more: the counter itself
    decides, one increment at a time.
    """
    cache_key = _cache_key(scope, key)
    if _increment(cache_key) > limit:
        Reservation(cache_key).release()
        return None
    return Reservation(cache_key)
