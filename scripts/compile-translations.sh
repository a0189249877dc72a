#!/usr/bin/env bash
# Compile the message catalogs (app/translations/*/LC_MESSAGES/*.po -> .mo), which git
# does not keep, when a .po is newer than its .mo. Nothing to do without app/translations.
set -euo pipefail
cd "$(dirname "$0")/.."

DIR=app/translations
[ -d "$DIR" ] || exit 0

stale=""
while IFS= read -r -d '' po; do
  mo="${po%.po}.mo"
  if [ ! -f "$mo" ] || [ "$po" -nt "$mo" ]; then
    stale="$po"
    break
  fi
done < <(find "$DIR" -name '*.po' -print0)

[ -n "$stale" ] || exit 0
.venv/bin/pybabel --quiet compile --directory "$DIR" --use-fuzzy
