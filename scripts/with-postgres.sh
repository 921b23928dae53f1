#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL: start a fresh cluster on a spare port,
# export TOWNHALL_DATABASE_URL, run "$@", and stop and delete the cluster afterwards,
# also when the command fails. With TOWNHALL_TEST_POSTGRES_URL set, use that server.
set -euo pipefail

if [ -n "${TOWNHALL_TEST_POSTGRES_URL:-}" ]; then
  export TOWNHALL_DATABASE_URL="$TOWNHALL_TEST_POSTGRES_URL"
  exec "$@"
fi

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
dir=$(mktemp -d /tmp/townhall-pg.XXXXXX)
chmod 755 "$dir"

as_owner() {
  # initdb and postgres refuse to run as root: use the postgres account then.
  if [ "$(id -u)" = "0" ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}
[ "$(id -u)" = "0" ] && chown postgres "$dir"

stop() {
  as_owner "'$pg_bin/pg_ctl' -D '$dir/data' -m immediate stop" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT

as_owner "'$pg_bin/initdb' -D '$dir/data' -A trust -U postgres -E UTF8 --no-sync" >/dev/null
as_owner "'$pg_bin/pg_ctl' -D '$dir/data' -w -l '$dir/log' -o \"-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200\" start" >/dev/null
echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"

export TOWNHALL_DATABASE_URL="postgres://postgres@127.0.0.1:$port/townhall"
"$@"
