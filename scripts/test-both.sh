#!/usr/bin/env bash
# Run the test suite on SQLite and on a throwaway PostgreSQL at the same time (each pass
# is one process on one core; the machine has two), then show both results and fail if
# either failed. The PostgreSQL pass leaves out what does not depend on the database —
# browser flows, Spark engine runs, the statistics library — which the SQLite pass runs.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
pytest="${1:-.venv/bin/pytest}"
log="$(mktemp /tmp/townhall-test-postgres.XXXXXX.log)"

scripts/with-postgres.sh "$pytest" -m "not browser" -k "not spark" \
    --ignore=tests/roi/test_effects.py >"$log" 2>&1 &
postgres_pid=$!

echo "== tests on SQLite (the PostgreSQL pass runs alongside; its output follows) =="
"$pytest"
sqlite_status=$?

wait "$postgres_pid"
postgres_status=$?
echo "== tests on PostgreSQL =="
cat "$log"
rm -f "$log"

if [ "$sqlite_status" -ne 0 ] || [ "$postgres_status" -ne 0 ]; then
    echo "FAILED: SQLite pass exit $sqlite_status, PostgreSQL pass exit $postgres_status" >&2
    exit 1
fi
