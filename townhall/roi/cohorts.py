"""Cohorts without look-ahead: where an account stood in the community *before* a date.

Each deal is classified at its creation, each renewal at the start of its period, each
account-month at the month's first day, by what the account's people did in the
community in the `window_days` before that date — never after it, so an outcome cannot
leak into its own cause:

- **outside**: none of the account's people had taken part in the community before;
- **member**: they had (their first activity is before the date) but did less than
  `active_threshold` activities in the window;
- **active**: at least `active_threshold` activities in the window.

An account's people are the members its CRM contacts are linked to, and the members of
the organization the account is linked to; the brand's employees and bots do not count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from django.db.models import Count, Q, QuerySet, Subquery
from django.db.models.functions import TruncDate

from townhall.core.models import Activity, Member
from townhall.crm.models import Account, Contact

COHORTS = ("outside", "member", "active")
_DAY_SPAN = 1_000_000  # larger than any day number, to key (account, day) as one integer


@dataclass(frozen=True)
class CohortRules:
    """How engagement before a date becomes a cohort (see the module docstring)."""

    window_days: int = 90
    active_threshold: int = 10


def _human(prefix: str = "") -> dict[str, object]:
    """Filters for members who count: not bots, not the brand's employees, not merged away."""
    return {
        f"{prefix}is_bot": False,
        f"{prefix}is_employee": False,
        f"{prefix}merged_into__isnull": True,
    }


def _linked_organizations() -> QuerySet[Account, Any]:
    return Account.objects.filter(organization__isnull=False).values("organization_id")


def account_people() -> pd.DataFrame:
    """(account_id, member_id) for every linked contact and organization member.

    Filtered in the database by subqueries (no list of ids sent back: at scale that is
    hundreds of thousands of parameters)."""
    contacts = Contact.objects.filter(
        account__isnull=False, member__isnull=False, **_human("member__")
    )
    rows = list(contacts.values_list("account_id", "member_id"))
    # Several accounts may share an organization: each gets its people.
    by_org: dict[int, list[int]] = {}
    linked = Account.objects.filter(organization__isnull=False)
    for organization, account in linked.values_list("organization_id", "pk"):
        by_org.setdefault(organization, []).append(account)
    members = Member.objects.filter(
        organization_id__in=Subquery(_linked_organizations()), **_human()
    ).values_list("organization_id", "pk")
    rows += [(account, member) for org, member in members for account in by_org[org]]
    return pd.DataFrame(rows, columns=["account_id", "member_id"]).drop_duplicates(
        ignore_index=True
    )


def account_daily_activity(people: pd.DataFrame, which: Q | None = None) -> pd.DataFrame:
    """(account_id, day, n): activities by each account's people per day (only those
    matching `which`, when given), bots' excluded."""
    if people.empty:
        return pd.DataFrame(columns=["account_id", "day", "n"])
    of_people = Q(
        member_id__in=Subquery(
            Contact.objects.filter(account__isnull=False, member__isnull=False).values("member_id")
        )
    ) | Q(member__organization_id__in=Subquery(_linked_organizations()))
    daily = (
        Activity.objects.filter(of_people, which or Q())
        .exclude(identity__is_bot=True)
        .annotate(day=TruncDate("occurred_at"))
        .values("member_id", "day")
        .annotate(n=Count("id"))
        .values_list("member_id", "day", "n")
    )
    frame = pd.DataFrame(list(daily), columns=["member_id", "day", "n"])
    merged = people.merge(frame, on="member_id")
    return merged.groupby(["account_id", "day"], as_index=False)["n"].sum()


class EngagementIndex:
    """Counts of an account's activities between two days, answered for many events at
    once with two binary searches each (no loop over events in Python)."""

    def __init__(self, daily: pd.DataFrame) -> None:
        days = pd.to_datetime(daily["day"]).map(date.toordinal).to_numpy(dtype=np.int64)
        keys = daily["account_id"].to_numpy(dtype=np.int64) * _DAY_SPAN + days
        order = np.argsort(keys, kind="stable")
        self.keys = keys[order]
        self.totals = np.concatenate([[0], np.cumsum(daily["n"].to_numpy(dtype=np.int64)[order])])

    def count(self, accounts: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Activities of each account on days in [start, end) (day ordinals)."""
        base = accounts.astype(np.int64) * _DAY_SPAN
        lo = np.searchsorted(self.keys, base + start, side="left")
        hi = np.searchsorted(self.keys, base + end, side="left")
        return self.totals[hi] - self.totals[lo]


def classify(
    accounts: pd.Series, dates: pd.Series, *, index: EngagementIndex, rules: CohortRules
) -> pd.Series:
    """The cohort of each (account, date): outside, member or active (see above)."""
    ordinals = pd.to_datetime(dates).map(date.toordinal).to_numpy(dtype=np.int64)
    ids = accounts.fillna(-1).to_numpy(dtype=np.int64)
    ever = index.count(ids, np.zeros_like(ordinals), ordinals)
    recent = index.count(ids, ordinals - rules.window_days, ordinals)
    cohort = np.where(
        recent >= rules.active_threshold, "active", np.where(ever > 0, "member", "outside")
    )
    return pd.Series(cohort, index=accounts.index, name="cohort")


def engagement_index() -> EngagementIndex:
    """The index over every account's people's activity, read once per report."""
    return EngagementIndex(account_daily_activity(account_people()))
