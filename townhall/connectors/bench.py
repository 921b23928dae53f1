"""`townhall bench connectors`: how fast the Slack, Stack Exchange and GH Archive
connectors import, reading included.

Generates each input in its real format (not timed: a Slack export ZIP, a Stack
Exchange dump folder, GH Archive hour files — the `sample` module of each connector),
then, in a child process on a fresh database (a SQLite file, or `--database` on a
PostgreSQL server): times reading alone (the connector's `read()`, no database), then
the whole import as `townhall ingest <connector> PATH` runs it (reading, checking,
identities and members, activities, the resumable import's bookkeeping).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from rich.console import Console
from rich.table import Table

from townhall.core.bench import Benchmark, register
from townhall.core.bench.databases import BenchDatabaseError, engine_of, fresh_database

HELP = (
    "Time the Slack export, Stack Exchange dump and GH Archive connectors: reading alone "
    "and the whole import into a fresh database."
)
CONNECTORS = ("slack-export", "stackexchange-dump", "gharchive")


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--activities",
        type=int,
        default=200_000,
        help="About how many activities each input yields (default 200,000).",
    )
    parser.add_argument(
        "--connectors",
        default=",".join(CONNECTORS),
        help=f"Which to run, comma-separated (default: {','.join(CONNECTORS)}).",
    )
    parser.add_argument(
        "--database", default=None, help="A PostgreSQL server URL (default: a SQLite file)."
    )
    parser.add_argument("--json", action="store_true", help="Also print the figures as JSON.")
    parser.add_argument("--worker", default=None, help=f"(internal) {json.__name__} job file")


def _generate(connector: str, workdir: Path, activities: int) -> Path:
    """Write an input of about `activities` activities for `connector`; returns its path."""
    if connector == "slack-export":
        from townhall.connectors.slack.sample import generate as slack

        path = workdir / "slack-export.zip"
        # About 1.3 activities per message (reactions, mentions, thread answers).
        slack(path, messages=int(activities / 1.3))
        return path
    if connector == "stackexchange-dump":
        from townhall.connectors.stackexchange.sample import write_dump

        # The docs' mix: 285,041 activities from 100k posts and 150k comments.
        scale = activities / 285_000
        return write_dump(
            workdir / "stackexchange",
            questions=int(40_000 * scale),
            answers=int(60_000 * scale),
            comments=int(150_000 * scale),
            users=max(50, int(20_000 * scale)),
        )
    if connector == "gharchive":
        from townhall.connectors.github.sample import generate as gharchive

        # About 0.82 activities per event with the 2024 mix of event types.
        events = int(activities / 0.82)
        folder = workdir / "gharchive"
        gharchive(folder, events=events, hours=max(1, events // 100_000))
        return folder
    raise CommandError(f"unknown connector {connector!r}; known: {', '.join(CONNECTORS)}")


def run_from_options(options: dict[str, Any]) -> None:
    if options["worker"]:
        _work(Path(options["worker"]))
        return
    connectors = [name.strip() for name in options["connectors"].split(",") if name.strip()]
    unknown = sorted(set(connectors) - set(CONNECTORS))
    if unknown:
        raise CommandError(f"unknown connector(s) {unknown}; known: {', '.join(CONNECTORS)}")
    console = Console()
    database = options["database"]
    engine = engine_of(database) if database else "sqlite"
    with tempfile.TemporaryDirectory(prefix="townhall-bench-connectors-") as tmp:
        workdir = Path(tmp)
        inputs = {}
        for connector in connectors:
            with console.status(f"Generating the {connector} input (not timed)…"):
                started = time.perf_counter()
                inputs[connector] = str(_generate(connector, workdir, options["activities"]))
            console.print(f"{connector}: input written in {time.perf_counter() - started:.1f} s")
        try:
            with fresh_database(database, workdir) as url:
                figures = _run_worker(url, workdir, inputs, console)
        except BenchDatabaseError as error:
            raise CommandError(str(error)) from None
    _report(console, figures, engine)
    if options["json"]:
        console.print_json(json.dumps(figures))


def _run_worker(
    url: str, workdir: Path, inputs: dict[str, str], console: Console
) -> list[dict[str, Any]]:
    job = workdir / "job.json"
    job.write_text(json.dumps(inputs))
    env = {
        **os.environ,
        "TOWNHALL_DATABASE_URL": url,
        "TOWNHALL_DATA_DIR": str(workdir / "data"),
        "PYTHONUNBUFFERED": "1",
    }
    command = [sys.executable, "-m", "townhall", "bench", "connectors", "--worker", str(job)]
    figures: list[dict[str, Any]] = []
    with tempfile.TemporaryFile() as errors:
        worker = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=errors, env=env)
        assert worker.stdout is not None
        status = console.status("Migrating the fresh database…")
        status.start()
        try:
            for raw in worker.stdout:
                event = json.loads(raw)
                if event["event"] == "phase":
                    status.update(event["label"])
                elif event["event"] == "result":
                    figures.append(event["figures"])
                    console.print(_line(event["figures"]))
        finally:
            status.stop()
        if worker.wait() != 0:
            errors.seek(0)
            detail = errors.read().decode(errors="replace").strip()[-3000:]
            raise CommandError(f"the benchmark worker failed:\n{detail}")
    return figures


def _emit(event: str, **data: Any) -> None:
    sys.stdout.write(json.dumps({"event": event, **data}) + "\n")
    sys.stdout.flush()


def _work(job: Path) -> None:
    """In the child: migrate, then read and import each input; print figures as JSON lines."""
    from django.core.management import call_command

    from townhall.connectors import registry
    from townhall.connectors.services import file_plan
    from townhall.core.services.imports import run_plan

    call_command("migrate", verbosity=0, interactive=False)
    for connector, path in json.loads(job.read_text()).items():
        source_class = registry.get(connector)
        _emit("phase", label=f"{connector}: reading alone…")
        source = source_class(source_class.config_from_target(path))
        started, cpu = time.perf_counter(), time.process_time()
        records = sum(1 for _ in source.read())
        read_seconds = time.perf_counter() - started
        _emit("phase", label=f"{connector}: importing…")
        started, cpu = time.perf_counter(), time.process_time()
        _run, result = run_plan(file_plan(source_class(source_class.config_from_target(path))))
        import_seconds = time.perf_counter() - started
        import_cpu = time.process_time() - cpu
        _emit(
            "result",
            figures={
                "connector": connector,
                "records": records,
                "read_seconds": round(read_seconds, 2),
                "read_per_second": round(records / read_seconds),
                "created": result.created,
                "quarantined": result.quarantined,
                "members_created": result.members_created,
                "import_seconds": round(import_seconds, 2),
                "import_cpu_seconds": round(import_cpu, 2),
                "import_per_second": round(result.read / import_seconds),
            },
        )


def _line(figures: dict[str, Any]) -> str:
    return (
        f"{figures['connector']}: {figures['records']:,} records read in "
        f"{figures['read_seconds']} s; imported in {figures['import_seconds']} s"
    )


def _report(console: Console, figures: list[dict[str, Any]], engine: str) -> None:
    table = Table(title=f"Connector imports on {engine}", title_justify="left")
    for column in ("connector", "records", "read", "read/s", "import", "import/s", "new people"):
        table.add_column(column, justify="left" if column == "connector" else "right")
    for row in figures:
        table.add_row(
            row["connector"],
            f"{row['records']:,}",
            f"{row['read_seconds']:.1f} s",
            f"{row['read_per_second']:,}",
            f"{row['import_seconds']:.1f} s",
            f"{row['import_per_second']:,}",
            f"{row['members_created']:,}",
        )
    console.print(table)
    console.print(
        "read: the connector's read() alone, no database; import: the whole "
        "`townhall ingest`, reading included. Quarantined: "
        + ", ".join(f"{row['connector']} {row['quarantined']:,}" for row in figures)
    )


register(Benchmark(name="connectors", help=HELP, add_arguments=add_arguments, run=run_from_options))
