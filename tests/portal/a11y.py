"""Accessibility basics of a portal page, checked on its HTML (stdlib parser only).

The one checker every portal page test uses. ``assert_accessible(response_or_html)`` asserts:

- the ``<html>`` element has a ``lang``;
- the ``<title>`` is not empty and names the page itself (not only `` · Campus portal``);
- every input, select and textarea (except hidden inputs and buttons) has a ``<label for=id>``, is
  wrapped in a ``<label>``, or has ``aria-label``/``aria-labelledby``;
- no ``tabindex`` is positive;
- every ``<img>`` has an ``alt``;
- every ``<button>`` and link (``<a href>``) has a name (its text, an image's alt, ``aria-label``,
  ``aria-labelledby`` or ``title``) so keyboard and screen-reader users know what it does;
- ids are unique (labels, ``aria-describedby`` and skip links rely on them).
"""

from collections import Counter
from html.parser import HTMLParser

UNLABELLED_INPUT_TYPES = {"hidden", "submit", "button", "reset", "image"}


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.html_lang: str | None = None
        self.title = ""
        self._in_title = False
        self.label_for: set[str] = set()
        self._label_depth = 0
        self.ids: list[str] = []
        self.fields: list[tuple[str, dict[str, str], bool]] = []  # tag, attributes, wrapped in a label
        self.problems: list[str] = []
        self._named: list[dict[str, object]] = []  # open <button>/<a href>: their name so far

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if a.get("id"):
            self.ids.append(a["id"])
        if tag == "html":
            self.html_lang = a.get("lang")
        elif tag == "title":
            self._in_title = True
        elif tag == "label":
            self._label_depth += 1
            if a.get("for"):
                self.label_for.add(a["for"])
        elif tag in ("input", "select", "textarea"):
            if tag != "input" or (a.get("type") or "text").lower() not in UNLABELLED_INPUT_TYPES:
                self.fields.append((tag, a, self._label_depth > 0))
        elif tag == "img":
            if "alt" not in a:
                self.problems.append(f"<img src={a.get('src')!r}> has no alt")
            for element in self._named:  # an image's alt names the link or button around it
                element["text"] = str(element["text"]) + a.get("alt", "")
        if tag == "button" or (tag == "a" and "href" in a):
            name = a.get("aria-label") or a.get("aria-labelledby") or a.get("title") or ""
            self._named.append({"tag": tag, "text": name, "attrs": a})
        tabindex = a.get("tabindex")
        if tabindex and tabindex.strip().lstrip("-").isdigit() and int(tabindex) > 0:
            self.problems.append(f"<{tag}> has a positive tabindex {tabindex}")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in ("button", "a", "label", "title"):
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "label":
            self._label_depth = max(0, self._label_depth - 1)
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
    """Every basic the page misses, one line each (empty when it has them all)."""
    page = _Page()
    page.feed(html)
    page.close()
    problems = list(page.problems)
    if not page.html_lang:
        problems.append("<html> has no lang")
    title = page.title.strip()
    if not title.strip(" ·\n\t") or title.startswith("·"):
        problems.append("the page has no <title> of its own")
    for tag, attrs, wrapped in page.fields:
        field_id = attrs.get("id")
        labelled = (
            wrapped
            or (field_id and field_id in page.label_for)
            or attrs.get("aria-label")
            or attrs.get("aria-labelledby")
        )
        if not labelled:
            problems.append(f"<{tag} name={attrs.get('name')!r}> has no label")
    duplicates = sorted(i for i, n in Counter(page.ids).items() if n > 1)
    if duplicates:
        problems.append(f"duplicate ids: {duplicates}")
    return problems


def assert_accessible(response_or_html: object) -> None:
    """Assert the accessibility basics on a test client response (or an HTML string)."""
    content = getattr(response_or_html, "content", None)
    html = content.decode() if isinstance(content, bytes) else str(response_or_html)
    problems = accessibility_problems(html)
    assert not problems, "Accessibility problems:\n- " + "\n- ".join(problems)
