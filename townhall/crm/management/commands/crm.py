"""`townhall crm import FORMAT PATH` and `townhall crm link`: CRM exports into Townhall."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from townhall.core.services.imports import SourceFailure
from townhall.crm.importers import FORMATS
from townhall.crm.importers.tables import ExportError
from townhall.crm.pulls import HubSpotConfig, SalesforceConfig, hubspot_tables, salesforce_tables
from townhall.crm.services.imports import ImportSummary, import_export, import_tables
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
        pull = sub.add_parser("pull", help="pull from the Salesforce or HubSpot REST API")
        pull.add_argument("api", choices=["salesforce", "hubspot"])
        pull.add_argument(
            "config", type=Path, help="JSON config with the credentials (docs/crm.md)"
        )
        pull.add_argument("--no-link", action="store_true", help="do not link afterwards")
        sub.add_parser("link", help="link contacts to members and accounts to organizations")

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console(file=cast(IO[str], self.stdout._out), highlight=False)
        if options["action"] in ("import", "pull"):
            try:
                summary = self._import(options)
            except (ExportError, SourceFailure, ValidationError, OSError, ValueError) as error:
                raise CommandError(str(error)) from None
            self._print_summary(console, summary, options)
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

    def _import(self, options: dict[str, Any]) -> ImportSummary:
        if options["action"] == "import":
            return import_export(
                options["format"],
                options["path"],
                system=options["system"],
                mapping=options["mapping"],
            )
        config = json.loads(options["config"].read_text(encoding="utf-8"))
        if options["api"] == "salesforce":
            tables = salesforce_tables(SalesforceConfig.model_validate(config))
        else:
            tables = hubspot_tables(HubSpotConfig.model_validate(config))
        return import_tables(
            tables,
            system=options["api"],
            origin=f"{options['api']}-api",
            connector=f"crm-{options['api']}-api",
        )

    def _print_summary(
        self, console: Console, summary: ImportSummary, options: dict[str, Any]
    ) -> None:
        table = Table(title=f"Imported {options.get('path') or options.get('api')}")
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
