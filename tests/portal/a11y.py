"""Accessibility basics of a portal page, checked on its HTML (stdlib parser only).

``assert_accessible(html)`` asserts: the ``<html>`` element has a ``lang``; the ``<title>`` is not
empty; every input, select and textarea (except hidden inputs and buttons) has a ``<label for=id>``
or ``aria-label``/``aria-labelledby``; no ``tabindex`` is positive; every ``<img>`` has an ``alt``;
every ``<button>`` and link has a name (text or ``aria-label``) so keyboard users know what it does.
"""

from html.parser import HTMLParser

UNLABELLED_INPUT_TYPES = {"hidden", "submit", "button", "reset", "image"}


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.html_lang: str | None = None
        self.title = ""
        self._in_title = False
        self.label_for: set[str] = set()
        self.ids: set[str] = set()
        self.fields: list[dict[str, str | None]] = []
        self.problems: list[str] = []
        self._named: list[dict[str, object]] = []  # open <button>/<a>: their text so far

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(a["id"] or "")
        if tag == "html":
            self.html_lang = a.get("lang")
        elif tag == "title":
            self._in_title = True
        elif tag == "label" and a.get("for"):
            self.label_for.add(a["for"] or "")
        elif tag in ("input", "select", "textarea"):
            if tag != "input" or (a.get("type") or "text").lower() not in UNLABELLED_INPUT_TYPES:
                self.fields.append({"tag": tag, **a})
        elif tag == "img" and "alt" not in a:
            self.problems.append(f"<img src={a.get('src')!r}> has no alt")
        if tag in ("button", "a"):
            self._named.append({"tag": tag, "text": a.get("aria-label") or a.get("title") or "", "attrs": a})
        tabindex = a.get("tabindex")
        if tabindex is not None and tabindex.strip().lstrip("-").isdigit() and int(tabindex) > 0:
            self.problems.append(f"<{tag}> has a positive tabindex {tabindex}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in ("button", "a") and self._named and self._named[-1]["tag"] == tag:
            element = self._named.pop()
            if not str(element["text"]).strip():
                self.problems.append(f"<{tag} {element['attrs']}> has no accessible name")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        for element in self._named:
            element["text"] = str(element["text"]) + data


def accessibility_problems(html: str) -> list[str]:
    page = _Page()
    page.feed(html)
    page.close()
    problems = list(page.problems)
    if not page.html_lang:
        problems.append("<html> has no lang")
    if not page.title.strip(" ·\n\t"):
        problems.append("the page has no <title>")
    for field in page.fields:
        field_id = field.get("id")
        labelled = (
            (field_id and field_id in page.label_for)
            or field.get("aria-label")
            or field.get("aria-labelledby")
        )
        if not labelled:
            problems.append(f"<{field['tag']} name={field.get('name')!r}> has no label")
    return problems


def assert_accessible(response_or_html: object) -> None:
    """Assert the accessibility basics on a test client response (or an HTML string)."""
    content = getattr(response_or_html, "content", None)
    html = content.decode() if isinstance(content, bytes) else str(response_or_html)
    problems = accessibility_problems(html)
    assert not problems, "Accessibility problems:\n- " + "\n- ".join(problems)
