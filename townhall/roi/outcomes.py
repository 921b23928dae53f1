"""Outcomes per cohort: win rate, deal size, sales cycle, renewals, tickets.

Every figure is computed per cohort (outside, member, active; see cohorts.py) from rows
classified without look-ahead:

- **Deals** (classified at creation): win rate = won / (won + lost); deal size of won
  deals (median, mean, base currency); the sales cycle as survival data — days from
  creation to close, open deals censored at `as_of` — with Kaplan–Meier's median time to
  close, the restricted mean time to close within `horizon_days` (RMST: the average
  number of days a deal stays open in that horizon), and the probability of having won
  by the horizon from the Aalen–Johansen estimator, which treats a lost deal as a
  competing risk rather than as censored (lifelines).
- **Renewals** (classified at the start of the period): renewal rate and churn rate
  over decided renewals; expansion = mean (ARR after − ARR before) / ARR before among
  renewed ones.
- **Tickets**: tickets per account-month, each account-month classified on its first
  day, over the months between the first and last ticket.

A cohort smaller than `min_cohort` gets no figures, with the count to say why.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from townhall.crm.models import Deal, Renewal, Ticket
from townhall.roi.cohorts import COHORTS, CohortRules, EngagementIndex, classify


@dataclass
class CohortOutcomes:
    deals: pd.DataFrame
    renewals: pd.DataFrame
    tickets: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def deals_frame(index: EngagementIndex, rules: CohortRules, as_of: date) -> pd.DataFrame:
    """One row per deal created by `as_of`: cohort at creation, duration and status."""
    rows = Deal.objects.filter(created_on__lte=as_of).values_list(
        "pk", "account_id", "created_on", "closed_on", "status", "amount_base"
    )
    frame = pd.DataFrame(
        list(rows), columns=["deal", "account_id", "created_on", "closed_on", "status", "amount"]
    )
    if frame.empty:
        return frame.assign(cohort=pd.Series(dtype=str), days=pd.Series(dtype=float))
    frame["cohort"] = classify(frame.account_id, frame.created_on, index=index, rules=rules)
    # A deal that closed after as_of was still open then.
    closed = frame.closed_on.notna() & (frame.closed_on <= as_of) & (frame.status != "open")
    frame.loc[~closed, "status"] = "open"
    end = frame.closed_on.where(closed, as_of)
    frame["days"] = (pd.to_datetime(end) - pd.to_datetime(frame.created_on)).dt.days.astype(float)
    frame["amount"] = pd.to_numeric(frame.amount, errors="coerce").astype(float)
    return frame


def deal_outcomes(
    frame: pd.DataFrame, *, horizon_days: int = 365, min_cohort: int = 10
) -> pd.DataFrame:
    """Win rate, deal size and sales-cycle figures per cohort (see the module docstring)."""
    from lifelines import AalenJohansenFitter, KaplanMeierFitter
    from lifelines.utils import restricted_mean_survival_time

    rows = []
    for cohort in COHORTS:
        part = frame[frame.cohort == cohort] if not frame.empty else frame
        won, lost = int((part.status == "won").sum()), int((part.status == "lost").sum())
        row: dict[str, object] = {
            "cohort": cohort,
            "deals": len(part),
            "won": won,
            "lost": lost,
            "open": len(part) - won - lost,
        }
        if len(part) < min_cohort:
            row["withheld"] = f"{len(part)} deals; at least {min_cohort} are needed"
            rows.append(row)
            continue
        amounts = part.loc[part.status == "won", "amount"].dropna()
        closed = (part.status != "open").to_numpy()
        durations = part.days.clip(lower=0.5).to_numpy()  # a same-day close is half a day
        km = KaplanMeierFitter().fit(durations, event_observed=closed)
        codes = np.select([part.status == "won", part.status == "lost"], [1, 2], 0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # lifelines jitters tied times and says so
            aj = AalenJohansenFitter(calculate_variance=False, seed=0).fit(
                durations, event_observed=codes, event_of_interest=1
            )
        incidence = aj.cumulative_density_
        by_horizon = incidence[incidence.index <= horizon_days]
        median = km.median_survival_time_
        row.update(
            {
                "win_rate": won / (won + lost) if won + lost else np.nan,
                "median_amount": float(amounts.median()) if len(amounts) else np.nan,
                "mean_amount": float(amounts.mean()) if len(amounts) else np.nan,
                "median_days_to_close": float(median) if np.isfinite(median) else np.nan,
                "rmst_days": float(restricted_mean_survival_time(km, t=horizon_days)),
                "p_won_by_horizon": float(by_horizon.iloc[-1, 0]) if len(by_horizon) else 0.0,
                "withheld": "",
            }
        )
        rows.append(row)
    return pd.DataFrame(rows)


def renewals_frame(index: EngagementIndex, rules: CohortRules, as_of: date) -> pd.DataFrame:
    rows = Renewal.objects.filter(period_start__lte=as_of).values_list(
        "pk", "account_id", "period_start", "outcome", "arr_before", "arr_after"
    )
    frame = pd.DataFrame(
        list(rows),
        columns=["renewal", "account_id", "period_start", "outcome", "arr_before", "arr_after"],
    )
    if frame.empty:
        return frame.assign(cohort=pd.Series(dtype=str))
    frame["cohort"] = classify(frame.account_id, frame.period_start, index=index, rules=rules)
    for column in ("arr_before", "arr_after"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame


def renewal_outcomes(frame: pd.DataFrame, *, min_cohort: int = 10) -> pd.DataFrame:
    rows = []
    for cohort in COHORTS:
        part = frame[frame.cohort == cohort] if not frame.empty else frame
        renewed = part[part.outcome == "renewed"] if len(part) else part
        churned = int((part.outcome == "churned").sum()) if len(part) else 0
        decided = len(renewed) + churned
        row: dict[str, object] = {"cohort": cohort, "renewals": len(part), "decided": decided}
        if decided < min_cohort:
            row["withheld"] = f"{decided} decided renewals; at least {min_cohort} are needed"
            rows.append(row)
            continue
        base = renewed.arr_before.where(renewed.arr_before > 0)
        growth = ((renewed.arr_after - renewed.arr_before) / base).dropna()
        row.update(
            {
                "renewal_rate": len(renewed) / decided,
                "churn_rate": churned / decided,
                "expansion": float(growth.mean()) if len(growth) else np.nan,
                "withheld": "",
            }
        )
        rows.append(row)
    return pd.DataFrame(rows)


def account_months_frame(index: EngagementIndex, rules: CohortRules) -> pd.DataFrame:
    """One row per (account, month) between the first and last ticket month, with the
    account's cohort on the month's first day and its tickets that month."""
    tickets = pd.DataFrame(
        list(Ticket.objects.filter(account__isnull=False).values_list("account_id", "created_at")),
        columns=["account_id", "created_at"],
    )
    if tickets.empty:
        return pd.DataFrame(columns=["account_id", "month", "cohort", "tickets"])
    tickets["month"] = pd.to_datetime(tickets.created_at).dt.tz_localize(None).dt.to_period("M")
    from townhall.crm.models import Account

    accounts = list(Account.objects.values_list("pk", flat=True))
    months = pd.period_range(tickets.month.min(), tickets.month.max(), freq="M")
    grid = pd.MultiIndex.from_product([accounts, months], names=["account_id", "month"]).to_frame(
        index=False
    )
    counts = tickets.groupby(["account_id", "month"]).size().rename("tickets").reset_index()
    grid = grid.merge(counts, on=["account_id", "month"], how="left").fillna({"tickets": 0})
    starts = grid.month.dt.start_time.dt.date
    grid["cohort"] = classify(grid.account_id, starts, index=index, rules=rules)
    return grid


def ticket_outcomes(frame: pd.DataFrame, *, min_cohort: int = 10) -> pd.DataFrame:
    rows = []
    for cohort in COHORTS:
        part = frame[frame.cohort == cohort] if not frame.empty else frame
        accounts = part.account_id.nunique() if len(part) else 0
        row: dict[str, object] = {
            "cohort": cohort,
            "account_months": len(part),
            "accounts": accounts,
            "tickets": int(part.tickets.sum()) if len(part) else 0,
        }
        if accounts < min_cohort:
            row["withheld"] = f"{accounts} accounts; at least {min_cohort} are needed"
        else:
            row["tickets_per_account_month"] = float(part.tickets.mean())
            row["withheld"] = ""
        rows.append(row)
    return pd.DataFrame(rows)


def compute_outcomes(
    *,
    as_of: date,
    rules: CohortRules | None = None,
    horizon_days: int = 365,
    min_cohort: int = 10,
) -> CohortOutcomes:
    """Every outcome per cohort, as of a date, from the CRM tables and the activity stream."""
    from townhall.roi.cohorts import cohort_rules, engagement_index

    rules = rules or cohort_rules()
    index = engagement_index()
    deals = deals_frame(index, rules, as_of)
    return CohortOutcomes(
        deals=deal_outcomes(deals, horizon_days=horizon_days, min_cohort=min_cohort),
        renewals=renewal_outcomes(renewals_frame(index, rules, as_of), min_cohort=min_cohort),
        tickets=ticket_outcomes(account_months_frame(index, rules), min_cohort=min_cohort),
    )
