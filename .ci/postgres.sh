#!/usr/bin/env bash
# Installs (from Debian's packages, when missing) and starts a PostgreSQL server on loopback,
# creates a `bridge` role and a `bridge_test` database, and prints the URL the tests use.
# Source it: `. .ci/postgres.sh` exports TEST_POSTGRES_URL.
set -euo pipefail

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -qx "$version main"; then
    pg_createcluster "$version" main >/dev/null
fi
pg_ctlcluster "$version" main start 2>/dev/null || true
for _ in $(seq 1 60); do
    pg_isready -q -h 127.0.0.1 -p 5432 && break
    sleep 0.5
done
pg_isready -h 127.0.0.1 -p 5432

as_postgres() { su postgres -c "$1" >/dev/null; }
as_postgres "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname='bridge'\" | grep -q 1 \
    || psql -c \"CREATE ROLE bridge LOGIN CREATEDB PASSWORD 'bridge'\""
as_postgres "psql -tAc \"SELECT 1 FROM pg_database WHERE datname='bridge_test'\" | grep -q 1 \
    || createdb -O bridge bridge_test"

export TEST_POSTGRES_URL="postgresql://bridge:bridge@127.0.0.1:5432/bridge_test"
echo "PostgreSQL $version ready: TEST_POSTGRES_URL=$TEST_POSTGRES_URL"
