"""`townhall crm import FORMAT PATH` and `townhall crm link`: CRM exports into Townhall."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.table import Table

from townhall.crm.importers import FORMATS
from townhall.crm.importers.tables import ExportError
from townhall.crm.services.imports import import_export
from townhall.crm.services.linking import link_all


class Command(BaseCommand):
    help = "Import CRM and help-desk exports, and link them to members and organizations."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("import", help="import an export (a CSV file or a directory of them)")
        run.add_argument("format", choices=[*FORMATS, "csv"])
        run.add_argument("path", type=Path)
        run.add_argument("--mapping", type=Path, help="for csv: the mapping file (docs/crm.md)")
        run.add_argument("--system", help="where the ids come from (default: the format)")
        run.add_argument("--no-link", action="store_true", help="do not link afterwards")
        sub.add_parser("link", help="link contacts to members and accounts to organizations")

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console(file=cast(IO[str], self.stdout._out), highlight=False)
        if options["action"] == "import":
            try:
                summary = import_export(
                    options["format"],
                    options["path"],
                    system=options["system"],
                    mapping=options["mapping"],
                )
            except ExportError as error:
                raise CommandError(str(error)) from None
            table = Table(title=f"Imported {options['path']}")
            for column in ("records", "created", "updated", "quarantined"):
                table.add_column(column, justify="right" if column != "records" else "left")
            kinds = sorted(set(summary.created) | set(summary.updated) | set(summary.quarantined))
            for kind in kinds:
                table.add_row(
                    kind,
                    f"{summary.created[kind]:,}",
                    f"{summary.updated[kind]:,}",
                    f"{summary.quarantined[kind]:,}",
                )
            console.print(table)
            for name, columns in summary.unknown_columns.items():
                console.print(f"{name}: kept as properties (not mapped): {', '.join(columns)}")
            for code, count in summary.unconverted.items():
                console.print(
                    f"{count:,} amounts in {code or 'no currency'} have no exchange rate: "
                    "set TOWNHALL_CRM_RATES to count them in money figures"
                )
            if sum(summary.quarantined.values()):
                console.print("Quarantined rows and their reasons: townhall quarantine list")
            if options["no_link"]:
                return
        result = link_all()
        console.print(
            f"Contacts: {result.contacts_linked:,} linked to members, "
            f"{result.contacts_ambiguous:,} ambiguous (to review), "
            f"{result.contacts_unlinked:,} not in the community. "
            f"Accounts: {result.accounts_linked:,} linked to organizations, "
            f"{result.accounts_ambiguous:,} to review, {result.accounts_unlinked:,} unmatched."
        )
