"""Cohorts without look-ahead: where an account stood in the community *before* a date.

Each deal is classified at its creation, each renewal at the start of its period, each
account-month at the month's first day, by what the account's people did in the
community before that date — never after it, so an outcome cannot leak into its own
cause:

- **outside**: none of the account's people had taken part in the community before;
- **member**: they had (their first activity is before the date) but are not active;
- **active**: their engagement before the date reaches the active threshold.

By default engagement is measured the way analytics measures a member's *love*: every
activity weighs its kind's and source's scoring weight and halves in value every
`half_life_days` (the scoring half-life), and the threshold is the minimum score of an
analytics level (`Contributor` unless configured) — so "active" in the ROI report means
what the level means on the community's pages, as it stood on the date. Reach (what
others direct at the account's people) is left out: it would need everyone's
interactions replayed to each date, and an account's own engagement is what a cohort
is about. `CohortRules(window_days=90, active_threshold=10)` instead counts plain
activities in a window, for a rule stated in activities.

An account's people are the members its CRM contacts are linked to, and the members of
the organization the account is linked to; the brand's employees and bots do not count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from django.db.models import Count, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncDate

from townhall.analytics.snapshot import source_weight
from townhall.core.models import Activity, Member, Source
from townhall.crm.models import Account, Contact

COHORTS = ("outside", "member", "active")
_DAY_SPAN = 1_000_000  # larger than any day number, to key (account, day) as one integer


@dataclass(frozen=True)
class CohortRules:
    """How engagement before a date becomes a cohort (see the module docstring).

    With `half_life_days` set, engagement is decayed weighted points over all history
    before the date; without it, the number of activities in the `window_days` before.
    """

    window_days: int = 90
    active_threshold: float = 10
    half_life_days: float | None = None
    # The analytics level the threshold comes from, when it does (for the report's words).
    active_level: str = ""

    @property
    def description(self) -> str:
        """The rule in words, for reports."""
        if self.half_life_days is None:
            return (
                f"active = at least {self.active_threshold:g} activities in the "
                f"{self.window_days} days before"
            )
        level = f" (the {self.active_level} level)" if self.active_level else ""
        return (
            f"active = engagement score of at least {self.active_threshold:g}{level} on "
            f"the date: activities weighted as in scoring, halving every "
            f"{self.half_life_days:g} days"
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "window_days": self.window_days if self.half_life_days is None else None,
            "active_threshold": self.active_threshold,
            "half_life_days": self.half_life_days,
            "active_level": self.active_level or None,
            "description": self.description,
        }


DEFAULT_ACTIVE_LEVEL = "Contributor"


def cohort_rules(overrides: dict[str, Any] | None = None) -> CohortRules:
    """The configured rules: `settings.TOWNHALL_ROI_COHORTS` then `overrides`.

    Keys: `active_level` (a level of the scoring configuration; default Contributor, or
    the third level when the levels are renamed), or `window_days` with
    `active_threshold` for a plain count in a window.
    """
    from django.conf import settings

    from townhall.analytics.scoring import scoring_config

    values = {**(getattr(settings, "TOWNHALL_ROI_COHORTS", None) or {}), **(overrides or {})}
    unknown = sorted(set(values) - {"active_level", "window_days", "active_threshold"})
    if unknown:
        raise ValueError(
            f"Unknown cohort setting(s) {', '.join(unknown)}; known: active_level, "
            "window_days, active_threshold"
        )
    if "active_threshold" in values and "active_level" not in values:
        return CohortRules(
            window_days=int(values.get("window_days", 90)),
            active_threshold=float(values["active_threshold"]),
        )
    config = scoring_config()
    names = config.level_names
    default = (
        DEFAULT_ACTIVE_LEVEL if DEFAULT_ACTIVE_LEVEL in names else names[min(2, len(names) - 1)]
    )
    level = str(values.get("active_level", default))
    if level not in names:
        raise ValueError(f"active_level {level!r} is not one of the levels ({', '.join(names)})")
    return CohortRules(
        active_threshold=dict(config.levels)[level],
        half_life_days=config.half_life_days,
        active_level=level,
    )


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
    """(account_id, day, n, points): activities by each account's people per day (only
    those matching `which`, when given), bots' excluded; `points` weighs each by its
    kind's and source's scoring weight."""
    if people.empty:
        return pd.DataFrame(columns=["account_id", "day", "n", "points"])
    of_people = Q(
        member_id__in=Subquery(
            Contact.objects.filter(account__isnull=False, member__isnull=False).values("member_id")
        )
    ) | Q(member__organization_id__in=Subquery(_linked_organizations()))
    daily = (
        Activity.objects.filter(of_people, which or Q())
        .exclude(identity__is_bot=True)
        .annotate(day=TruncDate("occurred_at"))
        .values("member_id", "source_id", "day")
        .annotate(n=Count("id"), points=Sum("kind__weight"))
        .values_list("member_id", "source_id", "day", "n", "points")
    )
    frame = pd.DataFrame(list(daily), columns=["member_id", "source_id", "day", "n", "points"])
    weights = {
        pk: source_weight(config) for pk, config in Source.objects.values_list("pk", "config")
    }
    frame["points"] = frame["points"].astype(float) * frame["source_id"].map(weights).fillna(1.0)
    merged = people.merge(frame, on="member_id")
    return merged.groupby(["account_id", "day"], as_index=False)[["n", "points"]].sum()


class EngagementIndex:
    """Engagement of accounts before given days, answered for many events at once with
    binary searches (no loop over events in Python).

    Built from (account_id, day, n[, points]) rows. Counts use prefix sums of `n`.
    Decayed points use, per account, a prefix sum of points × 2^((day − last)/H) where
    `last` is the account's last day: every term is at most its points, so the sums stay
    well-conditioned however long the history, and the score before day t is that prefix
    × 2^((last − t)/H).
    """

    def __init__(self, daily: pd.DataFrame) -> None:
        days = pd.to_datetime(daily["day"]).map(date.toordinal).to_numpy(dtype=np.int64)
        accounts = daily["account_id"].to_numpy(dtype=np.int64)
        keys = accounts * _DAY_SPAN + days
        order = np.argsort(keys, kind="stable")
        self.keys = keys[order]
        self.totals = np.concatenate([[0], np.cumsum(daily["n"].to_numpy(dtype=np.int64)[order])])
        points = daily["points"] if "points" in daily else daily["n"]
        self._points = points.to_numpy(dtype=float)[order]
        self._days = days[order]
        self._accounts = accounts[order]
        self._decayed: dict[float, tuple[np.ndarray, np.ndarray]] = {}

    def count(self, accounts: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
        """Activities of each account on days in [start, end) (day ordinals)."""
        base = accounts.astype(np.int64) * _DAY_SPAN
        lo = np.searchsorted(self.keys, base + start, side="left")
        hi = np.searchsorted(self.keys, base + end, side="left")
        return self.totals[hi] - self.totals[lo]

    def _prefixes(self, half_life: float) -> tuple[np.ndarray, np.ndarray]:
        """Per-account prefix sums of decayed points, and each row's account's last day."""
        if half_life not in self._decayed:
            frame = pd.DataFrame({"account": self._accounts, "day": self._days})
            last = frame.groupby("account")["day"].transform("max").to_numpy(dtype=np.int64)
            scaled = self._points * np.exp2((self._days - last) / half_life)
            prefix = pd.Series(scaled).groupby(self._accounts).cumsum().to_numpy()
            self._decayed[half_life] = (prefix, last)
        return self._decayed[half_life]

    def decayed(self, accounts: np.ndarray, end: np.ndarray, half_life: float) -> np.ndarray:
        """Each account's weighted points on days before `end`, each halved every
        `half_life` days of age at `end`."""
        if len(self.keys) == 0:
            return np.zeros(len(accounts))
        prefix, last = self._prefixes(half_life)
        base = accounts.astype(np.int64) * _DAY_SPAN
        lo = np.searchsorted(self.keys, base, side="left")
        hi = np.searchsorted(self.keys, base + end, side="left")
        row = np.maximum(hi - 1, 0)
        value = prefix[row] * np.exp2((last[row] - end) / half_life)
        return np.where(hi > lo, value, 0.0)


def classify(
    accounts: pd.Series, dates: pd.Series, *, index: EngagementIndex, rules: CohortRules
) -> pd.Series:
    """The cohort of each (account, date): outside, member or active (see above)."""
    ordinals = pd.to_datetime(dates).map(date.toordinal).to_numpy(dtype=np.int64)
    ids = accounts.fillna(-1).to_numpy(dtype=np.int64)
    ever = index.count(ids, np.zeros_like(ordinals), ordinals)
    if rules.half_life_days is None:
        recent = index.count(ids, ordinals - rules.window_days, ordinals)
    else:
        recent = index.decayed(ids, ordinals, rules.half_life_days)
    cohort = np.where(
        recent >= rules.active_threshold, "active", np.where(ever > 0, "member", "outside")
    )
    return pd.Series(cohort, index=accounts.index, name="cohort")


def engagement_index() -> EngagementIndex:
    """The index over every account's people's activity, read once per report."""
    return EngagementIndex(account_daily_activity(account_people()))
