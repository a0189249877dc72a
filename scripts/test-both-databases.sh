#!/usr/bin/env bash
# Run the whole test suite on SQLite and on PostgreSQL at the same time, one pytest
# process each (the machine has two cores; each run keeps one busy), and fail if either
# fails. Each run's output is printed in full when both are done, then their summary
# lines. Extra arguments go to pytest (for example: -x, -k login).
#
# TEST_SEQUENTIAL=1 runs them one after the other instead, with live output.
set -uo pipefail
cd "$(dirname "$0")/.."

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
databases=(sqlite postgresql)

run() {
  TEST_DATABASE=$1 .venv/bin/python -m pytest -p no:cacheprovider "${@:2}"
}

declare -A results
if [ -n "${TEST_SEQUENTIAL:-}" ]; then
  for database in "${databases[@]}"; do
    echo
    echo "=== tests on $database ==="
    run "$database" "$@" 2>&1 | tee "$logs/$database.log"
    results[$database]=${PIPESTATUS[0]}
  done
else
  declare -A pids
  started=$SECONDS
  for database in "${databases[@]}"; do
    run "$database" "$@" >"$logs/$database.log" 2>&1 &
    pids[$database]=$!
  done
  echo "tests: running on ${databases[*]} at once (output follows when both are done)"
  for database in "${databases[@]}"; do
    wait "${pids[$database]}"
    results[$database]=$?
  done
  for database in "${databases[@]}"; do
    echo
    echo "=== tests on $database ==="
    cat "$logs/$database.log"
  done
  echo
  echo "both runs took $((SECONDS - started)) s"
fi

status=0
echo
for database in "${databases[@]}"; do
  [ "${results[$database]}" -eq 0 ] || status=1
  summary=$(grep -E '(passed|failed|errors?|skipped|no tests ran).* in [0-9.]+s' "$logs/$database.log" |
    tail -n 1 | sed -E 's/^=+ //; s/ =+$//')
  echo "$database: ${summary:-no summary (pytest exited with ${results[$database]})}"
done
exit $status
