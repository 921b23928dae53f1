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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from townhall.core.models import ImportRun
from townhall.core.readers import CsvMapping, read_csv, read_jsonl
from townhall.core.records import ActivityRecord
from townhall.core.services.ingest import Envelope, IngestResult, finish_run, ingest

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

    def read(skip: int) -> Iterable[Envelope]:
        if fmt == "jsonl":
            return read_jsonl(path, skip=skip)
        assert mapping is not None
        return read_csv(path, mapping, skip=skip)

    return resumable_import(
        read,
        origin=str(path),
        connector=fmt,
        fingerprint=file_fingerprint(path, how=json.dumps([fmt, mapping_text])),
        batch_size=batch_size,
        on_start=on_start,
        on_batch=on_batch,
    )


def resumable_import(
    read: Callable[[int], Iterable[Envelope | ActivityRecord]],
    *,
    origin: str,
    connector: str,
    fingerprint: str,
    batch_size: int | None = None,
    on_start: Callable[[ImportRun], None] | None = None,
    on_batch: Callable[[IngestResult], None] | None = None,
) -> tuple[ImportRun, IngestResult]:
    """Ingest what `read(skip)` yields as one ImportRun, continuing an unfinished run.

    `read(skip)` must yield the same records in the same order every time, leaving
    out the first `skip`; the run with the same `fingerprint` that was killed or failed
    is continued from its committed position rather than started over.
    """
    # A run that was killed (still "running") or failed is continued, not restarted.
    run = (
        ImportRun.objects.filter(fingerprint=fingerprint)
        .exclude(status=ImportRun.Status.FINISHED)
        .order_by("-id")
        .first()
    )
    if run is None:
        run = ImportRun.objects.create(
            origin=origin[:1000], connector=connector[:64], fingerprint=fingerprint
        )
    elif run.status == ImportRun.Status.FAILED:
        run.status, run.error = ImportRun.Status.RUNNING, ""
        run.save(update_fields=["status", "error"])
    if on_start:
        on_start(run)
    try:
        result = ingest(
            read(run.position), origin=origin, run=run, batch_size=batch_size, on_batch=on_batch
        )
    except Exception as error:
        finish_run(run, error=f"{type(error).__name__}: {error}")
        raise
    finish_run(run)
    return run, result


class SourceFailure(Exception):
    """An input that failed part-way (a truncated archive, an API that keeps failing).

    Raised by readers; what was committed before it is kept and the next run resumes.
    """


@dataclass
class ImportPlan:
    """How to run one import of a kind other apps register (connectors)."""

    read: Callable[[int], Iterable[Envelope | ActivityRecord]]
    origin: str
    connector: str
    fingerprint: str
    after_batch: Callable[[IngestResult], None] | None = None
    after_run: Callable[[ImportRun, IngestResult], None] | None = None


@dataclass(frozen=True)
class ImportKind:
    name: str
    help: str
    plan: Callable[[str], ImportPlan]


IMPORT_KINDS: dict[str, ImportKind] = {}


def register_import_kind(name: str, help: str, plan: Callable[[str], ImportPlan]) -> None:
    """Make `townhall ingest NAME TARGET` build its import with `plan(TARGET)`.

    Apps that know other inputs (connectors) register here, so core runs them without
    importing them.
    """
    IMPORT_KINDS[name] = ImportKind(name, help, plan)


def run_plan(
    plan: ImportPlan,
    *,
    batch_size: int | None = None,
    on_start: Callable[[ImportRun], None] | None = None,
    on_batch: Callable[[IngestResult], None] | None = None,
) -> tuple[ImportRun, IngestResult]:
    """Run a registered kind's import plan as a resumable ImportRun."""

    def each_batch(result: IngestResult) -> None:
        if plan.after_batch:
            plan.after_batch(result)
        if on_batch:
            on_batch(result)

    run, result = resumable_import(
        plan.read,
        origin=plan.origin,
        connector=plan.connector,
        fingerprint=plan.fingerprint,
        batch_size=batch_size,
        on_start=on_start,
        on_batch=each_batch,
    )
    if plan.after_run:
        plan.after_run(run, result)
    return run, result
