"""`townhall analyze`: refresh the snapshot and run the analytics stages, with progress."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from townhall.analytics.engines import ENGINES, EngineUnavailable
from townhall.analytics.runner import STAGE_NAMES, RunSummary, run_analysis
from townhall.analytics.snapshot import SnapshotBusy
from townhall.core.cli.progress import err_console


class Command(BaseCommand):
    help = (
        "Bring the analytics snapshot up to date and compute scores, levels, the network, "
        "segments and health (incrementally: only new activities are copied)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--engine", choices=ENGINES, default="duckdb", help="Where pipelines run."
        )
        parser.add_argument(
            "--master",
            help="Spark master URL (spark://host:7077); default local[2]. Only with --engine spark.",
        )
        parser.add_argument(
            "--rebuild", action="store_true", help="Rebuild the snapshot from the database."
        )
        parser.add_argument(
            "--only",
            action="append",
            choices=STAGE_NAMES[1:],
            metavar="STAGE",
            help=f"Run only this stage (repeatable): {', '.join(STAGE_NAMES[1:])}. "
            "The snapshot is always refreshed.",
        )
        parser.add_argument("--quiet", action="store_true", help="No progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["master"] and options["engine"] != "spark":
            raise CommandError("--master only applies to --engine spark.")
        bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            disable=options["quiet"],
        )
        tasks: dict[str, TaskID] = {}

        def progress(stage: str, event: str, detail: Any) -> None:
            if event == "start":
                tasks[stage] = bar.add_task(stage, total=None)
            elif event == "rows":
                done, total = detail
                bar.update(tasks[stage], completed=done, total=max(total, done))
            elif event == "done":
                task = tasks[stage]
                total = bar.tasks[task].total or 1
                bar.update(task, total=total, completed=total)
            elif event == "skipped":
                bar.add_task(f"{stage} (skipped)", total=1, completed=1)
            elif event == "failed":
                bar.update(tasks[stage], description=f"{stage} (failed)", total=1, completed=0)

        try:
            with bar:
                summary = run_analysis(
                    options["engine"],
                    master=options["master"],
                    stages=options["only"],
                    progress=progress,
                    rebuild=options["rebuild"],
                    wait=False,
                )
        except EngineUnavailable as error:
            raise CommandError(str(error)) from error
        except SnapshotBusy as error:
            raise CommandError(f"{error}; try again when it has finished.") from error
        err_console.print(summary_table(summary))
        if not summary.ok:
            failed = ", ".join(s.name for s in summary.stages if s.status == "failed")
            raise CommandError(f"Stage(s) failed: {failed}; see the summary and the log.")


def summary_table(summary: RunSummary) -> Table:
    """One row per stage: status, seconds, and what it reported."""
    table = Table(
        title=f"Analysis on {summary.engine}, as of {summary.as_of:%Y-%m-%d %H:%M} UTC "
        f"({summary.seconds:.1f} s)",
        title_justify="left",
    )
    table.add_column("stage", style="bold")
    table.add_column("status")
    table.add_column("seconds", justify="right")
    table.add_column("result")
    for stage in summary.stages:
        details = ", ".join(
            f"{key} {value:,}" if isinstance(value, int) else f"{key} {value}"
            for key, value in stage.summary.items()
        )
        if stage.note:
            details = f"{details} ({stage.note})" if details else stage.note
        table.add_row(stage.name, stage.status, f"{stage.seconds:.2f}", details)
    return table
