"""`townhall community ...`: demo content, the community's periodic jobs, reputation, email.

seed-demo     fill the community space with demo content
deflections   record self-service for question drafts whose window has passed
views         put members' topic views in the activity stream
reindex       rebuild the full-text index (SQLite; PostgreSQL's is always current)
reputation    --rebuild: derive the points ledger again
digest        send the daily email digest
follow-merges move the content of members merged before merges moved it (safe to repeat)
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from townhall.community.demo import seed_community
from townhall.community.search_schema import rebuild_search_index
from townhall.community.services import record_deflections, record_view_activities
from townhall.community.services.email import send_digests
from townhall.community.services.member_merges import follow_earlier_merges
from townhall.community.services.reputation import rebuild_reputation


class Command(BaseCommand):
    help = (
        "Community space tasks: seed-demo, deflections, views, reindex, reputation, digest, "
        "follow-merges."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        seed = sub.add_parser(
            "seed-demo", help="Seed demo boards and topics from the existing members."
        )
        seed.add_argument("--seed", type=int, default=7)
        sub.add_parser(
            "deflections",
            help="Record a self-served activity for each abandoned question draft whose "
            "author opened a suggested question (run every few minutes; safe to repeat).",
        )
        sub.add_parser(
            "views", help="Record members' topic views as `viewed` activities (safe to repeat)."
        )
        sub.add_parser("reindex", help="Rebuild the full-text search index from the posts.")
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
        sub.add_parser(
            "follow-merges",
            help="Move topics, replies, likes… of members merged before merges moved them "
            "to the member kept (safe to repeat).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "seed-demo":
            result = seed_community(options["seed"])
            self.stdout.write(f"community demo: {result}")
        elif action == "deflections":
            counts = record_deflections()
            self.stdout.write(
                f"drafts closed: {counts['self_served']} self-served (activity recorded), "
                f"{counts['posted']} posted a question, {counts['empty']} without an open suggestion"
            )
        elif action == "follow-merges":
            moved = follow_earlier_merges()
            self.stdout.write(f"merges whose community content moved to the member kept: {moved}")
        elif action == "views":
            total = 0
            while recorded := record_view_activities():
                total += recorded
            self.stdout.write(f"views recorded as activities: {total}")
        elif action == "reindex":
            rebuild_search_index(connection)
            self.stdout.write(f"search index rebuilt ({connection.vendor})")
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
