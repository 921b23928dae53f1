"""`import_file()`: a whole file into the stream, resumable after a crash.

Each file import is an ImportRun whose fingerprint is a hash of the file's content
and of how it is read. The run's position advances in the same transaction as each
batch, so if the process dies (even `kill -9`) running the same import again
continues from the last committed batch — and since ingest is idempotent, the final
data equals that of an uninterrupted run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from townhall.core.models import ImportRun
from townhall.core.readers import CsvMapping, read_csv, read_jsonl
from townhall.core.services.ingest import IngestResult, finish_run, ingest

FORMATS = ("jsonl", "csv")


def file_fingerprint(path: Path, *, how: str) -> str:
    """SHA-256 of the file's bytes and of `how` it is read (format and mapping)."""
    digest = hashlib.sha256(how.encode())
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def import_file(
    path: Path,
    fmt: str,
    *,
    mapping: CsvMapping | None = None,
    mapping_text: str = "",
    batch_size: int | None = None,
    on_start: Callable[[ImportRun], None] | None = None,
    on_batch: Callable[[IngestResult], None] | None = None,
) -> tuple[ImportRun, IngestResult]:
    """Import `path` in format `fmt` ('jsonl' or 'csv' with a mapping), resuming if it can.

    Returns the ImportRun (its counts cover the whole run, resumed parts included) and
    what this call did.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if fmt == "csv" and mapping is None:
        raise ValueError("a CSV import needs a mapping (--mapping MAP.json)")
    path = path.resolve()
    fingerprint = file_fingerprint(path, how=json.dumps([fmt, mapping_text]))
    # A run that was killed (still "running") or failed is continued, not restarted.
    run = (
        ImportRun.objects.filter(fingerprint=fingerprint)
        .exclude(status=ImportRun.Status.FINISHED)
        .order_by("-id")
        .first()
    )
    if run is None:
        run = ImportRun.objects.create(origin=str(path), fingerprint=fingerprint)
    elif run.status == ImportRun.Status.FAILED:
        run.status, run.error = ImportRun.Status.RUNNING, ""
        run.save(update_fields=["status", "error"])
    if on_start:
        on_start(run)
    if fmt == "jsonl":
        envelopes = read_jsonl(path, skip=run.position)
    else:
        assert mapping is not None
        envelopes = read_csv(path, mapping, skip=run.position)
    try:
        result = ingest(
            envelopes, origin=str(path), run=run, batch_size=batch_size, on_batch=on_batch
        )
    except Exception as error:
        finish_run(run, error=f"{type(error).__name__}: {error}")
        raise
    finish_run(run)
    return run, result
