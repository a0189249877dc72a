#!/usr/bin/env bash
# Create .venv and install requirements-dev.txt into it, but only when the requirements
# files have changed since the last successful install. Their combined SHA-256 is kept in
# .venv/.requirements.sha256: content, not modification times, decides, so a checkout
# that only touches the files does not reinstall. Delete that file to force a reinstall.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
STAMP="$VENV/.requirements.sha256"
PYTHON="${PYTHON:-python3}"

if ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
  if ! command -v "$PYTHON" >/dev/null 2>&1; then
    echo "setup: $PYTHON not found; install Python 3.11 or newer (apt-get install python3 python3-venv)." >&2
    exit 1
  fi
  if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "setup: $("$PYTHON" --version) is too old; Python 3.11 or newer is needed (set PYTHON=python3.11)." >&2
    exit 1
  fi
  echo "setup: creating $VENV with $("$PYTHON" --version)"
  if ! "$PYTHON" -m venv "$VENV"; then
    echo "setup: could not create $VENV; on Debian/Ubuntu run: apt-get install python3-venv" >&2
    exit 1
  fi
  rm -f "$STAMP"
fi

wanted="$(cat requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$wanted" ]; then
  exit 0
fi

echo "setup: installing requirements-dev.txt into $VENV"
"$VENV/bin/python" -m pip install --quiet -r requirements-dev.txt
echo "$wanted" >"$STAMP"
