#!/usr/bin/env bash
# Make a PostgreSQL server available on 127.0.0.1 for the test suite, and print
# the SQLAlchemy URL of a fresh test database on stdout.
# Installs Debian's postgresql when it is missing (needs root), starts the
# cluster, and creates the role and database `hueai_test`.
set -euo pipefail
log() { echo "postgres.sh: $*" >&2; }

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  log "installing postgresql from apt"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | awk '{print $2}' | grep -qx main; then
  log "creating cluster $version/main"
  pg_createcluster "$version" main >&2
fi
port=$(pg_lsclusters -h | awk '$2=="main"{print $3; exit}')
if ! pg_lsclusters -h | awk '$2=="main"{print $4}' | grep -qx online; then
  log "starting cluster $version/main on port $port"
  pg_ctlcluster "$version" main start >&2
fi
for _ in $(seq 30); do
  su postgres -c "pg_isready -q -h 127.0.0.1 -p $port" && break
  sleep 1
done
psql_su() { su postgres -c "psql -q -v ON_ERROR_STOP=1 -p $port -h /var/run/postgresql $*" >&2; }
psql_su "-c \"DO \\\$\\\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='hueai_test') THEN CREATE ROLE hueai_test LOGIN PASSWORD 'hueai_test' CREATEDB; END IF; END\\\$\\\$\""
psql_su "-c 'DROP DATABASE IF EXISTS hueai_test'"
psql_su "-c 'CREATE DATABASE hueai_test OWNER hueai_test'"
echo "postgresql+psycopg://hueai_test:hueai_test@127.0.0.1:${port}/hueai_test"
