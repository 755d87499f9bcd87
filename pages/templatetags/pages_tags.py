import json

from django import template
from django.conf import settings
from django.urls import reverse, translate_url
from django.utils import translation
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

# Inside <script>, only these characters could end the element or open a
# comment; escaped, the JSON still parses to the same data.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


@register.filter
def json_ld(data: dict) -> SafeString:
    """A JSON-LD data block. Browsers never run it, so the CSP allows it."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True).translate(_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))


@register.simple_tag(takes_context=True)
def canonical_url(context) -> str:
    # From settings, not the request: cached pages are shared by every visitor.
    return settings.SITE_URL + context["request"].path


@register.simple_tag(takes_context=True)
def page_languages(context) -> list[dict]:
    """This page in every language: code, name, absolute URL, and whether it is this one.

    Built from the path alone (cached pages are shared), for the hreflang
    links and the language switcher. A path with no twin (a page that was
    not found) leads to the other language's home page.
    """
    request = context.get("request")
    current = translation.get_language()
    path = request.path if request is not None else reverse("pages:home")
    languages = []
    for code, _name in settings.LANGUAGES:
        url = translate_url(path, code)
        if url == path and code != current:
            with translation.override(code):
                url = reverse("pages:home")
        languages.append(
            {
                "code": code,
                # Each language named in itself: "Español", "English".
                "name": translation.get_language_info(code)["name_local"],
                "url": url,
                "absolute_url": settings.SITE_URL + url,
                "current": code == current,
            }
        )
    return languages
