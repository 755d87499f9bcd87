"""Text that staff enter, shown in the visitor's language.

A field staff fill in for patients (an office's promise, a clinic fact) may
have a Spanish twin, `<field>_es`. The Spanish pages show the twin once it
is filled in, and the English until then, so nothing a patient needs goes
missing while a translation is pending.
"""

from django.conf import settings
from django.utils import translation


def in_active_language(obj: object, field: str) -> str:
    code = translation.get_language()
    if code and code != settings.LANGUAGE_CODE:
        translated = getattr(obj, f"{field}_{code}", "")
        if translated:
            return translated
    return getattr(obj, field)
