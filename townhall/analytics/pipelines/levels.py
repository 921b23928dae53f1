"""Levels: a name for a score, from published thresholds (docs/scoring.md).

Input: any table with a `score` column (a member's combined score, or their score on one
source). Output: the same rows with `level` — the highest level whose minimum the score
reaches — and `is_superuser` (the level is the configured superuser level, "Champion"
by default). Thresholds are absolute, so a level depends on the member's own score only.

This is the level the score earns today. The level *shown* may be higher for a while:
a downgrade waits out a grace period, which the write service applies against the
stored level (townhall/core/services/scores.py).
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from townhall.analytics.scoring import ScoringConfig, scoring_config


def level_of(score: ir.FloatingValue, config: ScoringConfig) -> ir.StringValue:
    """The level a score earns: a CASE over the thresholds, highest first."""
    levels = sorted(config.levels, key=lambda pair: pair[1], reverse=True)
    lowest = levels[-1][0]
    branches = [(score >= minimum, ibis.literal(name)) for name, minimum in levels[:-1]]
    if not branches:
        return ibis.literal(lowest)
    return ibis.cases(*branches, else_=ibis.literal(lowest))


def level_table(table: ir.Table, config: ScoringConfig | None = None) -> ir.Table:
    """`table` with `level` and `is_superuser` computed from its `score` column."""
    config = config or scoring_config()
    level = level_of(table.score, config)
    return table.mutate(level=level).mutate(
        is_superuser=ibis._.level == ibis.literal(config.superuser_level)
    )
