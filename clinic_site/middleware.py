"""Security headers on every response, and requests Django cannot decode made harmless."""

import codecs
import re
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.csp import CSP, build_policy
from django.utils.translation import activate

# Character sets a request body or query string may be decoded with. Browsers
# send this site's forms as UTF-8 and name no charset at all; anything else
# comes from a script. Python also has "codecs" such as rot13, base64, zlib,
# idna or punycode that Django would accept and then fail on (LookupError or
# UnicodeError, a 500): those are ignored, and the text is read as UTF-8.
TEXT_CHARSET = re.compile(r"utf-8|utf-16(-[bl]e)?|utf-32(-[bl]e)?|ascii|iso8859-\d+|cp125\d")
# Django's session keys are 32 lower-case letters and digits. Anything else
# in the cookie (a quoted cookie may even carry NUL characters, which
# PostgreSQL refuses in a query) cannot name a session.
SESSION_KEY_SHAPE = re.compile(r"[a-z0-9]{8,64}")
SIGNED_COOKIE_SESSIONS = "django.contrib.sessions.backends.signed_cookies"
CHARSET_PARAMETER = re.compile(r";\s*charset\s*=\s*(\"[^\"]*\"?|[^;]*)", re.IGNORECASE)


def usable_charset(name: str | None) -> bool:
    """Whether text in this character set can be decoded whatever bytes it holds."""
    if not name:
        return False
    try:
        canonical = codecs.lookup(name).name
    except (LookupError, ValueError, TypeError):
        return False
    return TEXT_CHARSET.fullmatch(canonical) is not None


class PermissionsPolicyMiddleware:
    """Security headers on every response, errors included, and safe request decoding.

    Django sends Permissions-Policy on nothing (it has no setting for it).
    Content-Security-Policy and X-Frame-Options come from middleware further
    in; a response made when something in between raised (a bad Host header
    in CommonMiddleware, say) skips them, so they are added here as well,
    from the same settings.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.encoding and not usable_charset(request.encoding):
            # Setting it again makes Django decode the query and body afresh.
            request.encoding = None
        session_cookie = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if (
            session_cookie is not None
            and settings.SESSION_ENGINE != SIGNED_COOKIE_SESSIONS
            and not SESSION_KEY_SHAPE.fullmatch(session_cookie)
        ):
            del request.COOKIES[settings.SESSION_COOKIE_NAME]
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if settings.SECURE_CSP and str(CSP.HEADER_ENFORCE) not in response.headers:
            response.headers[str(CSP.HEADER_ENFORCE)] = build_policy(settings.SECURE_CSP)
        if settings.X_FRAME_OPTIONS and not getattr(response, "xframe_options_exempt", False):
            response.headers.setdefault("X-Frame-Options", settings.X_FRAME_OPTIONS)
        return response


class RequestCharsetGuard:
    """WSGI middleware: drop a request charset Django cannot decode with.

    Django reads the query string while it builds the request, before any
    Django middleware runs: a GET with a query string and, for example,
    `Content-Type: text/plain; charset=rot13` raises there and the server
    answers with a bare 500, without any of the site's headers. Wrap the
    application in this in clinic_site/wsgi.py.
    """

    def __init__(self, application: Callable) -> None:
        self.application = application

    def __call__(self, environ: dict, *args):
        content_type = environ.get("CONTENT_TYPE", "")
        match = CHARSET_PARAMETER.search(content_type)
        if match and not usable_charset(match.group(1).strip().strip('"')):
            environ["CONTENT_TYPE"] = CHARSET_PARAMETER.sub("", content_type)
        return self.application(environ, *args)


class PathLanguageMiddleware:
    """The language of a page comes from its URL alone: /es/… is Spanish, all else English.

    Django's LocaleMiddleware would also read the browser's Accept-Language
    and a cookie, and mark every English response "Vary: Accept-Language";
    here neither ever changes what a URL shows (no redirect by browser
    language, one shared copy of each cached page), and the admin stays
    English. It runs before the page cache, which resolves the path.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        # i18n_patterns serves the other languages under exactly "/<code>/".
        self.prefixed = {code for code, _name in settings.LANGUAGES} - {settings.LANGUAGE_CODE}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        prefix = request.path_info.split("/", 2)[1]
        language = prefix if prefix in self.prefixed else settings.LANGUAGE_CODE
        activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
