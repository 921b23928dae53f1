#!/usr/bin/env bash
# Make sure the Debian packages the test suite starts for real are installed:
# PostgreSQL 15 and Redis (and Chromium for the browser tests, wrk for `bench web`).
# As root it installs what is missing; otherwise it says how to install them or how
# to point the tests at servers you already run.
set -euo pipefail

missing=()
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "${TOWNHALL_TEST_POSTGRES_URL:-}" ] && [ -z "$pg_bin" ]; then missing+=(postgresql); fi
if [ -z "${TOWNHALL_TEST_REDIS_URL:-}" ] && ! command -v redis-server >/dev/null 2>&1; then missing+=(redis-server); fi
if [ "${TOWNHALL_BROWSER_TESTS:-1}" != "0" ] && [ ! -x /usr/bin/chromium ]; then missing+=(chromium); fi
# The web benchmark's load generator (`townhall bench web --client wrk`); optional elsewhere.
if [ "$(id -u)" = "0" ] && ! command -v wrk >/dev/null 2>&1; then missing+=(wrk); fi

[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts the services it installs; the tests start their own throwaway ones.
  for service in postgresql redis-server; do
    command -v service >/dev/null 2>&1 && service "$service" stop >/dev/null 2>&1 || true
  done
  exit 0
fi

cat >&2 <<MSG
The test suite needs these Debian packages: ${missing[*]}
Install them as root:  sudo apt-get install ${missing[*]}
or point the tests at servers you already run:
  TOWNHALL_TEST_POSTGRES_URL=postgres://USER:PASSWORD@HOST:PORT/postgres  (a role that may create databases)
  TOWNHALL_TEST_REDIS_URL=redis://HOST:PORT/15
and skip the browser tests with TOWNHALL_BROWSER_TESTS=0.
MSG
exit 1
