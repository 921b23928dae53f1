"""`townhall community ...`: demo content, the reputation ledger, the daily email digest."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from townhall.community.demo import seed_community
from townhall.community.services.email import send_digests
from townhall.community.services.reputation import rebuild_reputation


class Command(BaseCommand):
    help = (
        "Community space tasks: `seed-demo` adds boards, questions, ideas and articles for the "
        "demo; `reputation --rebuild` derives the points ledger again; `digest` sends the "
        "daily email digest."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        seed = sub.add_parser(
            "seed-demo", help="Seed demo boards and topics from the existing members."
        )
        seed.add_argument("--seed", type=int, default=7)
        reputation = sub.add_parser(
            "reputation", help="Reputation ledger; --rebuild derives it again from the database."
        )
        reputation.add_argument(
            "--rebuild",
            action="store_true",
            help="Replace the ledger and totals with what likes, solutions, votes, shipped "
            "ideas and helpful answers earn under today's points table.",
        )
        sub.add_parser(
            "digest", help="Email the daily digest to members who chose it (safe to run twice)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "seed-demo":
            result = seed_community(options["seed"])
            self.stdout.write(f"community demo: {result}")
        elif action == "reputation":
            if not options["rebuild"]:
                raise CommandError("Say what to do: `townhall community reputation --rebuild`.")
            summary = rebuild_reputation()
            self.stdout.write(
                f"reputation rebuilt: {summary.events} ledger rows, {summary.points} points "
                f"for {summary.members} members, {summary.badges} missing badges awarded"
            )
        elif action == "digest":
            digest = send_digests()
            self.stdout.write(
                f"digest: {digest.emails} emails with {digest.notifications} notifications "
                f"({digest.members} members chose the daily digest)"
            )
