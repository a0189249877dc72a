#!/usr/bin/env bash
# Bring the message catalogs up to date with the source.
#
#   scripts/update-translations.sh            extract, update ja and en, compile, report
#   scripts/update-translations.sh --check    the same, then exit 1 if anything is untranslated
#   scripts/update-translations.sh --extract-to FILE
#                                             only extract, into FILE (tests/test_i18n.py uses
#                                             this, so that the keywords live in one place)
#
# 1. Extract every msgid from app/**.py and templates/** (see babel.cfg) into
#    app/translations/messages.pot.
# 2. Merge it into app/translations/{ja,en}/LC_MESSAGES/messages.po (created if missing),
#    keeping every existing translation. New msgids arrive untranslated: no fuzzy matching,
#    because `pybabel compile -f` (as `make setup` runs it) would publish a fuzzy guess such
#    as "Public register" -> 「登録」; an untranslated msgid shows in English instead, and the
#    tests (tests/test_i18n.py) fail until it is translated.
# 3. English is the source language: its catalog is filled with msgstr = msgid, so that
#    both catalogs are complete.
# 4. Compile the .mo files (build products, gitignored; `make setup` compiles them too).
# 5. Print how many entries each language still lacks (empty or fuzzy).
#
# Keywords: pybabel's defaults already cover _, gettext, ngettext (1,2), pgettext, npgettext
# and N_. Do not add a bare `-k ngettext`: it would replace the default spec 1,2 by 1 and
# silently drop every plural form. We add the lazy variants the app imports from
# flask_babel (`lazy_gettext as _l`).
set -euo pipefail

START_DIR=$PWD
cd "$(dirname "$0")/.."

CHECK=0
EXTRACT_TO=
while [ $# -gt 0 ]; do
    case "$1" in
        --check) CHECK=1 ;;
        --extract-to) EXTRACT_TO=${2:?--extract-to needs a file name}; shift ;;
        -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
    shift
done

if [ -x .venv/bin/python ]; then PYTHON=${PYTHON:-.venv/bin/python}; else PYTHON=${PYTHON:-python3}; fi
PYBABEL=("$PYTHON" -m babel.messages.frontend --quiet)

DIR=app/translations
POT=$DIR/messages.pot
LANGUAGES=(ja en)

extract() {
    "${PYBABEL[@]}" extract \
        -F babel.cfg \
        -k _l -k lazy_gettext \
        -k lazy_ngettext:1,2 \
        -k lazy_pgettext:1c,2 -k lazy_npgettext:1c,2,3 \
        --add-comments=TRANSLATORS: \
        --project="Advance Notice Registry" \
        --copyright-holder="Advance Notice Registry" \
        --msgid-bugs-address="registry@example.invalid" \
        -o "$1" .
}

if [ -n "$EXTRACT_TO" ]; then
    case "$EXTRACT_TO" in /*) ;; *) EXTRACT_TO="$START_DIR/$EXTRACT_TO" ;; esac
    extract "$EXTRACT_TO"
    exit 0
fi

extract "$POT"

for lang in "${LANGUAGES[@]}"; do
    "${PYBABEL[@]}" update --init-missing --ignore-obsolete --no-fuzzy-matching \
        -i "$POT" -d "$DIR" -l "$lang"
done

# English: msgstr = msgid (the source text is the English text).
"$PYTHON" - "$DIR/en/LC_MESSAGES/messages.po" <<'PY'
import sys

from babel.messages.pofile import read_po, write_po

path = sys.argv[1]
with open(path, "rb") as handle:
    catalog = read_po(handle, locale="en")
for message in catalog:
    if not message.id:
        continue  # the header
    message.string = message.id  # a tuple (singular, plural) for plural entries
    message.flags.discard("fuzzy")
catalog.fuzzy = False
with open(path, "wb") as handle:
    write_po(handle, catalog, ignore_obsolete=True)
PY

"${PYBABEL[@]}" compile -f -d "$DIR"

status=0
"$PYTHON" - "$DIR" "${LANGUAGES[@]}" <<'PY' || status=$?
import sys

from babel.messages.pofile import read_po

directory, languages = sys.argv[1], sys.argv[2:]
missing_total = 0
for lang in languages:
    with open(f"{directory}/{lang}/LC_MESSAGES/messages.po", "rb") as handle:
        catalog = read_po(handle, locale=lang)
    entries = [m for m in catalog if m.id]
    untranslated = [
        m
        for m in entries
        if m.fuzzy
        or not (all(m.string) if isinstance(m.string, tuple) else m.string)
    ]
    missing_total += len(untranslated)
    print(f"{lang}: {len(entries)} messages, {len(untranslated)} untranslated or fuzzy")
    for m in untranslated[:50]:
        msgid = m.id[0] if isinstance(m.id, tuple) else m.id
        print(f"    {'(fuzzy) ' if m.fuzzy else ''}{msgid!r}")
    if len(untranslated) > 50:
        print(f"    ... and {len(untranslated) - 50} more")
sys.exit(3 if missing_total else 0)
PY
if [ "$CHECK" = 1 ] && [ "$status" != 0 ]; then
    exit 1
fi
exit 0
