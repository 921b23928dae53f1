"""Trends: is a member's engagement rising, steady or fading, and are they at risk of churn?

Input: the member's own non-bot activities up to `as_of`, weighted by kind × source
weight but *not* decayed (inside a 30-day window decay would make the earlier window look
smaller and call everyone rising). T = trend_days, S = churn_silent_days,
A = churn_active_days:

    recent    = Σ weights of activities in (as_of − T, as_of]
    previous  = Σ weights of activities in (as_of − 2T, as_of − T]
    silent_n  = activities in (as_of − S, as_of]
    before_n  = activities in (as_of − S − A, as_of − S]

    trend = "churn-risk" when silent_n = 0 and before_n ≥ churn_min_activities
            "rising"     when recent − previous ≥ trend_min_points and recent ≥ (1 + c) × previous
            "fading"     when previous − recent ≥ trend_min_points and recent ≤ (1 − c) × previous
            "steady"     otherwise, when recent + previous > 0
            ""           no activity in either window (c = trend_change)

Output: (member_id, recent, previous, silent_n, before_n, last_at, trend), one row per
member with activity in the longest of those windows; the rest have no trend. Only
activities in that window are read (a filter before the group-by).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from townhall.analytics.pipelines import register
from townhall.analytics.scoring import ScoringConfig, scoring_config
from townhall.analytics.tables import Tables


def trend_table(tables: Tables, config: ScoringConfig | None = None) -> ir.Table:
    """(member_id, recent, previous, silent_n, before_n, last_at, trend) per recently active member."""
    config = config or scoring_config()
    as_of = ibis.literal(tables.as_of, type="timestamp('UTC')")

    def days_ago(days: int) -> ir.TimestampScalar:
        return as_of - ibis.interval(days=days)

    span = max(2 * config.trend_days, config.churn_silent_days + config.churn_active_days)
    a = tables.activities
    a = a.filter(~a.actor_is_bot, a.occurred_at <= as_of, a.occurred_at > days_ago(span))
    at = a.occurred_at
    recent = at > days_ago(config.trend_days)
    previous = (at > days_ago(2 * config.trend_days)) & ~recent
    silent = at > days_ago(config.churn_silent_days)
    before = (at > days_ago(config.churn_silent_days + config.churn_active_days)) & ~silent
    # Count per (member, source, kind) first; the weights join that small result.
    groups = a.group_by(["member_id", "source", "kind"]).agg(
        recent_n=recent.cast("int64").sum(),
        previous_n=previous.cast("int64").sum(),
        silent_n=silent.cast("int64").sum(),
        before_n=before.cast("int64").sum(),
        last_at=at.max(),
    )
    kinds, sources = tables.kinds, tables.sources
    joined = groups.left_join(kinds, groups.kind == kinds.kind).left_join(
        sources, groups.source == sources.source
    )
    weight = kinds.weight.fill_null(1.0) * sources.weight.fill_null(1.0)
    weighted = joined.select(
        member_id=groups.member_id,
        recent=groups.recent_n * weight,
        previous=groups.previous_n * weight,
        silent_n=groups.silent_n,
        before_n=groups.before_n,
        last_at=groups.last_at,
    )
    rows = weighted.group_by("member_id").agg(
        recent=weighted.recent.sum(),
        previous=weighted.previous.sum(),
        silent_n=weighted.silent_n.sum(),
        before_n=weighted.before_n.sum(),
        last_at=weighted.last_at.max(),
    )
    change = config.trend_change
    minimum = config.trend_min_points
    trend = ibis.cases(
        (
            (rows.silent_n == 0) & (rows.before_n >= config.churn_min_activities),
            ibis.literal("churn-risk"),
        ),
        (
            (rows.recent - rows.previous >= minimum)
            & (rows.recent >= (1 + change) * rows.previous),
            ibis.literal("rising"),
        ),
        (
            (rows.previous - rows.recent >= minimum)
            & (rows.recent <= (1 - change) * rows.previous),
            ibis.literal("fading"),
        ),
        (rows.recent + rows.previous > 0, ibis.literal("steady")),
        else_=ibis.literal(""),
    )
    return rows.mutate(trend=trend)


@register("trends")
def trends(tables: Tables) -> ir.Table:
    """Each recently active member's trend: rising, steady, fading or churn-risk."""
    return trend_table(tables)
