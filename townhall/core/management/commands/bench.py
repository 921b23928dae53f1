"""`townhall bench <benchmark>`: run a benchmark and print its figures.

Benchmarks live in each app's `bench` module and register themselves
(`townhall.core.bench.register`); `townhall bench --help` lists the ones installed.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils.module_loading import autodiscover_modules

from townhall.core.bench import REGISTRY


class Command(BaseCommand):
    help = (
        "Run a benchmark and print its figures, e.g. `townhall bench ingest --activities 1000000`."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        autodiscover_modules("bench")
        benchmarks = parser.add_subparsers(dest="benchmark", required=True, metavar="BENCHMARK")
        for benchmark in sorted(REGISTRY.values(), key=lambda b: b.name):
            sub = benchmarks.add_parser(
                benchmark.name, help=benchmark.help, description=benchmark.help
            )
            benchmark.add_arguments(sub)

    def handle(self, *args: Any, benchmark: str, **options: Any) -> None:
        REGISTRY[benchmark].run(options)
