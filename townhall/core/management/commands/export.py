"""`townhall export members|activities --format jsonl|csv [--output FILE] [--segment SLUG]`."""

from __future__ import annotations

import csv
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, cast

import msgspec
from django.core.management.base import BaseCommand, CommandError, CommandParser

from townhall.core.cli.progress import err_console, progress_bar
from townhall.core.models import Activity, Segment
from townhall.core.services.export import activity_rows, export_members, member_rows

MEMBER_CSV_COLUMNS = [
    "id",
    "name",
    "email",
    "organization",
    "role",
    "is_employee",
    "is_bot",
    "identities",
    "score",
    "love",
    "reach",
    "level",
    "is_superuser",
    "trend",
    "channel_levels",
]


class Command(BaseCommand):
    help = "Export members (with identities) or activities (in the import format)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["members", "activities"])
        parser.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
        parser.add_argument(
            "--output", "-o", type=Path, help="File to write (default: standard output)."
        )
        parser.add_argument(
            "--segment", default="", help="Members only: just this segment's (its slug)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        what, fmt = options["what"], options["format"]
        if what == "activities" and fmt == "csv":
            raise CommandError("activities export as jsonl only (the import format)")
        segment = options["segment"]
        if segment and what != "members":
            raise CommandError("--segment applies to members only")
        if segment and not Segment.objects.filter(slug=segment).exists():
            raise CommandError(f"No segment {segment!r}; see /analytics/segments/ for the slugs")
        rows = member_rows(segment) if what == "members" else activity_rows()
        total = (export_members(segment) if what == "members" else Activity.objects.all()).count()
        output: Path | None = options["output"]
        quiet = output is None or options["verbosity"] == 0
        # The command's own stdout (not sys.stdout) so call_command(stdout=...) captures it.
        handle: IO[str] = (
            output.open("w", encoding="utf-8", newline="")
            if output
            else cast(IO[str], self.stdout._out)
        )
        try:
            with progress_bar(f"Exporting {what}", total=total, quiet=quiet) as (bar, task):
                written = self.write(rows, fmt, handle, advance=lambda: bar.advance(task))
        except BrokenPipeError:
            # The reader went away (`| head`): stop quietly, like other Unix tools.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return
        finally:
            if output:
                handle.close()
        if output and options["verbosity"]:
            err_console.print(f"Wrote {written:,} {what} to {output}.")

    def write(
        self, rows: Iterator[dict[str, Any]], fmt: str, handle: IO[str], *, advance: Any
    ) -> int:
        written = 0
        encoder = msgspec.json.Encoder()
        writer = csv.DictWriter(handle, MEMBER_CSV_COLUMNS) if fmt == "csv" else None
        if writer:
            writer.writeheader()
        for row in rows:
            if writer:
                identities = "; ".join(
                    f"{i['source']}:{i['username'] or i['external_id']}" for i in row["identities"]
                )
                # Per-source levels in one cell: "github:Champion; slack:Participant".
                channel_levels = "; ".join(f"{c['source']}:{c['level']}" for c in row["channels"])
                fields = {k: v for k, v in row.items() if k != "channels"}
                writer.writerow(
                    {**fields, "identities": identities, "channel_levels": channel_levels}
                )
            else:
                handle.write(encoder.encode(row).decode())
                handle.write("\n")
            written += 1
            advance()
        return written
