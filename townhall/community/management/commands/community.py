"""`townhall community ...`: demo content and the community's periodic jobs.

seed-demo     fill the community space with demo content
deflections   record self-service for question drafts whose window has passed
views         put members' topic views in the activity stream
reindex       rebuild the full-text index (SQLite; PostgreSQL's is always current)
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from townhall.community.demo import seed_community
from townhall.community.search_schema import rebuild_search_index
from townhall.community.services import record_deflections, record_view_activities


class Command(BaseCommand):
    help = "Community space tasks: seed-demo, deflections, views, reindex."

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

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "seed-demo":
            self.stdout.write(f"community demo: {seed_community(options['seed'])}")
        elif action == "deflections":
            counts = record_deflections()
            self.stdout.write(
                f"drafts closed: {counts['self_served']} self-served (activity recorded), "
                f"{counts['posted']} posted a question, {counts['empty']} without an open suggestion"
            )
        elif action == "views":
            total = 0
            while recorded := record_view_activities():
                total += recorded
            self.stdout.write(f"views recorded as activities: {total}")
        elif action == "reindex":
            rebuild_search_index(connection)
            self.stdout.write(f"search index rebuilt ({connection.vendor})")
