"""The dashboard's Korean catalogue: every message translated, nothing fuzzy, and the compiled
.mo file in step with the .po file beside it."""

import gettext
import re
from pathlib import Path

import dashboard

LC_MESSAGES = Path(dashboard.__file__).parent / "locale" / "ko" / "LC_MESSAGES"


def entries(po_text: str) -> list[dict]:
    """(msgctxt, msgid, msgid_plural, msgstr…) of each entry, multi-line strings joined."""
    found = []
    for block in po_text.strip().split("\n\n"):
        entry: dict = {"flags": "", "strings": {}}
        key = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] += line
            elif line.startswith("#"):
                continue
            elif match := re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d\])?) "(.*)"$', line):
                key = match.group(1)
                entry["strings"][key] = match.group(2)
            elif line.startswith('"') and key:
                entry["strings"][key] += line[1:-1]
        found.append(entry)
    return found


def test_every_message_is_translated_and_none_is_fuzzy():
    catalogue = entries((LC_MESSAGES / "django.po").read_text(encoding="utf-8"))
    header, messages = catalogue[0], catalogue[1:]
    assert header["strings"]["msgid"] == "" and "fuzzy" not in header["flags"]
    assert len(messages) > 50
    for entry in messages:
        strings = entry["strings"]
        assert "fuzzy" not in entry["flags"], strings["msgid"]
        translated = [value for key, value in strings.items() if key.startswith("msgstr")]
        assert translated and all(translated), f"untranslated: {strings['msgid']!r}"


def test_the_compiled_catalogue_matches_the_po_file():
    with open(LC_MESSAGES / "django.mo", "rb") as compiled:
        mo = gettext.GNUTranslations(compiled)
    for entry in entries((LC_MESSAGES / "django.po").read_text(encoding="utf-8"))[1:]:
        strings = entry["strings"]
        msgid = strings["msgid"].encode().decode("unicode_escape").encode("latin-1").decode()
        expected = strings.get("msgstr", strings.get("msgstr[0]"))
        expected = expected.encode().decode("unicode_escape").encode("latin-1").decode()
        context = strings.get("msgctxt")
        if "msgid_plural" in strings:
            assert mo.ngettext(msgid, strings["msgid_plural"], 1) == expected
        elif context:
            assert mo.pgettext(context, msgid) == expected
        else:
            assert mo.gettext(msgid) == expected, msgid
