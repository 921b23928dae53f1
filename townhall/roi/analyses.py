"""The community's effect on sales, retention and support, with its evidence level.

Each analysis builds one table (a row per deal, renewal or account) with the cohort,
the outcome and the account's covariates *as they were at the row's date*, and hands
it to `estimate_effect`: the naive difference (evidence: correlation) and the
doubly robust adjusted one (evidence: adjusted), bootstrapped by account. Tickets also
get a difference-in-differences estimate around the month an account's people joined
(evidence: quasi-experiment).

Covariates: segment, industry, region, employees, ARR in the base currency (the
account's current figure: CRMs keep no history of it, which the docs say), tenure in
days at the date, and tickets in the 180 days before the date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
from django.utils import timezone

from townhall.crm.models import Account, Ticket
from townhall.roi.cohorts import CohortRules, EngagementIndex, cohort_rules, engagement_index
from townhall.roi.effects import EffectEstimate, estimate_effect
from townhall.roi.outcomes import deals_frame, renewals_frame

COVARIATES = ["segment", "industry", "region", "employees", "arr", "tenure_days", "prior_tickets"]
# The covariates as a report's reader says them.
COVARIATE_WORDS = {
    "employees": "company size",
    "arr": "prior ARR",
    "tenure_days": "customer tenure",
    "prior_tickets": "prior tickets",
}
PRIOR_TICKET_DAYS = 180


@dataclass
class Finding:
    """One result for a report: what was compared, the numbers, how strong the evidence is."""

    topic: str  # sales, retention, support
    question: str
    evidence: str  # correlation, adjusted, quasi-experiment, experiment
    sentence: str
    estimate: EffectEstimate | None = None
    figures: dict[str, float | None] = field(default_factory=dict)
    comparison: str = ""  # "active" or "member" (against outside), or "joined" (DiD)


def account_covariates() -> pd.DataFrame:
    rows = Account.objects.values_list(
        "pk", "segment", "industry", "region", "employees", "arr_base", "created_on"
    )
    frame = pd.DataFrame(
        list(rows),
        columns=[
            "account_id",
            "segment",
            "industry",
            "region",
            "employees",
            "arr",
            "account_since",
        ],
    )
    # Sizes and money are skewed over orders of magnitude: they enter on a log scale.
    frame["employees"] = np.log1p(pd.to_numeric(frame.employees, errors="coerce").astype(float))
    frame["arr"] = np.log1p(pd.to_numeric(frame.arr, errors="coerce").astype(float))
    for column in ("segment", "industry", "region"):
        frame[column] = frame[column].replace("", "(unknown)")
    return frame


def tickets_frame() -> pd.DataFrame:
    """(account_id, created_at) of every ticket with an account, read once per report."""
    return pd.DataFrame(
        list(Ticket.objects.filter(account__isnull=False).values_list("account_id", "created_at")),
        columns=["account_id", "created_at"],
    )


def with_covariates(
    rows: pd.DataFrame, date_column: str, tickets: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Rows joined with their account's covariates as of each row's date."""
    frame = rows.merge(account_covariates(), on="account_id", how="left")
    at = pd.to_datetime(frame[date_column])
    created = pd.to_datetime(frame.account_since)
    frame["tenure_days"] = (at - created).dt.days.astype(float).clip(lower=0)
    tickets = tickets if tickets is not None else tickets_frame()
    frame["prior_tickets"] = _prior_counts(frame.account_id, at, tickets)
    return frame


def _prior_counts(accounts: pd.Series, at: pd.Series, tickets: pd.DataFrame) -> np.ndarray:
    """Tickets of each account in the PRIOR_TICKET_DAYS before each date (vectorized)."""
    if tickets.empty:
        return np.zeros(len(accounts))
    daily = tickets.assign(day=pd.to_datetime(tickets.created_at).dt.date, n=1)
    index = EngagementIndex(daily.groupby(["account_id", "day"], as_index=False)["n"].sum())
    ordinals = at.map(lambda moment: moment.toordinal()).to_numpy(dtype=np.int64)
    ids = accounts.fillna(-1).to_numpy(dtype=np.int64)
    return index.count(ids, ordinals - PRIOR_TICKET_DAYS, ordinals).astype(float)


def _compare(
    frame: pd.DataFrame,
    *,
    topic: str,
    question: str,
    outcome: str,
    outcome_type: str,
    unit: str,
    treated: str,
    n_bootstrap: int,
) -> Finding:
    """The treated cohort against accounts outside the community, adjusted."""
    data = frame[frame.cohort.isin([treated, "outside"])].assign(
        treated=lambda f: (f.cohort == treated).astype(int)
    )
    result = estimate_effect(
        data,
        treatment="treated",
        outcome=outcome,
        covariates=[c for c in COVARIATES if c in data.columns],
        outcome_type=outcome_type,  # type: ignore[arg-type]
        cluster="account_id",
        n_bootstrap=n_bootstrap,
    )
    label = {"active": "accounts with active members", "member": "accounts with members"}[treated]
    return Finding(
        topic=topic,
        question=question,
        evidence=result.evidence if result.ok else "none",
        sentence=result.sentence(
            unit=unit,
            treated=label,
            control="accounts outside the community",
            label=question,
            names=COVARIATE_WORDS,
        ),
        estimate=result,
        figures={"naive": result.naive, "adjusted": result.adjusted},
        comparison=treated,
    )


def sales_findings(
    index: EngagementIndex,
    rules: CohortRules,
    as_of: date,
    *,
    n_bootstrap: int = 200,
    tickets: pd.DataFrame | None = None,
) -> list[Finding]:
    deals = deals_frame(index, rules, as_of)
    if deals.empty:
        return []
    deals = with_covariates(deals, "created_on", tickets)
    closed = deals[deals.status != "open"].assign(won=lambda f: (f.status == "won").astype(int))
    won = deals[deals.status == "won"]
    # (rows, question, outcome column, outcome type, unit)
    questions = [
        (closed, "Win rate", "won", "binary", ""),
        (won, "Days to win a deal", "days", "continuous", "days"),
        (won.dropna(subset=["amount"]), "Deal size", "amount", "continuous", ""),
    ]
    findings = []
    for treated in ("active", "member"):
        findings += [
            _compare(
                rows,
                topic="sales",
                question=question,
                outcome=outcome,
                outcome_type=outcome_type,
                unit=unit,
                treated=treated,
                n_bootstrap=n_bootstrap,
            )
            for rows, question, outcome, outcome_type, unit in questions
        ]
    return findings


def retention_findings(
    index: EngagementIndex,
    rules: CohortRules,
    as_of: date,
    *,
    n_bootstrap: int = 200,
    tickets: pd.DataFrame | None = None,
) -> list[Finding]:
    renewals = renewals_frame(index, rules, as_of)
    if renewals.empty:
        return []
    decided = renewals[renewals.outcome != "open"].assign(
        renewed=lambda f: (f.outcome == "renewed").astype(int)
    )
    decided = with_covariates(decided, "period_start", tickets)
    return [
        _compare(
            decided,
            topic="retention",
            question="Renewal rate",
            outcome="renewed",
            outcome_type="binary",
            unit="",
            treated=treated,
            n_bootstrap=n_bootstrap,
        )
        for treated in ("active", "member")
    ]


def ticket_did(
    index: EngagementIndex,
    *,
    months: int = 6,
    n_bootstrap: int = 200,
    seed: int = 0,
    tickets: pd.DataFrame | None = None,
) -> Finding:
    """Difference in differences: tickets a month in the `months` before and after the
    month an account's people first took part, against accounts that never joined over
    the same calendar months. Evidence: quasi-experiment (it assumes the two groups'
    ticket trends would have run parallel)."""
    tickets = (tickets if tickets is not None else tickets_frame()).copy()
    question = "Tickets a month after joining (difference in differences)"
    if tickets.empty:
        return Finding("support", question, "none", "No tickets to compare.")
    tickets["month"] = pd.to_datetime(tickets.created_at).dt.tz_localize(None).dt.to_period("M")
    monthly = tickets.groupby(["account_id", "month"]).size().rename("n")
    accounts = list(Account.objects.values_list("pk", flat=True))
    first = _first_months(index, accounts)
    span = pd.period_range(tickets.month.min(), tickets.month.max(), freq="M")
    table = (
        monthly.reindex(pd.MultiIndex.from_product([accounts, span], names=["account_id", "month"]))
        .fillna(0)
        .unstack("month")
    )
    never = [a for a in accounts if a not in first]
    joined = {a: m for a, m in first.items() if span[0] + months <= m <= span[-1] - months + 1}
    if len(joined) < 10 or len(never) < 10:
        return Finding(
            "support",
            question,
            "none",
            f"No estimate: {len(joined)} accounts joined with {months} months of tickets on "
            f"each side and {len(never)} never joined; at least 10 of each are needed.",
        )
    counts = table.to_numpy(dtype=float)
    row_of = {account: i for i, account in enumerate(table.index)}
    # Each joined account's change (mean after − mean before), and every never-joined
    # account's change over each calendar window a joined account uses.
    windows = sorted(set(joined.values()))
    column = {m: span.get_loc(m) for m in windows}

    def change(rows: np.ndarray, at: int) -> np.ndarray:
        after = counts[rows, at : at + months].mean(axis=1)
        before = counts[rows, at - months : at].mean(axis=1)
        return after - before

    treated_rows = np.array([row_of[a] for a in joined])
    treated_window = np.array([windows.index(joined[a]) for a in joined])
    treated_change = np.array(
        [
            change(np.array([r]), column[joined[a]])[0]
            for r, a in zip(treated_rows, joined, strict=True)
        ]
    )
    control_rows = np.array([row_of[a] for a in never])
    control_change = np.column_stack([change(control_rows, column[m]) for m in windows])

    def did(treated: np.ndarray, controls: np.ndarray) -> float:
        base = control_change[controls].mean(axis=0)
        return float((treated_change[treated] - base[treated_window[treated]]).mean())

    everyone_t, everyone_c = np.arange(len(treated_rows)), np.arange(len(control_rows))
    point = did(everyone_t, everyone_c)
    rng = np.random.default_rng(seed)
    draws = [
        did(
            rng.integers(0, len(everyone_t), len(everyone_t)),
            rng.integers(0, len(everyone_c), len(everyone_c)),
        )
        for _ in range(n_bootstrap)
    ]
    low, high = np.percentile(draws, [2.5, 97.5])
    sentence = (
        f"After their people joined, accounts' tickets a month changed by {point:+.2f} compared "
        f"with accounts that never joined over the same months ({low:+.2f} to {high:+.2f}, 95% "
        f"interval; {len(joined)} joined, {len(never)} never did)."
    )
    return Finding(
        "support",
        question,
        "quasi-experiment",
        sentence,
        figures={"did": point, "low": float(low), "high": float(high)},
        comparison="joined",
    )


def _first_months(index: EngagementIndex, accounts: list[int]) -> dict[int, pd.Period]:
    """The month of each account's first community activity (accounts that have one)."""
    firsts: dict[int, pd.Period] = {}
    keys = index.keys
    for account in accounts:
        position = np.searchsorted(keys, account * 1_000_000)
        if position < len(keys) and keys[position] // 1_000_000 == account:
            day = date.fromordinal(int(keys[position] % 1_000_000))
            firsts[account] = pd.Period(day, freq="M")
    return firsts


def all_findings(
    *, as_of: date | None = None, rules: CohortRules | None = None, n_bootstrap: int = 200
) -> list[Finding]:
    """Every finding of the ROI report."""
    as_of = as_of or timezone.localdate()
    rules = rules or cohort_rules()
    index = engagement_index()
    tickets = tickets_frame()
    return [
        *sales_findings(index, rules, as_of, n_bootstrap=n_bootstrap, tickets=tickets),
        *retention_findings(index, rules, as_of, n_bootstrap=n_bootstrap, tickets=tickets),
        ticket_did(index, n_bootstrap=n_bootstrap, tickets=tickets),
    ]
