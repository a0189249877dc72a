"""Translations: the catalogs are complete and sound, and pages come out in the chosen language.

To bring the catalogs up to date after adding or changing a string, run
``scripts/update-translations.sh``, translate what it lists in
``app/translations/ja/LC_MESSAGES/messages.po``, and run it again.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.util import pathmatch

from app.extensions import db

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "app" / "translations"
SCRIPT = ROOT / "scripts" / "update-translations.sh"
LANGUAGES = ("ja", "en")
UPDATE_HINT = (
    "run scripts/update-translations.sh and translate the new entries in "
    "app/translations/ja/LC_MESSAGES/messages.po"
)

# A printf-style conversion as Python's % operator reads it: %(name)s, %d, %%, ...
CONVERSION = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?"  # mapping key
    r"[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?"  # flags, width, precision, length
    r"(?P<type>[diouxXeEfFgGcrsa%])"
)
# A gettext call with a literal first argument, in a template or a Python module.
GETTEXT_CALL = re.compile(
    r"""(?<![\w.])(?:_|_l|gettext|ngettext|pgettext|npgettext|lazy_gettext|lazy_ngettext)"""
    r"""\(\s*['"]"""
)


def po_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"


def load_catalog(lang: str):
    with po_path(lang).open("rb") as handle:
        return read_po(handle, locale=lang)


def msgid_text(message) -> str:
    return message.id[0] if isinstance(message.id, tuple) else message.id


def forms(value) -> tuple[str, ...]:
    """The msgstr forms of a message (one, or one per plural form)."""
    return value if isinstance(value, tuple) else (value,)


def placeholders(text: str) -> set[str]:
    """The conversions of a format string, as written (``%(name)s``), without ``%%``."""
    return {m.group(0) for m in CONVERSION.finditer(text) if m.group("type") != "%"}


def stray_percent(text: str) -> bool:
    """A ``%`` that is neither a conversion nor ``%%``: Jinja's new-style gettext applies
    ``%`` to every template string, so this would break the page."""
    return "%" in CONVERSION.sub("", text)


@pytest.fixture(scope="module")
def catalogs():
    return {lang: load_catalog(lang) for lang in LANGUAGES}


@pytest.fixture(scope="module")
def fresh_template(tmp_path_factory):
    """The source's msgids as they are now, extracted as the update script extracts them."""
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    result = subprocess.run(
        ["bash", str(SCRIPT), "--extract-to", str(pot)],
        cwd=ROOT,
        env={**os.environ, "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"extraction failed:\n{result.stdout}\n{result.stderr}"
    with pot.open("rb") as handle:
        return read_po(handle)


# --- (1) complete catalogs -----------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_entry_is_translated_and_none_is_fuzzy(catalogs, lang):
    catalog = catalogs[lang]
    entries = [m for m in catalog if m.id]
    assert entries, f"the {lang} catalog is empty"
    untranslated = [msgid_text(m) for m in entries if not all(s.strip() for s in forms(m.string))]
    fuzzy = [msgid_text(m) for m in entries if m.fuzzy]
    assert not untranslated, f"{lang}: untranslated msgids {untranslated}; translate them"
    assert not fuzzy, (
        f"{lang}: fuzzy entries {fuzzy}: check each translation, then remove the fuzzy flag "
        "(`pybabel compile -f` would publish them as they are)"
    )
    assert not catalog.fuzzy, f"the header of the {lang} catalog is marked fuzzy"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_plural_entries_have_every_form(catalogs, lang):
    catalog = catalogs[lang]
    for message in catalog:
        if message.id and message.pluralizable:
            assert len(forms(message.string)) == catalog.num_plurals, msgid_text(message)


def test_english_catalog_repeats_the_source_text(catalogs):
    for message in catalogs["en"]:
        if message.id:
            expected = message.id if isinstance(message.id, tuple) else (message.id,)
            assert forms(message.string) == expected, msgid_text(message)


def test_no_msgid_of_the_source_is_missing_from_the_catalogs(catalogs, fresh_template):
    extracted = {(m.context, msgid_text(m)): m for m in fresh_template if m.id}
    assert extracted, "extraction found no messages at all"
    for lang in LANGUAGES:
        known = {(m.context, msgid_text(m)) for m in catalogs[lang] if m.id}
        missing = sorted(
            f"{key[1]!r} ({', '.join(f'{f}:{n}' for f, n in m.locations[:3])})"
            for key, m in extracted.items()
            if key not in known
        )
        assert not missing, f"{lang}: not in the catalog: {missing}; {UPDATE_HINT}"


def test_plural_msgids_agree_with_the_source(catalogs, fresh_template):
    """A msgid that became plural (or stopped being) needs the catalogs updated too."""
    source = {msgid_text(m): m.id for m in fresh_template if m.id}
    for lang in LANGUAGES:
        for message in catalogs[lang]:
            text = msgid_text(message)
            if message.id and text in source:
                assert message.id == source[text], f"{lang}: {text!r}; {UPDATE_HINT}"


def source_files_calling_gettext() -> set[str]:
    calling = set()
    for pattern in ("templates/**/*.html", "templates/**/*.txt", "app/**/*.py"):
        for path in ROOT.glob(pattern):
            if "__pycache__" in path.parts:
                continue
            if GETTEXT_CALL.search(path.read_text(encoding="utf-8")):
                calling.add(path.relative_to(ROOT).as_posix())
    return calling


def ignored_by_babel_cfg(relative: str) -> bool:
    with (ROOT / "babel.cfg").open(encoding="utf-8") as handle:
        method_map, _options = parse_mapping_cfg(handle)
    for pattern, method in method_map:
        if pathmatch(pattern, relative):
            return method == "ignore"
    return False


def test_extraction_reads_every_file_that_calls_gettext(fresh_template):
    """Babel skips silently what babel.cfg ignores or does not map (and any directory whose
    name starts with _ or .), so compare with a plain search of the source."""
    read = {path for message in fresh_template for path, _line in message.locations}
    calling = source_files_calling_gettext()
    assert calling, "no gettext calls found at all: is the pattern wrong?"
    assert not calling - read, (
        f"files that call gettext but were not extracted: {sorted(calling - read)}; check babel.cfg"
    )


def test_files_left_out_of_extraction_do_not_call_gettext():
    """babel.cfg leaves the bilingual acknowledgement PDFs out; a gettext call added to one
    of them (or a page put under an ignored name) would never reach the catalogs."""
    left_out = sorted(f for f in source_files_calling_gettext() if ignored_by_babel_cfg(f))
    assert not left_out, f"{left_out} call gettext, but babel.cfg ignores them"
    assert ignored_by_babel_cfg("templates/acknowledgements/receipt.html")


# --- (2) placeholders ------------------------------------------------------------------


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_keep_the_placeholders_of_the_msgid(catalogs, lang):
    problems = []
    for message in catalogs[lang]:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        allowed = [placeholders(i) for i in ids]
        for text in forms(message.string):
            if not text:
                continue  # reported by the completeness test
            if placeholders(text) not in allowed:
                problems.append(
                    f"{ids[0]!r}: {sorted(placeholders(text))} instead of {sorted(allowed[-1])}"
                )
            if stray_percent(text) and not any(stray_percent(i) for i in ids):
                problems.append(f"{ids[0]!r}: a lone % in {text!r} (write %% or ％)")
    assert not problems, f"{lang}:\n" + "\n".join(problems)


def test_placeholder_check_sees_differences():
    """The check itself: a renamed, retyped or dropped placeholder is a difference."""
    assert placeholders("%(min)d to %(max)d, 100%%") == {"%(min)d", "%(max)d"}
    assert placeholders("%(min)s") != placeholders("%(min)d")
    assert stray_percent("50%") and stray_percent("（%）")
    assert not stray_percent("50%% %(x)s ％")


# --- (3) pages in the chosen language ---------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogs():
    """The .mo files are build products (gitignored; `make setup` compiles them): compile
    any that is missing or older than its .po, as `pybabel compile -f` would."""
    for lang in LANGUAGES:
        po = po_path(lang)
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        catalog = load_catalog(lang)
        partial = mo.with_name(f".{mo.name}.{os.getpid()}")
        with partial.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=True)
        os.replace(partial, mo)


def ja(catalogs, msgid: str) -> str:
    message = catalogs["ja"].get(msgid)
    assert message is not None and message.string, f"{msgid!r} has no Japanese translation"
    return message.string


def html_lang(response) -> str:
    match = re.search(r'<html lang="([^"]*)"', response.get_data(as_text=True))
    assert match, "no <html lang> in the page"
    return match.group(1)


def test_start_page_in_english(client):
    response = client.get("/", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert html_lang(response) == "en"
    page = response.get_data(as_text=True)
    assert "Advance Notice Registry" in page
    assert "Sign in" in page


def test_start_page_in_japanese(client, catalogs):
    response = client.get("/", headers={"Accept-Language": "ja"})
    assert response.status_code == 200
    assert html_lang(response) == "ja"
    page = response.get_data(as_text=True)
    for msgid in ("Advance Notice Registry", "Sign in", "Register an organisation"):
        assert ja(catalogs, msgid) in page, msgid
    assert "Sign in" not in page


def test_japanese_is_the_default(client):
    response = client.get("/", headers={"Accept-Language": "fr"})
    assert html_lang(response) == "ja"


def test_language_switch_sticks_across_requests(client, catalogs):
    response = client.post("/language", data={"lang": "en", "next": "/login"})
    assert response.status_code == 302
    assert response.location.endswith("/login")

    # The session's choice wins over the browser's.
    for path in ("/login", "/"):
        response = client.get(path, headers={"Accept-Language": "ja"})
        assert html_lang(response) == "en", path
        assert "Sign in" in response.get_data(as_text=True)

    client.post("/language", data={"lang": "ja", "next": "/login"})
    response = client.get("/login", headers={"Accept-Language": "en"})
    assert html_lang(response) == "ja"
    assert ja(catalogs, "Sign in") in response.get_data(as_text=True)


def test_unknown_language_is_ignored(client):
    client.post("/language", data={"lang": "en", "next": "/"})
    response = client.post("/language", data={"lang": "xx", "next": "/login"})
    assert response.status_code == 302
    response = client.get("/", headers={"Accept-Language": "ja"})
    assert html_lang(response) == "en"


def test_unknown_language_without_a_choice_falls_back_to_the_browser(client):
    client.post("/language", data={"lang": "de"})
    assert html_lang(client.get("/", headers={"Accept-Language": "en"})) == "en"
    assert html_lang(client.get("/", headers={"Accept-Language": "ja"})) == "ja"


# --- the language chosen in this browser and the one saved with the account -----------------


def test_a_language_chosen_before_signing_in_wins_over_the_saved_one(client, auth, people):
    people.provider_a_user.locale = "ja"
    db.session.commit()
    client.post("/language", data={"lang": "en", "next": "/login"})

    auth.login(client, people.provider_a_user)

    response = client.get("/notices/", headers={"Accept-Language": "ja"})
    assert html_lang(response) == "en"
    assert "Sign out" in response.get_data(as_text=True)


def test_a_language_chosen_while_signed_in_is_saved_for_later_sessions(app, auth, people):
    people.provider_a_user.locale = "ja"
    db.session.commit()
    first = app.test_client()
    auth.login(first, people.provider_a_user)

    first.post("/language", data={"lang": "en", "next": "/notices/"})

    db.session.refresh(people.provider_a_user)
    assert people.provider_a_user.locale == "en"
    later = app.test_client()
    auth.login(later, people.provider_a_user)
    assert html_lang(later.get("/notices/", headers={"Accept-Language": "ja"})) == "en"


def test_without_a_choice_in_this_browser_the_saved_language_applies(client, auth, people):
    people.provider_a_user.locale = "en"
    db.session.commit()

    auth.login(client, people.provider_a_user)

    assert html_lang(client.get("/notices/", headers={"Accept-Language": "ja"})) == "en"


def test_the_sign_up_heading_is_not_the_header_link(client):
    """The header link "Your account" is for everyone; the sign-up form's section is the
    administrator account being created, a msgid of its own."""
    page = client.get("/signup", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<legend>Administrator account</legend>" in page
    assert "<legend>Your account</legend>" not in page


# --- file sizes ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "english"),
    [
        (1, "1 byte"),
        (953, "953 bytes"),
        (1_234, "1.2 KB"),
        (999_999, "1,000 KB"),
        (20_500_000, "20.5 MB"),
        (3_000_000_000, "3 GB"),
    ],
)
def test_file_sizes_in_english(app, size, english):
    from app.i18n import file_size

    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert file_size(size) == english


def test_file_sizes_on_japanese_pages_use_the_app_s_units(app):
    from app.i18n import file_size

    with app.test_request_context(headers={"Accept-Language": "ja"}):
        assert file_size(1_234) == "1.2 KB"
        assert file_size(20_500_000) == "20.5 MB"
        assert "Bytes" not in file_size(953)


# --- names in the page's language -----------------------------------------------------------


def test_the_english_dashboard_names_the_organisation_in_english(client, auth, people):
    auth.login(client, people.provider_a_user)
    client.post("/language", data={"lang": "en"})

    page = client.get("/notices/").get_data(as_text=True)

    assert "<h1>Notices of Provider A K.K.</h1>" in page


def test_a_japanese_name_on_an_english_page_is_marked_japanese(client, auth, people):
    people.org_a.name_en = ""
    people.provider_a_user.name = "見本 太郎"
    db.session.commit()
    auth.login(client, people.provider_a_user)
    client.post("/language", data={"lang": "en"})

    page = client.get("/notices/").get_data(as_text=True)

    assert f'<h1>Notices of <span lang="ja">{people.org_a.name_ja}</span></h1>' in page
    assert 'Sign out (<span lang="ja">見本 太郎</span>)' in page


def test_names_are_not_marked_on_japanese_pages(client, auth, people):
    people.provider_a_user.name = "見本 太郎"
    db.session.commit()
    auth.login(client, people.provider_a_user)
    client.post("/language", data={"lang": "ja"})

    page = client.get("/notices/").get_data(as_text=True)

    assert people.org_a.name_ja in re.search(r"<h1>(.*?)</h1>", page).group(1)
    assert '<span lang="ja">' not in page
