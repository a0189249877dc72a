#!/usr/bin/env bash
# Run the whole test suite on SQLite, then on PostgreSQL; fail if either run fails.
# Both runs happen even when the first fails, and their summary lines are repeated at
# the end. Extra arguments go to pytest (for example: -x, -k login).
set -uo pipefail
cd "$(dirname "$0")/.."

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

status=0
summaries=()
for database in sqlite postgresql; do
  echo
  echo "=== tests on $database ==="
  TEST_DATABASE=$database .venv/bin/python -m pytest "$@" 2>&1 | tee "$logs/$database.log"
  result=${PIPESTATUS[0]}
  [ "$result" -eq 0 ] || status=1
  summary=$(grep -E '(passed|failed|errors?|skipped|no tests ran).* in [0-9.]+s' "$logs/$database.log" |
    tail -n 1 | sed -E 's/^=+ //; s/ =+$//')
  summaries+=("$database: ${summary:-no summary (pytest exited with $result)}")
done

echo
for line in "${summaries[@]}"; do
  echo "$line"
done
exit $status
