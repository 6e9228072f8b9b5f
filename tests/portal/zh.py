"""Load the branch's new Chinese translations (zh.json, merged into locale/ by the lead) into the
running catalogue, so tests can check pages in Chinese before the .po files carry them.

Once the strings are in ``locale/`` (and zh.json is gone) this does nothing.
"""

import json
from pathlib import Path

import pytest
from django.utils.translation import trans_real

ZH_JSON = Path(__file__).resolve().parents[2] / "zh.json"


class _Catalog:
    def __init__(self, entries: dict[str, object]) -> None:
        self._catalog = {
            key: (value[0] if isinstance(value, list) else value) for key, value in entries.items() if value
        }
        for key, value in entries.items():  # plural forms: (msgid, index) keys
            if isinstance(value, list):
                for index, text in enumerate(value):
                    self._catalog[(key, index)] = text
        self.plural = lambda n: 0


@pytest.fixture(autouse=True, scope="session")
def zh_catalog() -> None:
    if not ZH_JSON.exists():
        return
    entries = json.loads(ZH_JSON.read_text(encoding="utf-8"))
    translation = trans_real.translation("zh-hans")
    translation._catalog.update(_Catalog(entries))  # type: ignore[union-attr]
