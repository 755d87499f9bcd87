"""Write static/css/bootstrap.css: Bootstrap's stylesheet with only the rules our pages use.

    uv run manage.py build_css

A rule stays when every class and attribute its selector names appears in
our templates (the patient-facing ones and crispy-bootstrap5's form
templates) or in our Python code (form helpers, widget attributes). The
result is committed; tests/test_static.py fails when it is stale, so run
this after changing templates or upgrading Bootstrap. The staff admin keeps
its own styles and does not load this file.

Needs the dev dependencies (django-bootstrap-static for the source, tinycss2
to read it): production only serves the committed file.
"""

import re
from pathlib import Path

import tinycss2
from django.conf import settings
from django.core.management.base import BaseCommand

OUTPUT = Path(settings.BASE_DIR) / "static" / "css" / "bootstrap.css"
HEADER = (
    "/*! Bootstrap v5.3 (https://getbootstrap.com/), MIT License; trimmed to the rules "
    "this site uses by `manage.py build_css`. Do not edit. */\n"
)
WORD = re.compile(r"[A-Za-z][\w-]*")
CLASS = re.compile(r"\.(-?[A-Za-z_][\w-]*)")
ATTRIBUTE = re.compile(r"\[([\w-]+)")


def bootstrap_source() -> str:
    import bootstrap  # django-bootstrap-static

    path = Path(bootstrap.__file__).parent / "static" / "bootstrap" / "css" / "bootstrap.min.css"
    return path.read_text()


def source_files() -> list[Path]:
    """Where the class names our pages use are written."""
    import crispy_bootstrap5

    base = Path(settings.BASE_DIR)
    files = [p for p in (base / "templates").rglob("*.html") if "admin" not in p.parts]
    files += (Path(crispy_bootstrap5.__file__).parent / "templates").rglob("*.html")
    for package in ("pages", "booking", "clinic_site"):
        files += [p for p in (base / package).rglob("*.py") if "migrations" not in p.parts]
    return sorted(files)


def used_words() -> set[str]:
    words = set()
    for path in source_files():
        words |= set(WORD.findall(path.read_text()))
    return words


def _keeps(selector: str, used: set[str]) -> bool:
    names = CLASS.findall(selector) + ATTRIBUTE.findall(selector)
    return all(name in used for name in names)


def _rules(nodes, used: set[str]) -> list[str]:
    kept = []
    for node in nodes:
        if node.type == "qualified-rule":
            selectors = [s.strip() for s in tinycss2.serialize(node.prelude).split(",")]
            selectors = [s for s in selectors if _keeps(s, used)]
            if selectors:
                kept.append(",".join(selectors) + "{" + tinycss2.serialize(node.content) + "}")
        elif node.type == "at-rule" and node.lower_at_keyword in ("media", "supports"):
            inner = _rules(
                tinycss2.parse_rule_list(node.content, skip_comments=True, skip_whitespace=True),
                used,
            )
            if inner:
                prelude = tinycss2.serialize(node.prelude).strip()
                kept.append(f"@{node.lower_at_keyword} {prelude}{{{''.join(inner)}}}")
        elif node.type == "at-rule" and node.lower_at_keyword == "keyframes":
            kept.append(node)  # decided below, once we know which are used
    return kept


SIMPLE_RULE = re.compile(r"([^{}@]+)\{([^{}]*)\}")
VAR = re.compile(r"var\((--[\w-]+)")


def _without_unread_properties(rules: list[str]) -> list[str]:
    """Drop custom properties (--bs-…) that nothing reads with var(), ours included."""
    ours = (Path(settings.BASE_DIR) / "static" / "css" / "site.css").read_text()
    while True:
        read = set(VAR.findall("".join(rules) + ours))
        trimmed = []
        for rule in rules:
            match = SIMPLE_RULE.fullmatch(rule)
            if match and "--" in match.group(2):
                declarations = [
                    d
                    for d in tinycss2.parse_declaration_list(
                        match.group(2), skip_comments=True, skip_whitespace=True
                    )
                    if d.type == "declaration" and (not d.name.startswith("--") or d.name in read)
                ]
                body = ";".join(
                    f"{d.name}:{tinycss2.serialize(d.value).strip()}"
                    + ("!important" if d.important else "")
                    for d in declarations
                )
                rule = f"{match.group(1)}{{{body}}}" if body else ""
            if rule:
                trimmed.append(rule)
        if trimmed == rules:
            return rules
        rules = trimmed


def trimmed_bootstrap() -> str:
    used = used_words()
    nodes = tinycss2.parse_stylesheet(bootstrap_source(), skip_comments=True, skip_whitespace=True)
    kept = _rules(nodes, used)
    text_rules = _without_unread_properties([rule for rule in kept if isinstance(rule, str)])
    css = "".join(text_rules)
    for rule in kept:
        if not isinstance(rule, str):
            name = tinycss2.serialize(rule.prelude).strip()
            if name in css:
                css += f"@keyframes {name}{{{tinycss2.serialize(rule.content)}}}"
    return HEADER + css + "\n"


class Command(BaseCommand):
    help = "Write static/css/bootstrap.css: Bootstrap trimmed to the rules our pages use."

    def handle(self, *args, **options) -> None:
        css = trimmed_bootstrap()
        OUTPUT.write_text(css)
        self.stdout.write(f"Wrote {OUTPUT.relative_to(settings.BASE_DIR)} ({len(css):,} bytes)")
