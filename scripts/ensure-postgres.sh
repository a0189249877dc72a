#!/usr/bin/env bash
# Make sure the PostgreSQL server the tests use answers on 127.0.0.1:5432, starting the
# local cluster if it is installed but stopped. With TEST_DATABASE_URL set, the tests use
# that server instead and this script leaves the local one alone.
set -euo pipefail

HOST=127.0.0.1
PORT=5432

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  echo "postgres: TEST_DATABASE_URL is set; the tests will use that server."
  exit 0
fi

how_to_install() {
  cat >&2 <<MSG
postgres: the tests need PostgreSQL on $HOST:$PORT, user postgres, without a password.
  Debian/Ubuntu, as root:
    apt-get install -y postgresql
    pg_ctlcluster --skip-systemctl-redirect \$(ls /etc/postgresql) main start
  and allow local connections without a password: in
  /etc/postgresql/<version>/main/pg_hba.conf set the method of the "host all all
  127.0.0.1/32" line to "trust", then restart the cluster.
  Or point the tests at another server:
    TEST_DATABASE_URL=postgresql+psycopg://user:password@host:5432/postgres make test
MSG
}

if ! command -v pg_isready >/dev/null 2>&1; then
  echo "postgres: pg_isready not found (no PostgreSQL client installed)." >&2
  how_to_install
  exit 1
fi

if pg_isready -q -h "$HOST" -p "$PORT"; then
  exit 0
fi

versions=$(ls /etc/postgresql 2>/dev/null | sort -V || true)
if [ -z "$versions" ] || ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "postgres: nothing answers on $HOST:$PORT and no local cluster is installed." >&2
  how_to_install
  exit 1
fi
version=$(echo "$versions" | tail -n 1)

if [ "$(id -u)" -ne 0 ] && [ "$(id -un)" != postgres ]; then
  echo "postgres: the local cluster $version/main is not running. Start it with:" >&2
  echo "    sudo pg_ctlcluster --skip-systemctl-redirect $version main start" >&2
  exit 1
fi

echo "postgres: starting cluster $version/main"
pg_ctlcluster --skip-systemctl-redirect "$version" main start

for _ in $(seq 1 30); do
  if pg_isready -q -h "$HOST" -p "$PORT"; then
    echo "postgres: ready on $HOST:$PORT"
    exit 0
  fi
  sleep 1
done
echo "postgres: cluster $version/main started but does not answer on $HOST:$PORT after 30 s;" >&2
echo "postgres: see /var/log/postgresql/postgresql-$version-main.log" >&2
exit 1
