"""`townhall bench ingest`: how fast `ingest()` stores activities, against the database's ceiling.

The parent process (this module) generates the records first — generation is never
timed — as a JSON Lines file, makes a fresh database, and re-runs itself as a worker
(`townhall bench ingest --worker`) with `TOWNHALL_DATABASE_URL` pointing at it; the
worker (`townhall.core.bench.worker`) times the import and the ceiling and reports
back in JSON. The parent prints a table and a one-line summary, then drops the
database. The input is JSON Lines bytes, as a file import reads them, so record
validation is part of the measured time.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from argparse import SUPPRESS, ArgumentParser
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from townhall.core.bench import stream
from townhall.core.bench.databases import BenchDatabaseError, engine_of, fresh_database

HELP = (
    "Time ingest() of N generated activities (JSON Lines) on a fresh database and compare "
    "it with that database's raw bulk-load ceiling for the same rows."
)
INPUT_FORMAT = "JSON Lines bytes (validated by ingest, as in a file import)"


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--activities",
        type=int,
        default=100_000,
        metavar="N",
        help="records to ingest (default 100000)",
    )
    parser.add_argument(
        "--database",
        metavar="URL",
        help="postgres://user@host:port/db to benchmark PostgreSQL (a throwaway database is "
        "created on that server and dropped); default: a temporary SQLite file",
    )
    parser.add_argument(
        "--batch-size",
        type=int,
        default=None,
        metavar="B",
        help=f"records per transaction (default TOWNHALL_INGEST_BATCH_SIZE, {settings.INGEST_BATCH_SIZE})",
    )
    parser.add_argument("--seed", type=int, default=7, help="seed of the generated stream")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    # Internal: the measuring child process.
    parser.add_argument("--worker", action="store_true", help=SUPPRESS)
    parser.add_argument("--input", help=SUPPRESS)


@dataclass(frozen=True)
class IngestBenchResult:
    """The figures of one run; rates are per second of wall-clock time."""

    engine: str
    records: int
    batch_size: int
    stream: stream.StreamStats
    ingest: dict[str, int]
    ingest_seconds: float
    ceiling_rows: int
    ceiling_seconds: float
    peak_rss_mib: float
    peak_rss_mib_before_ingest: float
    ingest_cpu_seconds: float = 0.0
    ceiling_cpu_seconds: float = 0.0

    @property
    def ingest_rate(self) -> float:
        """Records ingested per second (duplicates included: ingest had to recognise them)."""
        return self.records / self.ingest_seconds

    @property
    def created_rate(self) -> float:
        return self.ingest["created"] / self.ingest_seconds

    @property
    def ceiling_rate(self) -> float:
        return self.ceiling_rows / self.ceiling_seconds

    @property
    def ratio(self) -> float:
        """Ceiling time over ingest time for the same stored rows: 1.0 would be free ingest."""
        return self.ceiling_seconds / self.ingest_seconds

    def as_dict(self) -> dict[str, Any]:
        return {
            "engine": self.engine,
            "records": self.records,
            "batch_size": self.batch_size,
            "input": INPUT_FORMAT,
            "stream": self.stream.__dict__,
            "ingest": self.ingest,
            "ingest_seconds": round(self.ingest_seconds, 3),
            "ingest_cpu_seconds": round(self.ingest_cpu_seconds, 3),
            "ingest_records_per_s": round(self.ingest_rate),
            "ingest_created_per_s": round(self.created_rate),
            "ceiling_rows": self.ceiling_rows,
            "ceiling_seconds": round(self.ceiling_seconds, 3),
            "ceiling_cpu_seconds": round(self.ceiling_cpu_seconds, 3),
            "ceiling_rows_per_s": round(self.ceiling_rate),
            "ratio": round(self.ratio, 3),
            "peak_rss_mib": round(self.peak_rss_mib, 1),
            "peak_rss_mib_before_ingest": round(self.peak_rss_mib_before_ingest, 1),
        }


def run_from_options(options: dict[str, Any]) -> None:
    """Entry point of the `ingest` subcommand: the worker when `--worker`, else the parent."""
    if options["worker"]:
        from townhall.core.bench.worker import emit, run_worker

        batch_size = options["batch_size"] or settings.INGEST_BATCH_SIZE
        emit("result", **run_worker(Path(options["input"]), batch_size=batch_size))
        return
    if options["activities"] < 1:
        raise CommandError("--activities must be at least 1")
    console = Console()
    try:
        result = run_benchmark(
            options["activities"],
            database=options["database"],
            batch_size=options["batch_size"] or settings.INGEST_BATCH_SIZE,
            seed=options["seed"],
            console=console,
        )
    except BenchDatabaseError as error:
        raise CommandError(str(error)) from None
    report(result, console)
    if options["json"]:
        console.print_json(json.dumps(result.as_dict()))


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description:<22}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    )


def run_benchmark(
    n: int, *, database: str | None, batch_size: int, seed: int, console: Console
) -> IngestBenchResult:
    """Generate `n` records, measure ingest and the ceiling on a fresh database, clean up."""
    engine = engine_of(database) if database else "sqlite"
    with tempfile.TemporaryDirectory(prefix="townhall-bench-") as tmp:
        workdir = Path(tmp)
        path = workdir / "records.jsonl"
        with _progress(console) as progress:
            task = progress.add_task("generate (not timed)", total=n)
            stats = stream.write(
                path, n, seed=seed, on_progress=lambda k: progress.advance(task, k)
            )
            with fresh_database(database, workdir) as url:
                figures = _run_worker(url, path, batch_size, n, progress)
    return IngestBenchResult(
        engine=engine,
        records=n,
        batch_size=batch_size,
        stream=stats,
        ingest=figures["ingest"],
        ingest_seconds=figures["ingest_seconds"],
        ceiling_rows=figures["ceiling_rows"],
        ceiling_seconds=figures["ceiling_seconds"],
        peak_rss_mib=figures["peak_rss_mib_ingest"],
        peak_rss_mib_before_ingest=figures["peak_rss_mib_before_ingest"],
        ingest_cpu_seconds=figures["ingest_cpu_seconds"],
        ceiling_cpu_seconds=figures["ceiling_cpu_seconds"],
    )


def _run_worker(
    url: str, path: Path, batch_size: int, n: int, progress: Progress
) -> dict[str, Any]:
    command = [
        sys.executable, "-m", "townhall", "bench", "ingest", "--worker",
        "--input", str(path), "--batch-size", str(batch_size),
    ]  # fmt: skip
    env = {**os.environ, "TOWNHALL_DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}
    tasks: dict[str, Any] = {}
    result: dict[str, Any] | None = None
    current: Any = None
    with tempfile.TemporaryFile() as errors:
        worker = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, env=env)
        assert worker.stdout is not None
        for raw in worker.stdout:
            event = json.loads(raw)
            if event["event"] == "phase":
                label = {
                    "migrate": "migrate fresh database",
                    "ingest": "ingest()",
                    "ceiling": "raw load (ceiling)",
                }
                total = event.get("total", n if event["name"] == "ingest" else 1)
                tasks[event["name"]] = progress.add_task(label[event["name"]], total=total)
                if "migrate" in tasks and event["name"] != "migrate":
                    progress.update(tasks["migrate"], completed=1)
                current = tasks[event["name"]]
            elif event["event"] == "progress":
                progress.advance(current, event["done"])
            elif event["event"] == "result":
                result = event
        status = worker.wait()
        if status != 0 or result is None:
            errors.seek(0)
            detail = errors.read().decode(errors="replace").strip()[-3000:]
            raise CommandError(f"the benchmark worker failed (exit status {status}):\n{detail}")
    return result


def report(result: IngestBenchResult, console: Console) -> None:
    """Print the figures as a table and one summary line."""
    table = Table(title=f"townhall bench ingest — {result.engine}, {result.records:,} records")
    table.add_column("")
    table.add_column("rows", justify="right")
    table.add_column("seconds", justify="right")
    table.add_column("per second", justify="right")
    table.add_column("client CPU s", justify="right")
    ingest = result.ingest
    table.add_row(
        "ingest() records read",
        f"{result.records:,}",
        f"{result.ingest_seconds:.2f}",
        f"{result.ingest_rate:,.0f}",
        f"{result.ingest_cpu_seconds:.2f}",
    )
    table.add_row(
        "  activities created", f"{ingest['created']:,}", "", f"{result.created_rate:,.0f}", ""
    )
    table.add_row("  duplicates skipped", f"{ingest['duplicates']:,}", "", "", "")
    table.add_row("  quarantined", f"{ingest['quarantined']:,}", "", "", "")
    table.add_row(
        "  members / identities created",
        f"{ingest['members_created']:,} / {ingest['identities_created']:,}",
        "",
        "",
        "",
    )
    table.add_row(
        "raw load (ceiling)",
        f"{result.ceiling_rows:,}",
        f"{result.ceiling_seconds:.2f}",
        f"{result.ceiling_rate:,.0f}",
        f"{result.ceiling_cpu_seconds:.2f}",
    )
    console.print(table)
    console.print(
        f"input: {INPUT_FORMAT}; batch size {result.batch_size:,}; stream: "
        f"{result.stream.actors:,} actors (Zipf), {result.stream.with_target:,} with a target, "
        f"{result.stream.duplicates:,} re-delivered; ratio = ceiling time / ingest time "
        "for the same stored rows"
    )
    console.print(
        f"[bold]{result.engine}: ingest {result.ingest_rate:,.0f} activities/s, "
        f"ceiling {result.ceiling_rate:,.0f} rows/s, ratio {result.ratio:.0%} of ceiling, "
        f"peak memory {result.peak_rss_mib:,.0f} MiB[/bold]"
    )
