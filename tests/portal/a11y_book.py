"""Accessibility basics of a rendered page, checked from its HTML (stdlib parser).

(portal-b's copy; helper A writes tests/portal/a11y.py with the same checks: the lead keeps one.)

- ``<html lang>`` is set and ``<title>`` is not empty;
- every input, select and textarea (except hidden inputs and buttons) has a ``<label for=id>``,
  is wrapped in a ``<label>``, or has ``aria-label``/``aria-labelledby``;
- no ``tabindex`` above 0; every ``<img>`` has ``alt``;
- ids are unique (labels and aria-describedby rely on them).
"""

from html.parser import HTMLParser

UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lang = ""
        self.title = ""
        self._in_title = False
        self.label_for: set[str] = set()
        self._label_depth = 0
        self.controls: list[tuple[str, dict[str, str], bool]] = []
        self.problems: list[str] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if a.get("id"):
            self.ids.append(a["id"])
        if tag == "html":
            self.lang = a.get("lang", "")
        elif tag == "title":
            self._in_title = True
        elif tag == "label":
            self._label_depth += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        elif tag in ("input", "select", "textarea"):
            if not (tag == "input" and a.get("type", "text") in UNLABELLED_TYPES):
                self.controls.append((tag, a, self._label_depth > 0))
        elif tag == "img" and "alt" not in a:
            self.problems.append(f"<img src={a.get('src')!r}> has no alt")
        tabindex = a.get("tabindex")
        if tabindex and tabindex.lstrip("-").isdigit() and int(tabindex) > 0:
            self.problems.append(f"<{tag}> has tabindex={tabindex}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "label":
            self._label_depth = max(0, self._label_depth - 1)

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data


def a11y_problems(html: str) -> list[str]:
    page = _Page()
    page.feed(html)
    problems = list(page.problems)
    if not page.lang:
        problems.append("<html> has no lang")
    if not page.title.strip() or page.title.strip().startswith("·"):
        problems.append("the page has no title of its own")
    for tag, attrs, wrapped in page.controls:
        if wrapped or attrs.get("aria-label") or attrs.get("aria-labelledby"):
            continue
        if attrs.get("id") and attrs["id"] in page.label_for:
            continue
        problems.append(f"<{tag} name={attrs.get('name')!r}> has no label")
    duplicates = sorted({i for i in page.ids if page.ids.count(i) > 1})
    if duplicates:
        problems.append(f"duplicate ids: {duplicates}")
    return problems


def assert_accessible(response_or_html) -> None:  # type: ignore[no-untyped-def]
    html = response_or_html if isinstance(response_or_html, str) else response_or_html.content.decode()
    problems = a11y_problems(html)
    assert not problems, problems
