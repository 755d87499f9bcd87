"""The Spanish site is complete: every string a patient can read has a Spanish translation.

The catalogue (clinic_site/locale/es/LC_MESSAGES/django.po) is checked three ways:
every entry is translated, with the same placeholders and markup; every
string our public templates and modules mark for translation is in the
compiled catalogue, looked up exactly as Django looks it up when it
renders; and no public template holds words outside a translation tag.
"""

import ast
import html.parser
import re
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management.utils import is_ignored_path
from django.template import engines
from django.templatetags.i18n import BlockTranslateNode, TranslateNode
from django.utils import translation

from pages.management.commands.makemessages import STAFF_ONLY

BASE = Path(settings.BASE_DIR)
CATALOGUE = BASE / "clinic_site" / "locale" / "es" / "LC_MESSAGES" / "django.po"
# Names, never translated; citations stay in the language they were published in.
PROPER_NAMES = re.compile(
    r"Ketamine Center of Connecticut|Milford|Westport|Gino Ang|Dr\.|Spravato|AYUDA|KC-\w+"
    r"|\b[\w.-]+\.(?:org|gov|com)\b"
)
UNTRANSLATED_FOLDERS = ["templates/pages/sources", "templates/includes/art"]
READABLE_ATTRIBUTES = {"alt", "title", "aria-label", "placeholder", "label"}
PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")
TAG = re.compile(r"</?[a-zA-Z][^>]*>")
GETTEXT_FUNCTIONS = {"_", "gettext", "gettext_lazy", "pgettext", "pgettext_lazy"}


def _public(path: Path) -> bool:
    # As makemessages decides which folders and files to read.
    relative = path.relative_to(BASE)
    return not any(is_ignored_path(str(part), STAFF_ONLY) for part in [relative, *relative.parents])


def public_templates() -> list[Path]:
    folder = BASE / "templates"
    return sorted(
        path for path in folder.rglob("*") if path.suffix in (".html", ".txt") and _public(path)
    )


def public_modules() -> list[Path]:
    return sorted(
        path
        for app in ("booking", "pages", "clinic_site")
        for path in (BASE / app).rglob("*.py")
        if _public(path) and "migrations" not in path.parts and "management" not in path.parts
    )


def spanish_catalogue() -> dict:
    with translation.override("es"):
        return translation.trans_real.translation("es")._catalog


def catalogue_key(message: str, context: str | None) -> str:
    return f"{context}\x04{message}" if context else message


def template_messages(path: Path) -> list[tuple[str, str | None]]:
    """(msgid, context) of every translate and blocktranslate tag, as Django looks them up."""
    template = engines["django"].from_string(path.read_text()).template
    messages = []
    for node in template.nodelist.get_nodes_by_type(TranslateNode):
        var = node.filter_expression.var
        if isinstance(getattr(var, "literal", None), str):
            context = node.message_context.var if node.message_context else None
            messages.append((var.literal, context))
    for node in template.nodelist.get_nodes_by_type(BlockTranslateNode):
        context = node.message_context.var if node.message_context else None
        messages.append((node.render_token_list(node.singular)[0], context))
        if node.plural:
            messages.append((node.render_token_list(node.plural)[0], context))
    # _("…") in filter arguments and {% translate … as … %} literals.
    for match in re.finditer(r'_\("((?:[^"\\]|\\.)*)"\)', path.read_text()):
        messages.append((match.group(1), None))
    return messages


def module_messages(path: Path) -> list[tuple[str, str | None]]:
    messages = []
    for node in ast.walk(ast.parse(path.read_text())):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", getattr(node.func, "attr", None))
        if name not in GETTEXT_FUNCTIONS:
            continue
        literals = [arg.value for arg in node.args if isinstance(arg, ast.Constant)]
        if name.startswith("pgettext") and len(literals) == 2:
            messages.append((literals[1], literals[0]))
        elif not name.startswith("pgettext") and len(literals) == 1:
            messages.append((literals[0], None))
    return messages


def test_every_catalogue_entry_is_translated_with_the_same_placeholders_and_markup():
    catalogue = polib.pofile(str(CATALOGUE))
    assert [entry.msgid for entry in catalogue.untranslated_entries()] == []
    assert [entry.msgid for entry in catalogue.fuzzy_entries()] == []
    mismatched = [
        entry.msgid
        for entry in catalogue
        if sorted(PLACEHOLDER.findall(entry.msgid)) != sorted(PLACEHOLDER.findall(entry.msgstr))
        or sorted(TAG.findall(entry.msgid)) != sorted(TAG.findall(entry.msgstr))
    ]
    assert mismatched == []


@pytest.mark.parametrize(
    "path", public_templates(), ids=lambda path: path.relative_to(BASE).as_posix()
)
def test_every_string_in_a_public_template_has_a_spanish_translation(path):
    catalogue = spanish_catalogue()
    missing = [
        message
        for message, context in template_messages(path)
        if not catalogue.get(catalogue_key(message, context))
    ]
    assert missing == [], "run `manage.py makemessages -l es` and translate these"


def test_every_string_our_public_code_marks_has_a_spanish_translation():
    catalogue = spanish_catalogue()
    missing = [
        f"{path.relative_to(BASE)}: {message}"
        for path in public_modules()
        for message, context in module_messages(path)
        if not catalogue.get(catalogue_key(message, context))
    ]
    assert missing == [], "run `manage.py makemessages -l es` and translate these"


class _ReadableText(html.parser.HTMLParser):
    """The words a visitor reads or hears: text, and the attributes read aloud."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1
        for name, value in attrs:
            if name in READABLE_ATTRIBUTES and value:
                self.handle_data(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.words += re.findall(r"[A-Za-z]{2,}", PROPER_NAMES.sub(" ", data))


def untagged_words(source: str) -> list[str]:
    """Words in a template outside every translation tag, variable and comment."""
    source = re.sub(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}", " ", source, flags=re.S)
    # Tags become "0" and variables "x0": no word, yet a valid tag name where a
    # variable names the tag (<{{ tag }}>).
    source = re.sub(
        r"\{%\s*blocktrans(?:late)?\b.*?\{%\s*endblocktrans(?:late)?\s*%\}", "0", source, flags=re.S
    )
    source = re.sub(r"\{#.*?#\}|\{%.*?%\}", "0", source, flags=re.S)
    source = re.sub(r"\{\{.*?\}\}", "x0", source, flags=re.S)
    parser = _ReadableText()
    parser.feed(source)
    parser.close()
    return parser.words


@pytest.mark.parametrize(
    "path",
    [
        path
        for path in public_templates()
        if not any(path.is_relative_to(BASE / folder) for folder in UNTRANSLATED_FOLDERS)
    ],
    ids=lambda path: path.relative_to(BASE).as_posix(),
)
def test_no_public_template_has_words_outside_a_translation_tag(path):
    assert untagged_words(path.read_text()) == []


def test_the_untagged_word_finder_sees_text_and_labels_but_not_tags_or_names():
    source = (
        '{% load i18n %}<p class="lead">{% translate "Hello" %} {{ name }}</p>'
        '<img alt="A doctor" src="x.png"><a href="{% url "x" %}" aria-label="Close">x</a>'
        "<span>Ketamine Center of Connecticut</span> plain words"
        "{% blocktranslate %}inside a block{% endblocktranslate %}{# a comment #}"
    )
    assert untagged_words(source) == ["doctor", "Close", "plain", "words"]


def test_compilemessages_builds_the_catalogue_without_gnu_gettext(tmp_path, settings, monkeypatch):
    import gettext
    import shutil

    from django.core.management import call_command

    locale = tmp_path / "locale"
    shutil.copytree(CATALOGUE.parent.parent.parent, locale, ignore=shutil.ignore_patterns("*.mo"))
    settings.LOCALE_PATHS = [locale]
    monkeypatch.setattr(shutil, "which", lambda program: None)

    call_command("compilemessages", verbosity=0)

    with (locale / "es/LC_MESSAGES/django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    assert compiled.gettext("Request a consultation") == "Solicitar una consulta"
