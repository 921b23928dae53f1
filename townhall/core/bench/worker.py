"""The measuring half of `townhall bench ingest`, run in its own process on a fresh database.

It runs in a child process (`townhall bench ingest --worker`) so that its settings
point at the throwaway database and its peak memory is the import's alone. It
talks to the parent through JSON lines on stdout: progress events, then the result.

Two loads of the same activities are timed:

1. `ingest()` of the JSON Lines file, as `townhall ingest jsonl` does it: the file
   read by `read_jsonl` (one Envelope per line), each record validated, resolving sources, kinds, identities and
   members, inserting idempotently, advancing an ImportRun — one transaction per batch;
2. the database's raw bulk-load ceiling: the rows ingest stored, read back, the table
   emptied, and the same rows loaded again with the plainest fast path the database
   has (SQLite: `executemany` of a plain INSERT, one transaction per batch;
   PostgreSQL: COPY straight into the table), into the same table with the same indexes.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.db import connection, transaction

from townhall.core.models import Activity, ImportRun
from townhall.core.readers import read_jsonl
from townhall.core.services.ingest import ACTIVITY_COLUMNS, IngestResult, ingest

_TABLE = Activity._meta.db_table
_COLUMNS = ", ".join(ACTIVITY_COLUMNS)


def emit(event: str, **data: Any) -> None:
    """Send one event to the parent process."""
    sys.stdout.write(json.dumps({"event": event, **data}) + "\n")
    sys.stdout.flush()


def peak_rss_mib() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_seconds() -> float:
    """CPU time of this process (user + system): on a busy machine, steadier than wall time.

    For SQLite that is all the work; for PostgreSQL the server's share is not included.
    """
    times = os.times()
    return times.user + times.system


def run_worker(path: Path, *, batch_size: int) -> dict[str, Any]:
    """Migrate the fresh database, time ingest and the ceiling, and return the figures."""
    emit("phase", name="migrate")
    call_command("migrate", verbosity=0, interactive=False)
    rss_before = peak_rss_mib()

    emit("phase", name="ingest")
    run = ImportRun.objects.create(origin=str(path))

    def progress(batch: IngestResult) -> None:
        emit("progress", done=batch.read)

    started, cpu = time.perf_counter(), _cpu_seconds()
    result = ingest(
        read_jsonl(path), origin=str(path), run=run, batch_size=batch_size, on_batch=progress
    )
    ingest_seconds, ingest_cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    rss_ingest = peak_rss_mib()

    emit("phase", name="ceiling", total=result.created)
    rows = _read_back()
    _empty_table()
    cpu = _cpu_seconds()
    ceiling_seconds = _load_ceiling(rows, batch_size=batch_size)
    ceiling_cpu = _cpu_seconds() - cpu
    stored = Activity.objects.count()
    if stored != len(rows):
        raise RuntimeError(f"the ceiling load stored {stored} rows, expected {len(rows)}")
    return {
        "engine": connection.vendor,
        "batch_size": batch_size,
        "ingest": result.as_dict(),
        "ingest_seconds": ingest_seconds,
        "ingest_cpu_seconds": ingest_cpu,
        "ceiling_cpu_seconds": ceiling_cpu,
        "ceiling_rows": len(rows),
        "ceiling_seconds": ceiling_seconds,
        "peak_rss_mib_before_ingest": rss_before,
        "peak_rss_mib_ingest": rss_ingest,
    }


def _read_back() -> list[tuple[Any, ...]]:
    """The stored rows in insertion order, in the form the database takes back cheapest."""
    if connection.vendor == "postgresql":
        select = _COLUMNS.replace("properties", "properties::text")
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {select} FROM {_TABLE} ORDER BY id")
            return cursor.fetchall()
    connection.ensure_connection()
    # The raw sqlite3 connection returns datetimes as the stored text: no conversion
    # is left for the ceiling to pay, which is what makes it a ceiling.
    return connection.connection.execute(f"SELECT {_COLUMNS} FROM {_TABLE} ORDER BY id").fetchall()


def _empty_table() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {_TABLE}")
        return
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {_TABLE}")
        # Give the file back its free pages so the reload grows it as ingest did.
        cursor.execute("VACUUM")


def _load_ceiling(rows: list[tuple[Any, ...]], *, batch_size: int) -> float:
    started = time.perf_counter()
    for start in range(0, len(rows), batch_size):
        batch = rows[start : start + batch_size]
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with (
                    connection.cursor() as cursor,
                    cursor.cursor.copy(f"COPY {_TABLE} ({_COLUMNS}) FROM STDIN") as copy,
                ):
                    for row in batch:
                        copy.write_row(row)
            else:
                placeholders = ", ".join(["?"] * len(ACTIVITY_COLUMNS))
                connection.connection.executemany(
                    f"INSERT INTO {_TABLE} ({_COLUMNS}) VALUES ({placeholders})", batch
                )
        emit("progress", done=len(batch))
    return time.perf_counter() - started
