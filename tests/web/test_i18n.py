"""Welsh: the catalogue is complete and pages follow the reader's choice, then the browser."""
from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from app.core.models import Role

ROOT = Path(__file__).resolve().parents[2]
# Entries that are the same in both languages on purpose (names, codes).
# Names, acronyms and words that are the same in Welsh ("post" is Welsh too), and a format with no words.
SAME_IN_BOTH = {"Connected Council", "GNU AGPL", "JSON", "API", "UPRN", "Post", "%(category)s: %(severity)s"}


def _catalogue():
    with open(ROOT / "translations" / "cy" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale="cy")


def test_every_welsh_entry_is_translated_and_differs_from_the_english():
    problems = []
    for message in _catalogue():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for msgid, msgstr in zip(ids, strings):
            if not msgstr:
                problems.append(f"untranslated: {msgid!r}")
            elif msgstr == msgid and msgid not in SAME_IN_BOTH:
                problems.append(f"same as English: {msgid!r}")
        if message.fuzzy:
            problems.append(f"fuzzy: {ids[0]!r}")
    assert problems == []


def test_welsh_keeps_every_placeholder():
    for message in _catalogue():
        if message.id and message.string and isinstance(message.id, str):
            assert sorted(re.findall(r"%\(\w+\)s", message.id)) == sorted(re.findall(r"%\(\w+\)s", message.string)), \
                message.id


def test_the_catalogue_covers_every_string_in_the_code():
    """`make translations` has been run: no wrapped string is missing from the Welsh catalogue."""
    from babel.messages.extract import extract_from_dir

    known = {m.id for m in _catalogue() if m.id}
    method_map = [("app/**.py", "python"), ("app/**/templates/**.html", "jinja2"), ("app/**/templates/**.txt", "jinja2")]
    missing = set()
    # Folders starting with "_" (our _macros) must be scanned too; babel skips them by default.
    def directory_filter(path: str) -> bool:
        return not Path(path).name.startswith(".") and Path(path).name not in ("node_modules", "instance")

    for _file, _line, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, directory_filter=directory_filter, keywords={"_": None, "gettext": None, "ngettext": (1, 2), "_l": None,
                                            "lazy_gettext": None}):
        key = message if isinstance(message, str) else message
        if key not in known:
            missing.add(key if isinstance(key, str) else key[0])
    assert missing == set(), "run `make translations` and translate: " + repr(sorted(missing))[:500]


def test_the_browser_language_is_used_until_the_person_chooses(client, council):
    page = client.get("/", headers={"Accept-Language": "cy,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="cy"' in page and "Neidio i'r prif gynnwys" in page.replace("&#39;", "'")
    client.get("/language/en")
    page = client.get("/", headers={"Accept-Language": "cy"}).get_data(as_text=True)
    assert '<html lang="en"' in page and "Skip to main content" in page


def test_a_signed_in_persons_choice_is_saved_and_followed(app, client, login_as):
    user = login_as(Role.RESIDENT)
    assert client.get("/language/cy?next=/my-council").headers["Location"] == "/my-council"
    page = client.get("/my-council").get_data(as_text=True)
    assert '<html lang="cy"' in page and "Cyngor Swydd Prawf" in page
    from app.core.models import User
    from app.extensions import db
    with app.app_context():
        assert db.session.get(User, user.id).language == "cy"


def test_the_language_switch_only_goes_back_to_this_site(client, council):
    assert client.get("/language/cy?next=https://evil.example/").headers["Location"] == "/"
