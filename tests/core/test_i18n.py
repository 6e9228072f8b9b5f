"""English and Simplified Chinese ship: the catalogue is complete and compiled."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

PO = Path(settings.BASE_DIR, "locale", "zh_Hans", "LC_MESSAGES", "django.po")


def _entries(text: str) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, fuzzy) for every entry but the header."""
    entries = []
    for block in text.split("\n\n"):
        fuzzy = "#, fuzzy" in block or ", fuzzy" in block
        msgid = "".join(re.findall(r'^(?:msgid|msgid_plural)? ?"(.*)"$', block.split("msgstr")[0], re.M))
        msgstrs = re.findall(r'^msgstr(?:\[\d\])? "(.*)"\n?((?:".*"\n?)*)', block, re.M)
        if not msgid or not msgstrs:
            continue
        for first, rest in msgstrs:
            entries.append((msgid, first + "".join(re.findall(r'"(.*)"', rest)), fuzzy))
    return entries


def test_every_message_has_a_chinese_translation():
    entries = _entries(PO.read_text(encoding="utf-8"))
    assert len(entries) > 100
    missing = sorted({msgid for msgid, msgstr, _ in entries if not msgstr})
    fuzzy = sorted({msgid for msgid, _, is_fuzzy in entries if is_fuzzy})
    assert missing == []
    assert fuzzy == []


def test_compiled_catalogue_is_used():
    with translation.override("zh-hans"):
        assert str(translation.gettext("Office suite")) != "Office suite"
        assert str(translation.gettext("Hot desk")) != "Hot desk"


@pytest.mark.django_db
def test_api_errors_follow_the_request_language(api_client, staff_user):
    api_client.force_authenticate(staff_user)
    response = api_client.post(
        reverse("api:space-list"), {"kind": "castle"}, format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 400
    with translation.override("zh-hans"):
        assert response.json()["detail"] == translation.gettext("Invalid input.")
    assert response.json()["detail"] != "Invalid input."
