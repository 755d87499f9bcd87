"""The version of what the public pages show.

Cached pages are served only while the version they were rendered under is
current. Whatever changes data the pages show (an office's details, a page's
clinical review) calls public_content_changed() from its service, so every
change refreshes the pages, whether made in the admin, a command or a shell.
"""

from uuid import uuid4

from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "pages:content-version"


def content_version(current: str | None = None) -> str:
    """The current version; pass what a read of VERSION_KEY found, if any."""
    if current is None:
        cache.add(VERSION_KEY, uuid4().hex, timeout=None)
        current = cache.get(VERSION_KEY)
    return current


def bump_content_version() -> None:
    cache.set(VERSION_KEY, uuid4().hex, timeout=None)


def public_content_changed() -> None:
    """Serve freshly rendered pages once the current transaction commits.

    After the commit, not before: a page rendered in between would otherwise
    be cached under the new version with the old data.
    """
    transaction.on_commit(bump_content_version)
