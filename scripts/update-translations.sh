#!/usr/bin/env bash
# Bring the message catalogs up to date with the source.
#
#   scripts/update-translations.sh            extract, update ja and en, compile, report
#   scripts/update-translations.sh --check    the same, then exit 1 if anything is untranslated
#
# 1. Extract every msgid from app/**.py and templates/** (see babel.cfg) into
#    app/translations/messages.pot.
# 2. Merge it into app/translations/{ja,en}/LC_MESSAGES/messages.po (created if missing),
#    keeping every existing translation. A msgid close to one that went away gets the old
#    translation marked "fuzzy": a suggestion to review, which the tests refuse until a
#    translator checks it and removes the flag.
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

cd "$(dirname "$0")/.."

CHECK=0
for arg in "$@"; do
    case "$arg" in
        --check) CHECK=1 ;;
        -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
        *) echo "unknown argument: $arg" >&2; exit 2 ;;
    esac
done

if [ -x .venv/bin/python ]; then PYTHON=${PYTHON:-.venv/bin/python}; else PYTHON=${PYTHON:-python3}; fi
PYBABEL=("$PYTHON" -m babel.messages.frontend --quiet)

DIR=app/translations
POT=$DIR/messages.pot
LANGUAGES=(ja en)

"${PYBABEL[@]}" extract \
    -F babel.cfg \
    -k _l -k lazy_gettext \
    -k _nl:1,2 -k lazy_ngettext:1,2 \
    -k lazy_pgettext:1c,2 -k lazy_npgettext:1c,2,3 \
    --add-comments=TRANSLATORS: \
    --project="Advance Notice Registry" \
    --copyright-holder="Advance Notice Registry" \
    --msgid-bugs-address="registry@example.invalid" \
    -o "$POT" .

for lang in "${LANGUAGES[@]}"; do
    "${PYBABEL[@]}" update --init-missing --ignore-obsolete \
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
