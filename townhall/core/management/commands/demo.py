"""`townhall demo`: a running Townhall full of a believable community, in one command.

Migrates the database, seeds the demo community (docs/demo.md) unless it is already
there, prints a login, and serves the site on http://127.0.0.1:8000.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from townhall.core.cli.progress import err_console, progress_bar, summary_table
from townhall.core.demo import DEFAULT_SEED, DemoCommunity, DemoSize, generate
from townhall.core.demo.seed import (
    DemoLogin,
    DemoSummary,
    ensure_demo_admin,
    holds_other_data,
    seed_demo,
    seeded_with,
    summarize,
)


class Command(BaseCommand):
    help = "Seed a demo community (deterministic from --seed) and serve Townhall on 127.0.0.1."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help="seed of the generated community"
        )
        parser.add_argument(
            "--port", type=int, default=8000, help="port to serve on (default 8000)"
        )
        parser.add_argument(
            "--no-serve", action="store_true", help="seed, print the login and stop"
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="delete EVERYTHING in the database first (asks unless --no-input), then seed",
        )
        parser.add_argument("--no-input", action="store_true", help="do not ask before --reset")
        parser.add_argument(
            "--people",
            type=int,
            default=DemoSize.people,
            help=f"people (default {DemoSize.people})",
        )
        parser.add_argument(
            "--activities",
            type=int,
            default=DemoSize.activities,
            help=f"activities, at least (default {DemoSize.activities})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        err_console.print("[bold]Migrating[/bold] the database…")
        call_command("migrate", interactive=False, verbosity=0)
        if options["reset"]:
            self._reset(confirm=not options["no_input"])
        seed = options["seed"]
        community = None
        existing = seeded_with()
        if existing is not None:
            err_console.print(
                f"The demo community (seed {existing}) is already in the database; "
                "use --reset to seed it again."
            )
            summary = summarize(existing)
        elif holds_other_data():
            raise CommandError(
                "This database already holds activities that are not the demo's; not mixing the "
                "demo into them. Point TOWNHALL_DATABASE_URL (or TOWNHALL_DATA_DIR) at another "
                "database, or use --reset to wipe this one."
            )
        else:
            size = DemoSize(people=options["people"], activities=options["activities"])
            started = time.monotonic()
            community, summary = self._seed(seed, size)
            # Other apps finish the demo through their own commands (settings.DEMO_FOLLOW_UPS):
            # core cannot import them, and each step is what a user would run after an import.
            for command in settings.DEMO_FOLLOW_UPS:
                err_console.print(f"[bold]Running[/bold] townhall {' '.join(command)}…")
                call_command(*command, verbosity=0)
            summary = summarize(seed, seconds=time.monotonic() - started)
        login = ensure_demo_admin(community)
        self._print_summary(summary, login, people=len(community.people) if community else None)
        if not options["no_serve"]:
            # No autoreloader: its child process would run this command (and seed) again.
            call_command("runserver", f"127.0.0.1:{options['port']}", use_reloader=False)

    def _reset(self, *, confirm: bool) -> None:
        name = connection.settings_dict["NAME"]
        if confirm:
            answer = input(f"Delete ALL data in {name}? Type 'yes' to continue: ")
            if answer.strip().lower() != "yes":
                raise CommandError("Reset cancelled; nothing was deleted.")
        call_command("flush", interactive=False, verbosity=0)
        err_console.print(f"Emptied {name}.")

    def _seed(self, seed: int, size: DemoSize) -> tuple[DemoCommunity, DemoSummary]:
        if size.people <= DemoSize.employees or size.activities < 1:
            raise CommandError(
                f"--people must be above {DemoSize.employees} and --activities positive"
            )
        with err_console.status(f"Generating the demo community (seed {seed})…"):
            community = generate(seed, size=size)
        with progress_bar("Seeding activities", len(community.records)) as (progress, task):
            summary = seed_demo(community, on_progress=lambda n: progress.advance(task, n))
        return community, summary

    def _print_summary(self, summary: DemoSummary, login: DemoLogin, *, people: int | None) -> None:
        rows: list[tuple[str, object]] = [
            ("members (people as resolved so far)", summary.members),
            ("identities", summary.identities),
            ("activities", summary.activities),
            ("organizations", summary.organizations),
            ("sources", summary.sources),
            ("employees", summary.employees),
            ("bots", summary.bots),
        ]
        if people:
            rows.insert(1, ("people behind them (generated)", people))
        if summary.seconds:
            rows.append(
                (
                    "set up in (activities, resolution, community, analysis, ROI)",
                    f"{summary.seconds:.1f} s",
                )
            )
        err_console.print(summary_table(f"Demo community (seed {summary.seed})", rows))
        err_console.print(
            f"Log in as [bold]{login.email}[/bold] (admin site: user [bold]{login.username}[/bold]) "
            f"with password [bold]{login.password}[/bold] — a new one is set on every run."
        )
