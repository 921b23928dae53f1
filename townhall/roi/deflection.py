"""Support deflection: do people who find answers in the community file fewer tickets?

**Self-service successes** come from the community space's activity stream (source
`community`): `solved-too` ("this solved my problem too"), `self-served` (a draft
question abandoned after opening a suggested answer) and `viewed` activities of
questions that were solved when viewed (`properties.solved`).

**The measured estimate.** Among account-months of accounts whose people take part in
the community, months with at least one self-service success by the account's people
("found answers") are compared with months without, on the tickets the account filed
in the 30 days from the month's start — adjusted by `estimate_effect` for the account's
covariates, its tickets in the 90 days before and its people's community activity that
month (so "found answers" is not just "was more active"). Evidence: adjusted.

**The usual industry formulas**, shown beside it with their assumptions spelled out —
they are arithmetic on assumed rates, not measurements:

- *survey-based deflection* = self-service successes × share who say they found their
  answer (`found_rate`, from a survey) × share who would otherwise have contacted
  support (`would_have_filed`, from a survey), in tickets a month;
- *accepted-solution view ratio* = views of accepted solutions ÷ tickets, a month
  (TSIA's self-service score uses the same idea: self-service uses per assisted
  contact); multiplied by `views_per_deflection`⁻¹ it becomes tickets a month.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
from django.db.models import Q

from townhall.core.models import Activity
from townhall.roi.analyses import COVARIATES, tickets_frame, with_covariates
from townhall.roi.cohorts import EngagementIndex, account_daily_activity, account_people
from townhall.roi.effects import EffectEstimate, estimate_effect

SUCCESS = Q(source__slug="community") & (
    Q(kind__slug__in=["solved-too", "self-served"])
    | Q(kind__slug="viewed", properties__solved=True)
)


@dataclass(frozen=True)
class Assumptions:
    """The industry formulas' inputs that no activity stream measures (set from surveys)."""

    found_rate: float = 0.5
    would_have_filed: float = 0.3
    views_per_deflection: float = 10.0


@dataclass
class DeflectionReport:
    months: int
    successes_per_month: float
    solution_views_per_month: float
    tickets_per_month: float
    measured: EffectEstimate | None
    measured_sentence: str
    formulas: list[dict[str, str | float]] = field(default_factory=list)


def deflection_report(
    *, start: date, end: date, assumptions: Assumptions | None = None, n_bootstrap: int = 200
) -> DeflectionReport:
    """Self-service successes against tickets between `start` and `end` (month starts)."""
    assumptions = assumptions or Assumptions()
    people = account_people()
    successes = account_daily_activity(people, SUCCESS)
    # The successes themselves are left out of "how active": else they would explain
    # themselves away.
    activity = account_daily_activity(people, Q(source__slug="community") & ~SUCCESS)
    solution_views = Activity.objects.filter(
        source__slug="community",
        kind__slug="viewed",
        properties__solved=True,
        occurred_at__date__gte=start,
        occurred_at__date__lt=end,
    ).count()
    tickets = tickets_frame()
    months = (
        pd.period_range(start, end, freq="M")[:-1] if end > start else pd.PeriodIndex([], freq="M")
    )
    n_months = max(len(months), 1)
    in_window = tickets[
        (pd.to_datetime(tickets.created_at).dt.date >= start)
        & (pd.to_datetime(tickets.created_at).dt.date < end)
    ]
    total_successes = (
        int(
            successes[
                (pd.to_datetime(successes.day).dt.date >= start)
                & (pd.to_datetime(successes.day).dt.date < end)
            ].n.sum()
        )
        if not successes.empty
        else 0
    )

    # Account-months of community accounts: found answers (≥ 1 success) or not.
    community = people.account_id.unique()
    grid = pd.MultiIndex.from_product([community, months], names=["account_id", "month"]).to_frame(
        index=False
    )
    month_start = grid.month.dt.start_time.dt.date
    ordinal = month_start.map(date.toordinal).to_numpy(dtype=np.int64)
    ids = grid.account_id.to_numpy(dtype=np.int64)
    found = (
        EngagementIndex(successes).count(ids, ordinal, ordinal + 31)
        if not successes.empty
        else np.zeros(len(grid))
    )
    engaged = (
        EngagementIndex(activity).count(ids, ordinal, ordinal + 31)
        if not activity.empty
        else np.zeros(len(grid))
    )
    daily_tickets = tickets.assign(day=pd.to_datetime(tickets.created_at).dt.date, n=1)
    ticket_index = (
        EngagementIndex(daily_tickets.groupby(["account_id", "day"], as_index=False)["n"].sum())
        if not tickets.empty
        else None
    )
    grid["found_answers"] = (found > 0).astype(int)
    grid["community_activity"] = np.log1p(engaged)
    grid["tickets_next_30_days"] = (
        ticket_index.count(ids, ordinal, ordinal + 30) if ticket_index else 0
    )
    grid["month_start"] = month_start
    frame = with_covariates(grid, "month_start", tickets)
    estimate = (
        estimate_effect(
            frame,
            treatment="found_answers",
            outcome="tickets_next_30_days",
            covariates=[*COVARIATES, "community_activity"],
            cluster="account_id",
            n_bootstrap=n_bootstrap,
        )
        if len(frame)
        else None
    )
    sentence = (
        estimate.sentence(
            unit="tickets",
            treated="months when an account's people found answers",
            control="months when they did not",
            label="Tickets in the next 30 days",
        )
        if estimate
        else "No community accounts with tickets in the period."
    )
    successes_pm = total_successes / n_months
    tickets_pm = len(in_window) / n_months
    views_pm = solution_views / n_months
    formulas: list[dict[str, str | float]] = [
        {
            "name": "Survey-based deflection",
            "formula": "self-service successes × found their answer × would otherwise have filed a ticket",
            "value": successes_pm * assumptions.found_rate * assumptions.would_have_filed,
            "unit": "tickets a month",
            "assumptions": (
                f"found their answer = {assumptions.found_rate:.0%} and would otherwise have filed = "
                f"{assumptions.would_have_filed:.0%} — survey figures to replace with your own"
            ),
        },
        {
            "name": "Accepted-solution view ratio",
            "formula": "views of accepted solutions ÷ tickets",
            "value": views_pm / tickets_pm if tickets_pm else float("nan"),
            "unit": "views per ticket, a month",
            "assumptions": "none; a ratio, not a count of tickets avoided",
        },
        {
            "name": "Deflection from solution views",
            "formula": "views of accepted solutions ÷ views per avoided ticket",
            "value": views_pm / assumptions.views_per_deflection,
            "unit": "tickets a month",
            "assumptions": f"{assumptions.views_per_deflection:g} views avoid one ticket — an industry rule of thumb",
        },
    ]
    return DeflectionReport(
        months=len(months),
        successes_per_month=successes_pm,
        solution_views_per_month=views_pm,
        tickets_per_month=tickets_pm,
        measured=estimate,
        measured_sentence=sentence,
        formulas=formulas,
    )
