"""`townhall ingest jsonl FILE`, `townhall ingest csv FILE --mapping MAP.json`, and
`townhall ingest <connector> <path or config>` for every registered connector."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from townhall.core.cli.progress import err_console, progress_bar, summary_table
from townhall.core.models import ImportRun
from townhall.core.readers import CsvMapping, MappingError, count_lines, csv_header_problem
from townhall.core.services.imports import (
    FORMATS,
    IMPORT_KINDS,
    SourceFailure,
    import_file,
    run_plan,
)
from townhall.core.services.ingest import IngestResult


class Command(BaseCommand):
    help = "Import activities from a JSON Lines file, or a CSV file with a column mapping."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "format", help="jsonl, csv, or a connector name (`townhall sources` lists them)."
        )
        parser.add_argument("path", type=Path, help="File to import, or a connector's config.")
        parser.add_argument(
            "--mapping", type=Path, help="CSV only: JSON file mapping columns to fields."
        )
        parser.add_argument("--batch-size", type=int, default=None, help="Records per transaction.")
        parser.add_argument(
            "--background",
            action="store_true",
            help="Queue the import as a Celery task and return.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        fmt: str = options["format"]
        if fmt not in FORMATS:
            self.handle_registered_kind(fmt, str(path), options)
            return
        if not path.is_file():
            raise CommandError(f"{path} is not a file")
        mapping, mapping_text = None, ""
        if fmt == "csv":
            if not options["mapping"]:
                raise CommandError(
                    "a CSV import needs --mapping MAP.json (see docs/import-format.md)"
                )
            try:
                mapping_text = options["mapping"].read_text(encoding="utf-8")
                mapping = CsvMapping.load(options["mapping"])
            except (OSError, MappingError) as error:
                raise CommandError(str(error)) from None
        elif options["mapping"]:
            raise CommandError("--mapping is for CSV files only")

        if options["background"]:
            from townhall.core.tasks import ingest_file

            result = ingest_file.delay(str(path.resolve()), fmt, str(options["mapping"] or ""))
            self.stdout.write(f"Queued import of {path} as task {result.id}.")
            return

        header_problem = csv_header_problem(path, mapping) if mapping else ""
        if header_problem:
            err_console.print(
                f"[bold red]The CSV does not fit the mapping:[/] {header_problem}. "
                "Every row will be quarantined with this reason; fix the mapping or the file and run again."
            )
        total_lines = count_lines(path) - (1 if fmt == "csv" else 0)
        quiet = options["verbosity"] == 0
        with progress_bar(f"Importing {path.name}", total=max(total_lines, 0), quiet=quiet) as (
            bar,
            task,
        ):

            def started(run: ImportRun) -> None:
                if run.position:
                    err_console.print(
                        f"Resuming import run {run.pk} after {run.position:,} records."
                    )
                    bar.update(task, completed=run.position)

            def advanced(batch: IngestResult) -> None:
                bar.advance(task, batch.read)

            started_at = time.perf_counter()
            run, result = import_file(
                path,
                fmt,
                mapping=mapping,
                mapping_text=mapping_text,
                batch_size=options["batch_size"],
                on_start=started,
                on_batch=advanced,
            )
            bar.update(task, total=run.position, completed=run.position)
        self.print_summary(run, result, quiet=quiet, seconds=time.perf_counter() - started_at)
        if header_problem:
            raise CommandError(f"no row imported: {header_problem}")

    def handle_registered_kind(self, name: str, target: str, options: dict[str, Any]) -> None:
        kind = IMPORT_KINDS.get(name)
        if kind is None:
            known = ", ".join([*FORMATS, *sorted(IMPORT_KINDS)])
            raise CommandError(f"unknown format or connector {name!r}; known: {known}")
        try:
            plan = kind.plan(target)
        except (OSError, ValueError) as error:
            raise CommandError(f"{name}: {error}") from None
        quiet = options["verbosity"] == 0
        with progress_bar(f"Importing {name}", total=None, quiet=quiet) as (bar, task):

            def started(run: ImportRun) -> None:
                if run.position:
                    err_console.print(
                        f"Resuming import run {run.pk} after {run.position:,} records."
                    )
                    bar.update(task, completed=run.position)

            started_at = time.perf_counter()
            try:
                run, result = run_plan(
                    plan,
                    batch_size=options["batch_size"],
                    on_start=started,
                    on_batch=lambda batch: bar.advance(task, batch.read),
                )
            except SourceFailure as error:
                raise CommandError(
                    f"{name}: {error} — progress so far is kept; run again to resume."
                ) from None
            bar.update(task, total=run.position, completed=run.position)
        self.print_summary(run, result, quiet=quiet, seconds=time.perf_counter() - started_at)

    def print_summary(
        self, run: ImportRun, result: IngestResult, *, quiet: bool, seconds: float
    ) -> None:
        rate = result.read / seconds if seconds > 0 else 0.0
        rows: list[tuple[str, object]] = [
            ("records read", result.read),
            ("activities created", result.created),
            ("duplicates (already stored)", result.duplicates),
            ("quarantined", result.quarantined),
            ("new members", result.members_created),
            ("time (reading, checking and storing)", f"{seconds:.1f} s · {rate:,.0f} records/s"),
        ]
        if run.read != result.read:
            rows.append(("records in the whole run (resumed)", run.read))
        if not quiet:
            err_console.print(summary_table(f"Import run {run.pk}: {run.origin}", rows))
            for reason, count in sorted(result.reasons.items(), key=lambda item: -item[1])[:10]:
                err_console.print(f"  [yellow]{count:>8,}[/] × {reason}")
            if result.quarantined:
                err_console.print(f"See them with: townhall quarantine list --origin {run.origin}")
        self.stdout.write(
            f"read={result.read} created={result.created} duplicates={result.duplicates} "
            f"quarantined={result.quarantined}"
        )
