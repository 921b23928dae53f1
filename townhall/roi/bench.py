"""`townhall bench roi`: the full ROI report on a large generated CRM.

Generates (not timed) accounts, contacts, deals, renewals, tickets and the community
activity of the contacts who take part, into a fresh SQLite file (or the PostgreSQL
database `--database` names, created and dropped), then times each stage of
`all_findings`: the engagement index, sales, retention and the tickets' difference in
differences, and prints the findings. Target on the 2-core machine: 100,000 accounts,
1M contacts, 300,000 deals and 1M tickets in ≤ 60 s.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from argparse import SUPPRESS, ArgumentParser
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np

from townhall.core.bench import Benchmark, register

HELP = "time the ROI report on a generated CRM (accounts, contacts, deals, tickets)"


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--accounts", type=int, default=100_000)
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--deals", type=int, default=300_000)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--bootstrap", type=int, default=200, help="resamples below 20,000 rows")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--worker", action="store_true", help=SUPPRESS)


def run_from_options(options: dict[str, Any]) -> None:
    if options["worker"]:
        _worker(options)
        return
    from rich.console import Console
    from rich.table import Table

    console = Console()
    with tempfile.TemporaryDirectory(prefix="townhall-bench-roi-") as directory:
        env = {
            **os.environ,
            "TOWNHALL_DATABASE_URL": f"sqlite:///{Path(directory) / 'bench.sqlite3'}",
            "TOWNHALL_DATA_DIR": directory,
        }
        command = [sys.executable, "-m", "townhall", "bench", "roi", "--worker"]
        for name in ("accounts", "contacts", "deals", "tickets", "bootstrap", "seed"):
            command += [f"--{name}", str(options[name])]
        console.print(
            f"Generating {options['accounts']:,} accounts, {options['contacts']:,} contacts, "
            f"{options['deals']:,} deals and {options['tickets']:,} tickets (not timed)…"
        )
        output = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    figures = json.loads(output.stdout.strip().splitlines()[-1])
    table = Table(title="townhall bench roi")
    table.add_column("stage")
    table.add_column("seconds", justify="right")
    for stage, seconds in figures["stages"].items():
        table.add_row(stage, f"{seconds:.1f}")
    table.add_row("[bold]report total[/]", f"[bold]{figures['total']:.1f}[/]")
    console.print(table)
    console.print(f"generation: {figures['generate']:.0f} s; rows: {figures['rows']}")
    console.print(f"peak memory of the worker: {figures['peak_mib']:.0f} MiB (ru_maxrss)")
    for sentence in figures["findings"]:
        console.print(f"· {sentence}")


def _worker(options: dict[str, Any]) -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    rows = generate(
        accounts=options["accounts"],
        contacts=options["contacts"],
        deals=options["deals"],
        tickets=options["tickets"],
        seed=options["seed"],
    )
    generated = time.perf_counter() - started

    from townhall.roi.analyses import retention_findings, sales_findings, ticket_did, tickets_frame
    from townhall.roi.cohorts import cohort_rules, engagement_index

    stages: dict[str, float] = {}
    as_of, rules, n = date(2025, 12, 31), cohort_rules(), options["bootstrap"]

    def timed(name: str, work: Any) -> Any:
        begin = time.perf_counter()
        value = work()
        stages[name] = time.perf_counter() - begin
        return value

    index = timed("engagement index", engagement_index)
    tickets = timed("tickets read", tickets_frame)
    findings = timed(
        "sales (3 questions × 2 cohorts)",
        lambda: sales_findings(index, rules, as_of, n_bootstrap=n, tickets=tickets),
    )
    findings += timed(
        "retention", lambda: retention_findings(index, rules, as_of, n_bootstrap=n, tickets=tickets)
    )
    findings.append(
        timed(
            "tickets, difference in differences",
            lambda: ticket_did(index, n_bootstrap=n, tickets=tickets),
        )
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "stages": stages,
                "total": sum(stages.values()),
                "generate": generated,
                "rows": rows,
                "peak_mib": peak,
                "findings": [f.sentence for f in findings],
            }
        )
    )


def generate(
    *, accounts: int, contacts: int, deals: int, tickets: int, seed: int
) -> dict[str, int]:
    """A confounded CRM (bigger accounts join more, buy more, file more tickets) with the
    community activity of the contacts who take part, written in bulk."""
    from townhall.core.models import Activity, ActivityKind, Identity, Member, Organization, Source
    from townhall.crm.models import Account, Contact, Deal, Renewal, Ticket

    rng = np.random.default_rng(seed)
    start = date(2024, 1, 1)
    size = rng.normal(0, 1, accounts)
    joins = rng.random(accounts) < 1 / (1 + np.exp(-(-0.8 + 1.2 * size)))
    join_day = np.where(joins, rng.integers(30, 600, accounts), 10**6)
    segments = np.where(size > 0.8, "Enterprise", np.where(size > -0.4, "Mid-market", "SMB"))
    industries = rng.choice(["Software", "Retail", "Finance", "Health"], accounts)
    organizations = Organization.objects.bulk_create(
        [Organization(name=f"Org {i}", domain=f"o{i}.example") for i in range(accounts)],
        batch_size=5000,
    )
    account_rows = Account.objects.bulk_create(
        [
            Account(
                system="bench",
                external_id=f"A{i}",
                name=f"Org {i}",
                domain=f"o{i}.example",
                segment=str(segments[i]),
                industry=str(industries[i]),
                region="EU",
                employees=int(np.exp(4 + size[i])),
                arr=Decimal(int(20000 * np.exp(size[i]))),
                arr_base=Decimal(int(20000 * np.exp(size[i]))),
                currency="USD",
                created_on=start - timedelta(days=int(rng.integers(30, 900))),
                organization=organizations[i],
            )
            for i in range(accounts)
        ],
        batch_size=5000,
    )
    ids = np.array([a.pk for a in account_rows])
    # Contacts: each account gets its share; the contacts of joining accounts take part
    # (one in eight), each with a few activities after the account's join day.
    owner = rng.integers(0, accounts, contacts)
    in_community = joins[owner] & (rng.random(contacts) < 0.125)
    source, _ = Source.objects.get_or_create(slug="community", defaults={"name": "Community"})
    kind, _ = ActivityKind.objects.get_or_create(slug="reply")
    members = Member.objects.bulk_create(
        [Member(display_name=f"P{c}") for c in np.flatnonzero(in_community)], batch_size=5000
    )
    identities = Identity.objects.bulk_create(
        [Identity(source=source, external_id=f"p{m.pk}", member=m) for m in members],
        batch_size=5000,
    )
    member_of = dict(zip(np.flatnonzero(in_community).tolist(), members, strict=True))
    Contact.objects.bulk_create(
        [
            Contact(
                system="bench",
                external_id=f"C{c}",
                account_id=int(ids[owner[c]]),
                email=f"c{c}@o{owner[c]}.example",
                member=member_of.get(c),
            )
            for c in range(contacts)
        ],
        batch_size=10000,
    )
    activities = []
    for identity, c in zip(identities, np.flatnonzero(in_community), strict=True):
        first = int(join_day[owner[c]])
        # About two activities a month from the account's join day to the end of 2025.
        for k in range(int(rng.poisson(max(730 - first, 0) / 15))):
            day = start + timedelta(days=first + int(rng.integers(0, max(730 - first, 1))))
            activities.append(
                Activity(
                    source=source,
                    external_id=f"a{identity.pk}-{k}",
                    kind=kind,
                    occurred_at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
                    member_id=identity.member_id,
                    identity=identity,
                )
            )
    Activity.objects.bulk_create(activities, batch_size=10000)
    deal_account = rng.integers(0, accounts, deals)
    created = rng.integers(0, 700, deals)
    active = join_day[deal_account] < created
    won = rng.random(deals) < 1 / (1 + np.exp(-(0.4 * size[deal_account] + 0.4 * active)))
    length = np.maximum(5, rng.normal(60 + 10 * size[deal_account] - 8 * active, 12)).astype(int)
    Deal.objects.bulk_create(
        [
            Deal(
                system="bench",
                external_id=f"D{d}",
                account_id=int(ids[deal_account[d]]),
                amount=Decimal(int(9000 * np.exp(0.5 * size[deal_account[d]]))),
                amount_base=Decimal(int(9000 * np.exp(0.5 * size[deal_account[d]]))),
                status="won" if won[d] else "lost",
                created_on=start + timedelta(days=int(created[d])),
                closed_on=start + timedelta(days=int(created[d] + length[d])),
            )
            for d in range(deals)
        ],
        batch_size=10000,
    )
    renew_start = rng.integers(0, 365, accounts)
    renewed = rng.random(accounts) < 1 / (
        1 + np.exp(-(1 - 0.3 * size + 0.5 * (join_day < renew_start)))
    )
    Renewal.objects.bulk_create(
        [
            Renewal(
                system="bench",
                external_id=f"R{i}",
                account_id=int(ids[i]),
                period_start=start + timedelta(days=int(renew_start[i])),
                period_end=start + timedelta(days=int(renew_start[i]) + 364),
                outcome="renewed" if renewed[i] else "churned",
            )
            for i in range(accounts)
        ],
        batch_size=10000,
    )
    ticket_account = rng.choice(accounts, tickets, p=np.exp(0.6 * size) / np.exp(0.6 * size).sum())
    ticket_day = rng.integers(0, 730, tickets)
    Ticket.objects.bulk_create(
        [
            Ticket(
                system="bench",
                external_id=f"T{t}",
                account_id=int(ids[ticket_account[t]]),
                created_at=datetime(2024, 1, 1, 9, tzinfo=UTC) + timedelta(days=int(ticket_day[t])),
            )
            for t in range(tickets)
        ],
        batch_size=10000,
    )
    return {
        "accounts": accounts,
        "contacts": contacts,
        "members": len(members),
        "activities": len(activities),
        "deals": deals,
        "renewals": accounts,
        "tickets": tickets,
    }


register(Benchmark(name="roi", help=HELP, add_arguments=add_arguments, run=run_from_options))
