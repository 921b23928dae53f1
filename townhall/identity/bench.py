"""`townhall bench identity --identities N`: how long resolution takes at scale.

Generates a labelled community (the evaluation generator, scaled up) in memory — not
timed — and times resolution's stages: profiles, scoring candidate pairs, joining
groups, over all rounds. It also reports the quality on that set, so speed is never
bought with wrong merges unseen. Merges are not written to a database here;
`merge_members_bulk` is measured by `townhall identity resolve` itself.
"""

from __future__ import annotations

import resource
import time
from argparse import ArgumentParser
from typing import Any

from rich.console import Console
from rich.table import Table

from townhall.core.bench import Benchmark, register
from townhall.identity.evalset import account_facts, generate
from townhall.identity.evaluation import pairwise_score
from townhall.identity.resolve import resolve

HELP = "Time identity resolution over N generated identities (profiles, scoring, joining) and score it."
IDENTITIES_PER_PERSON = 2.4  # the generator's average accounts per person


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument(
        "--identities", type=int, default=100_000, help="About how many identities."
    )
    parser.add_argument("--seed", type=int, default=11)


def run_from_options(options: dict[str, Any]) -> None:
    console = Console()
    people = max(10, int(options["identities"] / IDENTITIES_PER_PERSON))
    with console.status(f"Generating {people:,} people…"):
        started = time.perf_counter()
        evalset = generate(people, options["seed"])
        accounts = account_facts(evalset)
        generated = time.perf_counter() - started
    facts = list(accounts.values())
    timings: dict[str, float] = {}
    with console.status(f"Resolving {len(facts):,} identities…"):
        started = time.perf_counter()
        resolution = resolve(facts, timings=timings)
        total = time.perf_counter() - started
    truth = {account.member_id: evalset.truth[key] for key, account in accounts.items()}
    score = pairwise_score(resolution.group_of, truth)
    table = Table(
        title=f"Identity resolution, {len(facts):,} identities of {people:,} people",
        title_justify="left",
    )
    table.add_column("stage")
    table.add_column("seconds", justify="right")
    table.add_row("generate the set (not counted)", f"{generated:.1f}")
    for stage in ("profiles", "scoring", "joining"):
        table.add_row(stage, f"{timings.get(stage, 0.0):.1f}")
    table.add_row("[bold]resolution in all", f"[bold]{total:.1f}")
    console.print(table)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    console.print(
        f"{len(facts) / total:,.0f} identities/s · {resolution.rounds} rounds · "
        f"{resolution.pairs_compared:,} pairs above the review threshold · {len(resolution.merges):,} merges · "
        f"{len(resolution.suggestions):,} suggestions · peak memory {peak:,.0f} MiB"
    )
    console.print(
        f"quality: precision {score.precision:.3f} · recall {score.recall:.3f} · F1 {score.f1:.3f}"
    )


register(Benchmark(name="identity", help=HELP, add_arguments=add_arguments, run=run_from_options))
