"""A synthetic CRM with a known community effect, written to the database.

Bigger accounts join the community more often and also buy more, renew less often by
nature and file more tickets: the confounding a real company sees. Joining has true
effects the report should recover: win probability up, deals won `cycle_days_saved`
days sooner, and `tickets_drop` fewer tickets a month once the account's people are in.
Used by the ROI tests, `townhall bench roi` and the demo.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import numpy as np

from townhall.core.models import Organization
from townhall.core.records import ActivityRecord, Person
from townhall.core.services import ingest
from townhall.crm.models import Account, Deal, Renewal, Ticket
from townhall.crm.services.linking import link_all

SEGMENTS = ("SMB", "Mid-market", "Enterprise")
INDUSTRIES = ("Software", "Retail", "Finance", "Health", "Manufacturing")
REGIONS = ("North America", "Europe", "APAC")


@dataclass(frozen=True)
class Truth:
    join_share: float
    tickets_drop: float
    cycle_days_saved: float


def seed_crm(
    accounts: int = 300,
    *,
    seed: int = 0,
    start: date = date(2024, 1, 1),
    months: int = 24,
    tickets_drop: float = 0.6,
    cycle_days_saved: float = 12.0,
    system: str = "synthetic",
) -> Truth:
    """Create accounts (linked to organizations), community activity for the accounts that
    join, deals, renewals and tickets; return the true effects built in."""
    rng = np.random.default_rng(seed)
    size = rng.normal(0, 1, accounts)
    segment = np.where(size > 0.8, "Enterprise", np.where(size > -0.4, "Mid-market", "SMB"))
    joins = rng.random(accounts) < 1 / (1 + np.exp(-(-0.6 + 1.4 * size)))
    # The month an account's people first take part (some from the start, some later).
    join_month = np.where(joins, rng.integers(2, months - 8, accounts), -1)
    organizations = Organization.objects.bulk_create(
        [
            Organization(name=f"Synthetic {i}", domain=f"acct{i}.{system}.example")
            for i in range(accounts)
        ]
    )
    rows = [
        Account(
            system=system,
            external_id=f"A{i}",
            name=f"Synthetic {i}",
            domain=f"acct{i}.{system}.example",
            segment=str(segment[i]),
            industry=str(rng.choice(INDUSTRIES)),
            region=str(rng.choice(REGIONS)),
            employees=int(np.exp(4 + 1.2 * size[i])),
            arr=Decimal(int(20000 * np.exp(size[i]))),
            arr_base=Decimal(int(20000 * np.exp(size[i]))),
            currency="USD",
            created_on=start - timedelta(days=int(rng.integers(30, 900))),
            organization=organizations[i],
        )
        for i in range(accounts)
    ]
    Account.objects.bulk_create(rows)
    _activities(rng, joins, join_month, start, months, system)
    link_all()
    _deals(rng, rows, size, joins, join_month, start, months, cycle_days_saved, system)
    _renewals(rng, rows, size, joins, join_month, start, system)
    _tickets(rng, rows, size, joins, join_month, start, months, tickets_drop, system)
    return Truth(float(joins.mean()), tickets_drop, cycle_days_saved)


def _month_start(start: date, month: int) -> date:
    year, index = divmod(start.month - 1 + month, 12)
    return date(start.year + year, index + 1, 1)


def _activities(rng, joins, join_month, start, months, system) -> None:  # type: ignore[no-untyped-def]
    records = []
    for i in np.flatnonzero(joins):
        person = Person(external_id=f"{system}-p{i}", email=f"person@acct{i}.{system}.example")
        for month in range(int(join_month[i]), months):
            for k in range(int(rng.poisson(6))):
                day = _month_start(start, month) + timedelta(days=int(rng.integers(0, 28)))
                records.append(
                    ActivityRecord(
                        source="community",
                        external_id=f"{system}-{i}-{month}-{k}",
                        kind="reply",
                        occurred_at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
                        actor=person,
                    )
                )
    ingest(records)


def _active_at(i: int, joins, join_month, start, moment: date) -> bool:  # type: ignore[no-untyped-def]
    return bool(joins[i]) and _month_start(start, int(join_month[i])) < moment


def _deals(rng, accounts, size, joins, join_month, start, months, saved, system) -> None:  # type: ignore[no-untyped-def]
    deals = []
    for i, account in enumerate(accounts):
        for k in range(int(rng.poisson(2 + size[i].clip(-1, 2)))):
            created = start + timedelta(days=int(rng.integers(0, months * 30 - 60)))
            active = _active_at(i, joins, join_month, start, created)
            p_win = 1 / (1 + np.exp(-(-0.2 + 0.5 * size[i] + 0.5 * active)))
            won = rng.random() < p_win
            days = max(5.0, rng.normal(60 + 15 * size[i] - (saved if active and won else 0), 10))
            deals.append(
                Deal(
                    system=system,
                    external_id=f"D{i}-{k}",
                    account_ref=account.external_id,
                    account=account,
                    amount=Decimal(int(10000 * np.exp(0.5 * size[i]))),
                    amount_base=Decimal(int(10000 * np.exp(0.5 * size[i]))),
                    currency="USD",
                    status="won" if won else "lost",
                    created_on=created,
                    closed_on=created + timedelta(days=int(days)),
                )
            )
    Deal.objects.bulk_create(deals, batch_size=2000)


def _renewals(rng, accounts, size, joins, join_month, start, system) -> None:  # type: ignore[no-untyped-def]
    renewals = []
    for i, account in enumerate(accounts):
        period_start = start + timedelta(days=int(rng.integers(0, 365)))
        active = _active_at(i, joins, join_month, start, period_start)
        renewed = rng.random() < 1 / (1 + np.exp(-(1.0 - 0.4 * size[i] + 0.6 * active)))
        renewals.append(
            Renewal(
                system=system,
                external_id=f"R{i}",
                account_ref=account.external_id,
                account=account,
                period_start=period_start,
                period_end=period_start + timedelta(days=364),
                outcome="renewed" if renewed else "churned",
                arr_before=account.arr,
                arr_after=account.arr if renewed else Decimal(0),
                currency="USD",
            )
        )
    Renewal.objects.bulk_create(renewals, batch_size=2000)


def _tickets(rng, accounts, size, joins, join_month, start, months, drop, system) -> None:  # type: ignore[no-untyped-def]
    tickets = []
    for i, account in enumerate(accounts):
        base = 1.0 + 0.8 * np.exp(0.6 * size[i])
        for month in range(months):
            after = bool(joins[i]) and month >= join_month[i]
            rate = max(0.05, base - (drop if after else 0.0))
            for k in range(int(rng.poisson(rate))):
                day = _month_start(start, month) + timedelta(days=int(rng.integers(0, 28)))
                tickets.append(
                    Ticket(
                        system=system,
                        external_id=f"T{i}-{month}-{k}",
                        account_ref=account.external_id,
                        account=account,
                        created_at=datetime(day.year, day.month, day.day, 9, tzinfo=UTC),
                    )
                )
    Ticket.objects.bulk_create(tickets, batch_size=5000)
