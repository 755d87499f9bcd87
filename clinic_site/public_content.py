"""The version of what the public pages show.

Cached pages are served only while the version they were rendered under is
current. Whatever changes data the pages show (an office's details, a page's
clinical review) calls public_content_changed() from its service, so every
change refreshes the pages, whether made in the admin, a command or a shell.

Each process trusts the version it last read for
settings.PUBLIC_CONTENT_TRUST_SECONDS (one second) before asking the shared
cache again: a cached page then costs no network round trip, and a change
made on any machine shows on every machine within that second (at once on
the machine that made it).
"""

import time
from uuid import uuid4

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "pages:content-version"

# What this process last read: (version, time.monotonic() when read).
_last_read: tuple[str, float] | None = None


def content_version(current: str | None = None) -> str:
    """The current version; pass what a read of VERSION_KEY found, if any."""
    if current is None:
        cache.add(VERSION_KEY, uuid4().hex, timeout=None)
        current = cache.get(VERSION_KEY)
    return current


def trusted_content_version() -> str:
    """The version, read from the shared cache at most once per trust period."""
    global _last_read
    now = time.monotonic()
    if _last_read is not None and now - _last_read[1] < settings.PUBLIC_CONTENT_TRUST_SECONDS:
        return _last_read[0]
    version = content_version(cache.get(VERSION_KEY))
    _last_read = (version, now)
    return version


def bump_content_version() -> None:
    global _last_read
    version = uuid4().hex
    cache.set(VERSION_KEY, version, timeout=None)
    _last_read = (version, time.monotonic())


def public_content_changed() -> None:
    """Serve freshly rendered pages once the current transaction commits.

    After the commit, not before: a page rendered in between would otherwise
    be cached under the new version with the old data.
    """
    transaction.on_commit(bump_content_version)
