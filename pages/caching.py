"""Whole-page caching for the reading pages.

The pages carry no per-request state (no CSRF token, nonce, session or
messages), so one rendering can be served to everyone from the shared cache.
Each entry records the content version it was rendered under
(clinic_site.public_content); the services that change what the pages show
bump it, and every page is rendered afresh.
"""

import gzip
import hashlib
import importlib.util
from collections.abc import Callable
from functools import cache as memoize
from pathlib import Path

import brotli
from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csp import get_nonce
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers

from clinic_site.public_content import trusted_content_version

# Part of every page key: bump it when the shape of a cache entry changes,
# so a deploy never reads entries an older release wrote.
ENTRY_FORMAT = 3
# Stored pages are kept compressed both ways, once, when they are rendered.
# Only these pages are ever compressed: every page that is not cached is
# kept out of the cache because it carries something of one visitor's (a
# CSRF token, the session, a reference) next to what they typed, and
# compressing such a page lets an eavesdropper guess the secret from the
# sizes (BREACH). Cached pages hold no secret, so compressing them is safe.
ENCODINGS = ["br", "gzip"]
# A backstop for changes made outside the admin (shell, data migrations).
PAGE_TIMEOUT = 60 * 60


# The settings that name our code: each package at the project's root that
# they load from is part of the release (tests/, for one, is not).
CODE_SETTINGS = ["INSTALLED_APPS", "MIDDLEWARE", "ROOT_URLCONF", "WSGI_APPLICATION"]


@memoize
def release_fingerprint() -> str:
    """Changes whenever a deploy changes a template, translation, static file or our code.

    Made of the hash of collectstatic's manifest (every static file, ours
    and the packages', by content), or of our static folders where nothing
    was collected, and of the files of our packages (translations included) and templates.
    Computed once per process, when CachedPageMiddleware is set up.
    """
    digest = hashlib.sha256()
    manifest_hash = getattr(staticfiles_storage, "manifest_hash", "")
    digest.update(f"static manifest {manifest_hash}\n".encode())
    folders = _code_folders() | _template_folders()
    if not manifest_hash:
        folders |= _static_folders()
    for folder in sorted(folders):
        for path in sorted(p for p in folder.rglob("*") if _is_source(p)):
            digest.update(f"{folder.name}/{path.relative_to(folder)}\n".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()[:16]


def _code_folders() -> set[Path]:
    """Our packages: those at the project's root that the settings load code from."""
    base = Path(settings.BASE_DIR).resolve()
    packages = set()
    for name in CODE_SETTINGS:
        value = getattr(settings, name)
        packages |= {
            dotted.partition(".")[0] for dotted in ([value] if isinstance(value, str) else value)
        }
    folders = set()
    for package in packages:
        spec = importlib.util.find_spec(package)
        for location in (spec and spec.submodule_search_locations) or []:
            if Path(location).resolve().parent == base:
                folders.add(Path(location).resolve())
    return folders


def _template_folders() -> set[Path]:
    return {Path(folder).resolve() for engine in settings.TEMPLATES for folder in engine["DIRS"]}


def _static_folders() -> set[Path]:
    return {
        Path(entry[1] if isinstance(entry, tuple | list) else entry).resolve()
        for entry in settings.STATICFILES_DIRS
    }


def _is_source(path: Path) -> bool:
    return path.is_file() and path.suffix != ".pyc" and "__pycache__" not in path.parts


def page_cache_key(request: HttpRequest) -> str:
    # The date is part of the key because review notices depend on it.
    parts = [settings.SITE_URL, request.path, timezone.localdate().isoformat()]
    digest = hashlib.sha256("|".join(parts).encode()).hexdigest()[:32]
    return f"pages:page:{ENTRY_FORMAT}:{release_fingerprint()}:{digest}"


def accepted_encoding(header: str) -> str:
    """The best stored encoding the browser accepts ("br", "gzip"), or "" for none."""
    quality = {}
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        quality[name.strip().lower()] = q
    for encoding in ENCODINGS:
        if quality.get(encoding, quality.get("*", 0.0)) > 0:
            return encoding
    return ""


def compressed(content: bytes) -> dict[str, bytes]:
    return {
        "br": brotli.compress(content, quality=11, mode=brotli.MODE_TEXT),
        "gzip": gzip.compress(content, compresslevel=9, mtime=0),
    }


def is_shareable(request: HttpRequest, response: HttpResponse) -> bool:
    """True when nothing in the response belongs to this one visitor."""
    session = getattr(request, "session", None)
    return (
        response.status_code == 200
        and not response.cookies
        and not (session is not None and session.accessed)
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not get_nonce(request)
        and "Cookie" not in response.get("Vary", "")
    )


def cached_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let CachedPageMiddleware keep this view's page for everyone.

    A mark on the view, carried through decorators that use functools.wraps.
    """
    view.cached_page = True
    return view


def _serves_cached_pages(request: HttpRequest) -> bool:
    """Whether the URL leads to a @cached_page view; other URLs skip the cache."""
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return getattr(match.func, "cached_page", False)


# Pages this process has already fetched from the shared cache, by key. An
# entry is only served while its version is the one just read from the
# shared cache, so a change made by staff shows everywhere at once; what
# this saves is moving and unpickling the page on every request.
_recent_pages: dict[str, dict] = {}
RECENT_PAGES_MAX = 100


def _remember(key: str, entry: dict) -> None:
    if len(_recent_pages) >= RECENT_PAGES_MAX:
        _recent_pages.clear()
    _recent_pages[key] = entry


class CachedPageMiddleware:
    """Serve the pages of @cached_page views from the shared cache.

    It sits right after WhiteNoise: a page found in the cache is answered
    before sessions, CSRF, authentication and messages run at all. The
    headers the inner middleware add (CSP, Permissions-Policy, frame
    denial) are stored with the page; SecurityMiddleware, outside, adds
    its own to every response.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        # Now, as the application loads: in gunicorn's master (preload_app),
        # so every worker it forks, now or after a recycle, keeps the key of
        # the code it runs, even if the files on disk have changed since.
        release_fingerprint()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # In development, template edits show up straight away.
        if settings.DEBUG or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        key = page_cache_key(request)
        entry = _recent_pages.get(key)
        # Only a @cached_page view's page is ever kept under its path's key,
        # so a page this process holds needs no look at the URLs.
        if entry is None and not _serves_cached_pages(request):
            return self.get_response(request)
        request.get_host()  # refuses a host not in ALLOWED_HOSTS, as usual
        version = trusted_content_version()
        if entry is None or entry["version"] != version:
            entry = cache.get(key)
            if entry is not None and entry["version"] == version:
                _remember(key, entry)
        if entry is None or entry["version"] != version:
            response = self.get_response(request)
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            if not is_shareable(request, response):
                return response
            # Browsers keep a copy but check back each time, so changes show at once.
            patch_cache_control(response, no_cache=True)
            patch_vary_headers(response, ["Accept-Encoding"])
            entry = {
                "version": version,
                "etag": hashlib.sha256(response.content).hexdigest()[:32],
                "content": response.content,
                **compressed(response.content),
                "headers": dict(response.headers),
            }
            cache.set(key, entry, PAGE_TIMEOUT)
            _remember(key, entry)
        encoding = accepted_encoding(request.META.get("HTTP_ACCEPT_ENCODING", ""))
        body = entry[encoding] if encoding else entry["content"]
        response = HttpResponse(body, headers=entry["headers"])
        response["Content-Length"] = str(len(body))
        # Each encoding is its own representation, with its own validator.
        response["ETag"] = f'"{entry["etag"]}{"-" + encoding if encoding else ""}"'
        if encoding:
            response["Content-Encoding"] = encoding
        return get_conditional_response(request, etag=response["ETag"], response=response)
