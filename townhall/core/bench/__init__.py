"""Benchmarks behind `townhall bench <name>`: a registry any app can add to.

The `bench` command imports every installed app's `bench` module (as the admin does
with `admin.py`), so an app registers its benchmarks there — `townhall.analytics.bench`
can add `bench analytics` without core knowing about it.
"""

from __future__ import annotations

from argparse import ArgumentParser
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Benchmark:
    """One `townhall bench <name>` subcommand: its arguments and what runs it."""

    name: str
    help: str
    add_arguments: Callable[[ArgumentParser], None]
    run: Callable[[dict[str, Any]], None]


REGISTRY: dict[str, Benchmark] = {}


def register(benchmark: Benchmark) -> Benchmark:
    """Make a benchmark available as `townhall bench <benchmark.name>`."""
    REGISTRY[benchmark.name] = benchmark
    return benchmark


def _register_core() -> None:
    # Imported here, not at the top, so the registry exists before the modules that use it.
    from townhall.core.bench import ingest

    register(
        Benchmark(
            name="ingest",
            help=ingest.HELP,
            add_arguments=ingest.add_arguments,
            run=ingest.run_from_options,
        )
    )


_register_core()
