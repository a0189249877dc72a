#!/usr/bin/env bash
# sqlmap against the parameters that reach SQL: the review queue's search, filters, sort and
# cursor (signed in as a demo reviewer), the provider dashboard's tab, search and cursor (as
# a demo provider) and the public register's search and cursor (HTML, CSV, JSON). A scratch
# database gets the migrations and the demo; the app is served by gunicorn on a free
# loopback port; sqlmap runs in batch mode, level 2, risk 1. Prints sqlmap's verdict per
# parameter; exits 1 if any parameter is injectable (or sqlmap could not test it).
#
#   scripts/sqlmap-check.sh                      scratch SQLite database
#   SECURITY_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/scratch scripts/sqlmap-check.sh
#                                                an EMPTY PostgreSQL database you made for this
#   SQLMAP_TIME_LIMIT=900                        seconds per sqlmap run (default 900)
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=.venv/bin
work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

export FLASK_APP=wsgi.py FLASK_DEBUG=0
export DATABASE_URL="${SECURITY_DATABASE_URL:-sqlite:///$work/registry.db}"
export STORAGE_PATH="$work/files" MAIL_SERVER=log MAIL_LOG_PATH="$work/mail.log"
SECRET_KEY=$($BIN/python -c 'import secrets; print(secrets.token_hex(32))')
export SECRET_KEY
case "$DATABASE_URL" in postgresql*) dbms=PostgreSQL ;; *) dbms=SQLite ;; esac

echo "== scratch database ($dbms): migrations and demo data"
$BIN/flask db upgrade >"$work/setup.log" 2>&1
$BIN/flask demo load >>"$work/setup.log" 2>&1

port=$($BIN/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
$BIN/gunicorn --bind "127.0.0.1:$port" --workers 2 --log-level warning wsgi:app >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 60); do
  curl -fsS "$base/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fsS "$base/healthz" >/dev/null || { cat "$work/server.log"; echo "the app did not start" >&2; exit 1; }

# Sign in through the form and print the session cookie as "name=value". Staff answer the
# second step with the demo account's current code (`flask users totp-code`, demo only).
csrf_of() {
  curl -fsS -c "$1" -b "$1" "$2" |
    sed -n 's/.*name="csrf_token"[^>]*value="\([^"]*\)".*/\1/p' | head -n 1
}
sign_in() {
  local email=$1 password=$2 jar="$work/jar-$1"
  local token next
  token=$(csrf_of "$jar" "$base/login")
  next=$(curl -fsS -o /dev/null -w '%{redirect_url}' -c "$jar" -b "$jar" \
    --data-urlencode "csrf_token=$token" --data-urlencode "email=$email" \
    --data-urlencode "password=$password" "$base/login")
  case "$next" in
    */login/code*)
      token=$(csrf_of "$jar" "$base/login/code")
      curl -fsS -o /dev/null -c "$jar" -b "$jar" --data-urlencode "csrf_token=$token" \
        --data-urlencode "code=$($BIN/flask users totp-code "$email")" "$base/login/code"
      ;;
  esac
  awk '$6 ~ /session$/ { print $6 "=" $7 }' "$jar"
}

password=$($BIN/python -c 'from app.demo.data import DEMO_PASSWORD; print(DEMO_PASSWORD)')
reviewer=$(sign_in reviewer@fsa-demo.example.com "$password")
provider=$(sign_in user@demo-custody.example.com "$password")
[ -n "$reviewer" ] && [ -n "$provider" ] || { echo "demo sign-in failed" >&2; exit 1; }
# Signed in means the queue answers 200 rather than a redirect to /login.
[ "$(curl -s -o /dev/null -w '%{http_code}' -b "$reviewer" "$base/review/")" = 200 ] ||
  { echo "the reviewer's session does not reach the queue" >&2; exit 1; }

status=0
verdicts=()
run_sqlmap() {
  local name=$1 url=$2 params=$3 cookie=${4:-}
  local log="$work/sqlmap-$name.log"
  echo "== sqlmap: $name ($params)"
  local args=(-u "$url" -p "$params" --batch --level 2 --risk 1 --skip-static --dbms "$dbms"
    --timeout 60 --retries 3 --output-dir "$work/sqlmap" --flush-session --disable-coloring)
  [ -n "$cookie" ] && args+=(--cookie "$cookie")
  curl -s -o /dev/null ${cookie:+-b "$cookie"} "$url" # warm the workers up first
  timeout "${SQLMAP_TIME_LIMIT:-900}" $BIN/sqlmap "${args[@]}" >"$log" 2>&1 || true
  grep -E "CRITICAL|is vulnerable|injectable|identified the following" "$log" | sed 's/^/   /' || true
  local param bad=0
  for param in ${params//,/ }; do
    if grep -qE "parameter '$param' (is vulnerable|appears to be)" "$log" ||
      grep -qE "Parameter: $param \(" "$log"; then
      verdicts+=("$name $param: INJECTABLE"); bad=1
    elif grep -qE "parameter '$param' does not seem to be injectable" "$log"; then
      verdicts+=("$name $param: not injectable")
    else
      verdicts+=("$name $param: NOT TESTED"); bad=1
    fi
  done
  if [ "$bad" -ne 0 ]; then status=1; tail -n 40 "$log"; fi
}

run_sqlmap queue \
  "$base/review/?status=open&type=new&handler=mine&due_within=5&overdue=1&q=vault&sort=deadline&after=abc" \
  status,type,handler,due_within,overdue,q,sort,after "$reviewer"
run_sqlmap dashboard "$base/notices/?status=accepted&q=vault&after=abc" status,q,after "$provider"
run_sqlmap register "$base/register?q=vault&after=abc" q,after
run_sqlmap register-csv "$base/register.csv?q=vault" q
run_sqlmap register-json "$base/register.json?q=vault" q

echo
echo "== sqlmap verdicts ($dbms)"
printf '   %s\n' "${verdicts[@]}"
exit $status
