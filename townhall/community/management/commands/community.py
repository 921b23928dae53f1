"""`townhall community seed-demo`: fill the community space with demo content."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from townhall.community.demo import seed_community


class Command(BaseCommand):
    help = "Community space tasks; `seed-demo` adds boards, questions, ideas and articles for the demo."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        seed = sub.add_parser(
            "seed-demo", help="Seed demo boards and topics from the existing members."
        )
        seed.add_argument("--seed", type=int, default=7)

    def handle(self, *args: Any, **options: Any) -> None:
        result = seed_community(options["seed"])
        self.stdout.write(f"community demo: {result}")
