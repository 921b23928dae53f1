"""`townhall quarantine list|summary|resolve`: the records imports could not take."""

from __future__ import annotations

from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count, QuerySet
from django.utils import timezone
from rich.console import Console
from rich.table import Table

from townhall.core.cli.progress import err_console
from townhall.core.models import QuarantinedRecord


class Command(BaseCommand):
    help = "List, summarise or resolve quarantined records."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="Show quarantined records with their reasons.")
        summary = sub.add_parser("summary", help="Count quarantined records by origin and reason.")
        resolve = sub.add_parser("resolve", help="Mark records as dealt with.")
        for p in (listing, summary, resolve):
            p.add_argument("--origin", default="", help="Only records from this file or origin.")
            p.add_argument("--all", action="store_true", help="Include resolved records.")
        listing.add_argument("--limit", type=int, default=50)
        listing.add_argument("--raw", action="store_true", help="Show each record's raw text.")
        resolve.add_argument(
            "ids", nargs="*", type=int, help="Record ids (default: all that match)."
        )

    def records(self, options: dict[str, Any]) -> QuerySet[QuarantinedRecord]:
        records = QuarantinedRecord.objects.all()
        if options["origin"]:
            records = records.filter(origin__endswith=options["origin"])
        if not options["all"]:
            records = records.filter(resolved_at__isnull=True)
        return records

    def handle(self, *args: Any, **options: Any) -> None:
        records = self.records(options)
        if options["action"] == "list":
            # One block per record: origins and reasons are long, a table would wrap them.
            for record in records.order_by("id")[: options["limit"]]:
                state = " (resolved)" if record.resolved_at else ""
                self.stdout.write(f"#{record.pk} {record.origin} at {record.position}{state}")
                self.stdout.write(f"    {record.reason}")
                if options["raw"]:
                    self.stdout.write(f"    raw: {record.raw[:500]}")
            err_console.print(f"{records.count():,} quarantined record(s) match.")
        elif options["action"] == "summary":
            table = Table("origin", "reason", "records")
            for row in (
                records.values("origin", "reason").annotate(n=Count("id")).order_by("-n")[:100]
            ):
                table.add_row(row["origin"], row["reason"][:120], f"{row['n']:,}")
            self.console().print(table)
        else:
            if options["ids"]:
                records = records.filter(pk__in=options["ids"])
            elif not options["origin"]:
                raise CommandError("name record ids or an --origin to resolve")
            count = records.update(resolved_at=timezone.now())
            self.stdout.write(f"Resolved {count} record(s).")

    def console(self) -> Console:
        # Write through the command's own stdout so call_command(stdout=...) captures it.
        return Console(file=cast(IO[str], self.stdout._out), width=200)
