import json

from django import template
from django.conf import settings
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
