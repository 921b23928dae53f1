"""`townhall sources`: the connectors this installation knows, and configured connections."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from rich.console import Console
from rich.table import Table

from townhall.connectors import registry
from townhall.connectors.models import Connection
from townhall.connectors.services import capabilities_of


class Command(BaseCommand):
    help = "List connectors (townhall ingest <name> <target>) and configured connections."

    def handle(self, *args: Any, **options: Any) -> None:
        console = Console(file=self.stdout._out, width=160)  # type: ignore[attr-defined]
        table = Table(
            "connector", "source slug", "capabilities", "what it reads", title="Connectors"
        )
        for source in registry.all_sources():
            doc = (source.__doc__ or "").strip().splitlines()[0] if source.__doc__ else source.label
            table.add_row(
                source.name, source.default_source, ", ".join(capabilities_of(source)), doc
            )
        console.print(table)
        connections = Connection.objects.all()
        if connections:
            table = Table(
                "connection", "connector", "enabled", "last sync", "last run", title="Connections"
            )
            for connection in connections:
                run = connection.runs().first()
                last = (
                    f"{run.status}: {run.created:,} new, {run.quarantined:,} quarantined"
                    if run
                    else "never"
                )
                synced = (
                    f"{connection.last_synced_at:%Y-%m-%d %H:%M}"
                    if connection.last_synced_at
                    else "—"
                )
                table.add_row(
                    connection.name,
                    connection.connector,
                    "yes" if connection.enabled else "no",
                    synced,
                    last,
                )
            console.print(table)
