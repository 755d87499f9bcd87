"""Pull the reading text out of a page, the way a reader meets it."""

from html.parser import HTMLParser

# Each of these ends a sentence-like unit: a heading or list item without a
# full stop still reads as one thought, not the start of a longer sentence.
BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "dt", "dd", "td", "th", "summary", "figcaption"}
# Not prose: the reference list (author names, journal titles), the page's
# table of contents and breadcrumb (repeats of headings), and review dates.
SKIPPED_CLASSES = {"sources", "toc", "breadcrumbs", "page-review"}
VOID = {"br", "img", "hr", "input", "meta", "link", "source", "wbr"}


class _MainText(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.in_main = False
        self.stack: list[tuple[str, bool]] = []
        self.units: list[str] = []
        self.current: list[str] = []

    def _skipping(self) -> bool:
        return any(skip for _, skip in self.stack)

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.in_main = True
            return
        if not self.in_main or tag in VOID:
            return
        classes = set((dict(attrs).get("class") or "").split())
        hidden = "visually-hidden" in classes
        self.stack.append((tag, bool(classes & SKIPPED_CLASSES) or hidden))
        if tag in BLOCKS:
            self._flush()

    def handle_endtag(self, tag):
        if tag == "main":
            self._flush()
            self.in_main = False
            return
        if not self.in_main or tag in VOID:
            return
        while self.stack:
            open_tag, _ = self.stack.pop()
            if open_tag == tag:
                break
        if tag in BLOCKS:
            self._flush()

    def handle_data(self, data):
        if self.in_main and not self._skipping():
            self.current.append(data)

    def _flush(self) -> None:
        text = " ".join("".join(self.current).split())
        self.current = []
        if text:
            if text[-1] not in ".!?:;":
                text += "."
            self.units.append(text)


def main_text(html: str) -> str:
    parser = _MainText()
    parser.feed(html)
    parser.close()
    return "\n".join(parser.units)
