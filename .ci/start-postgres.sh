#!/usr/bin/env bash
# Starts a PostgreSQL server for the store tests (DESIGN.md section 6) and prints the line to export.
#
#   eval "$(.ci/start-postgres.sh)"     # then: npx jest test/store
#
# Settings (defaults): LABBOT_PG_CLUSTER (main), LABBOT_PG_PORT (5432), LABBOT_PG_USER (labbot),
# LABBOT_PG_PASSWORD (labbot), LABBOT_PG_DATABASE (labbot_test).
#
# Runs as root on Debian 12. Idempotent: installs PostgreSQL from Debian's packages only when missing (the only
# network it needs), reuses an existing cluster, and leaves a running server, role and database alone.
# Progress goes to stderr so that stdout carries nothing but the export line.
set -euo pipefail

CLUSTER="${LABBOT_PG_CLUSTER:-main}"
PORT="${LABBOT_PG_PORT:-5432}"
ROLE="${LABBOT_PG_USER:-labbot}"
PASSWORD="${LABBOT_PG_PASSWORD:-labbot}"
DATABASE="${LABBOT_PG_DATABASE:-labbot_test}"

log() { echo "start-postgres: $*" >&2; }

if [[ "$(id -u)" -ne 0 ]]; then
  log "run me as root (I install packages and start the server as the postgres user)"
  exit 1
fi

newest_version() {
  # Server binaries live in /usr/lib/postgresql/<major>/bin; take the newest major installed.
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin/postgres 2>/dev/null | sort -V | tail -n 1 || true)"
  [[ -n "$dir" ]] && basename "$(dirname "$(dirname "$dir")")"
}

VERSION="$(newest_version || true)"
if [[ -z "$VERSION" ]] || ! command -v pg_ctlcluster >/dev/null; then
  log "installing postgresql from the Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends postgresql >&2
  VERSION="$(newest_version)"
fi
log "PostgreSQL ${VERSION}"

cluster_field() { pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" -v f="$1" '$1 == v && $2 == c { print $f }'; }

# The package creates cluster "main" unless createcluster.conf says otherwise; create it when it is missing.
if [[ -z "$(cluster_field 2)" ]]; then
  log "creating cluster ${VERSION}/${CLUSTER} on port ${PORT}"
  pg_createcluster --port "$PORT" "$VERSION" "$CLUSTER" >&2
fi

CLUSTER_PORT="$(cluster_field 3)"
if [[ "$CLUSTER_PORT" != "$PORT" ]]; then
  log "cluster ${VERSION}/${CLUSTER} listens on port ${CLUSTER_PORT}, not ${PORT}: set LABBOT_PG_PORT=${CLUSTER_PORT}"
  exit 1
fi

# Containers often lack the socket directory (it is a tmpfs on real machines) and forbid invoke-rc.d (policy-rc.d),
# so start the cluster directly rather than through the service manager.
install -d -o postgres -g postgres -m 2775 /var/run/postgresql
if [[ "$(cluster_field 4)" != "online" ]]; then
  log "starting cluster ${VERSION}/${CLUSTER}"
  pg_ctlcluster "$VERSION" "$CLUSTER" start >&2
fi

for _ in $(seq 1 60); do
  if pg_isready -q -h 127.0.0.1 -p "$PORT"; then break; fi
  sleep 0.5
done
if ! pg_isready -q -h 127.0.0.1 -p "$PORT"; then
  log "server did not accept connections on 127.0.0.1:${PORT}; see /var/log/postgresql/postgresql-${VERSION}-${CLUSTER}.log"
  exit 1
fi

as_postgres() { runuser -u postgres -- "$@"; }
psql_admin() { as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$PORT" "$@"; }

# Role and database for the tests. The password goes over the local socket to the server only; it is a test secret.
psql_admin -d postgres -v role="$ROLE" -v password="$PASSWORD" >&2 <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'role', :'password')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', :'role', :'password') \gexec
SQL
psql_admin -d postgres -v role="$ROLE" -v db="$DATABASE" >&2 <<'SQL'
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role')
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SQL

URL="postgres://${ROLE}:${PASSWORD}@127.0.0.1:${PORT}/${DATABASE}"
if ! PGCONNECT_TIMEOUT=5 psql -X -q -d "$URL" -c 'SELECT 1' >/dev/null; then
  log "could not log in as ${ROLE} over TCP (check pg_hba.conf allows scram-sha-256 from 127.0.0.1)"
  exit 1
fi
log "ready: ${ROLE}@127.0.0.1:${PORT}/${DATABASE}"
echo "export LABBOT_TEST_DATABASE_URL=${URL}"
