"""Engagement scoring: its configuration and the `scores` stage of `townhall analyze`.

The formulas are in docs/scoring.md and in the pipelines' docstrings
(townhall/analytics/pipelines/scores.py, channels.py, levels.py, trends.py). This module
holds the knobs — every one has a documented default and can be overridden with the
`TOWNHALL_SCORING` environment variable (a JSON object, read by settings.py into
`settings.TOWNHALL_SCORING`) — and `run_scores_stage`, which runs the pipelines on an
engine and writes the results through `townhall.core.services.scores`.

Activity kind and source weights are not here: they live with the data they weigh
(`ActivityKind.weight`, `Source.config["weight"]`) and reach the pipelines as the
`kinds` and `sources` tables.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, fields, replace
from typing import Any

import ibis
import ibis.expr.operations as ops
import ibis.expr.types as ir
import pandas as pd

from townhall.analytics.engines import Engine
from townhall.analytics.tables import Tables

# (name, minimum combined score), lowest first. The names say what a person does, not
# how they rank against others: a level depends on the member's own score only.
DEFAULT_LEVELS: tuple[tuple[str, float], ...] = (
    ("Observer", 0.0),  # known, but little or nothing lately
    ("Participant", 1.0),  # takes part now and then
    ("Contributor", 10.0),  # takes part regularly; others start to answer
    ("Advocate", 50.0),  # a steady, visible presence others turn to
    ("Champion", 150.0),  # the core: the community's superusers
)


@dataclass(frozen=True)
class ScoringConfig:
    """Every scoring knob, with its default (docs/scoring.md explains each)."""

    # A point of activity is worth half as much after this many days.
    half_life_days: float = 90.0
    # score = love + reach_weight × reach
    reach_weight: float = 1.0
    # reach = interactions received + audience_weight × audience
    audience_weight: float = 1.0
    # Audience: distinct people who interacted with the member in this many days.
    audience_days: int = 90
    levels: tuple[tuple[str, float], ...] = DEFAULT_LEVELS
    # A lower level replaces the current one only after this many days below it.
    grace_days: int = 30
    # The top level's holders are superusers (overall, and per source for channel levels).
    superuser_level: str = "Champion"
    # Explanations keep this many (kind, source) contributions to love and to reach.
    explain_top: int = 3
    # Trends compare the last `trend_days` with the `trend_days` before them.
    trend_days: int = 30
    # Rising: recent ≥ (1 + trend_change) × previous; fading: ≤ (1 − trend_change) × previous;
    # and the difference must be at least `trend_min_points` to count at all.
    trend_change: float = 0.25
    trend_min_points: float = 2.0
    # Churn risk: active in the `churn_active_days` before the last `churn_silent_days`,
    # silent in those last days.
    churn_silent_days: int = 30
    churn_active_days: int = 90
    churn_min_activities: int = 3
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def level_names(self) -> list[str]:
        return [name for name, _ in self.levels]

    def criteria(self, level: str) -> dict[str, Any]:
        """What holding `level` means: its minimum score and the next level up."""
        names = self.level_names
        if level not in names:
            return {}
        index = names.index(level)
        result: dict[str, Any] = {"level": level, "min_score": self.levels[index][1]}
        if index + 1 < len(self.levels):
            result["next"] = self.levels[index + 1][0]
            result["next_at"] = self.levels[index + 1][1]
        return result


def scoring_config(overrides: dict[str, Any] | None = None) -> ScoringConfig:
    """The configuration: defaults, then `settings.TOWNHALL_SCORING`, then `overrides`."""
    values: dict[str, Any] = {}
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        values.update(getattr(settings, "TOWNHALL_SCORING", None) or {})
    except ImproperlyConfigured:  # outside Django (a script): the defaults
        values = {}
    values.update(overrides or {})
    known = {f.name for f in fields(ScoringConfig)} - {"extra"}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(
            f"Unknown scoring setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    if "levels" in values:
        levels = values["levels"]
        pairs = levels.items() if isinstance(levels, dict) else levels
        values["levels"] = tuple(sorted(((str(n), float(s)) for n, s in pairs), key=lambda p: p[1]))
    config = replace(ScoringConfig(), **values)
    if config.superuser_level not in config.level_names:
        raise ValueError(
            f"superuser_level {config.superuser_level!r} is not one of the levels "
            f"({', '.join(config.level_names)})"
        )
    if config.half_life_days <= 0:
        raise ValueError("half_life_days must be positive")
    return config


@dataclass
class ScoreResult:
    """What the scores stage computed, as small pandas frames ready for the write service.

    members: member_id, love, interactions, audience, reach, score, level, is_superuser,
    trend, explanation (JSON text, see `explained_score_table`);
    channels: member_id, source, love, reach, score, level.
    """

    members: pd.DataFrame
    channels: pd.DataFrame


def scoring_activities(tables: Tables) -> ir.Table:
    """The columns and rows of `tables.activities` that scoring reads: humans, up to as_of."""
    a = tables.activities
    as_of = ibis.literal(tables.as_of, type="timestamp('UTC')")
    return a.filter(~a.actor_is_bot, a.occurred_at <= as_of).select(
        "occurred_at",
        "source",
        "kind",
        "member_id",
        "target_member_id",
        "actor_is_bot",
        "target_is_bot",
    )


def compute_scores(
    engine: Engine,
    tables: Tables,
    config: ScoringConfig | None = None,
    *,
    groups: ir.Table | None = None,
    layered: bool = False,
) -> ScoreResult:
    """Run the score, level, channel, explanation and trend pipelines on `engine`.

    The (member, source, kind) contributions and audience pairs are cached in the engine
    once and shared by the global, per-source and explanation expressions. `groups`,
    when given, are the decayed groups already at hand (increments.py); `layered` says
    a group may repeat across layers, so explanations sum them first.
    """
    from townhall.analytics.pipelines.channels import channel_table
    from townhall.analytics.pipelines.levels import level_table
    from townhall.analytics.pipelines.scores import (
        audience_pairs,
        decayed_groups,
        explained_score_table,
        source_totals,
        weigh,
    )
    from townhall.analytics.pipelines.trends import trend_table

    config = config or scoring_config()
    narrow = None
    if not isinstance(tables.activities.op(), ops.DatabaseTable):
        # A view (the snapshot resolves identities to members with joins): evaluate it
        # once, keeping only what scoring reads, instead of once per pass below.
        narrow = scoring_activities(tables).cache()
        tables = replace(tables, activities=narrow)
    if groups is None:
        groups = decayed_groups(tables, config)
    elif layered:
        # The same (member, role, source, kind) in several layers: one row each, so that
        # explanations rank whole contributions.
        groups = groups.group_by(["member_id", "role", "source", "kind"]).agg(
            n=groups.n.sum(), decay=groups.decay.sum()
        )
    parts = weigh(groups, tables).cache()
    audience = audience_pairs(tables, config).cache()
    totals = source_totals(tables, config, parts=parts).cache()
    try:
        members = engine.execute_plain(
            explained_score_table(tables, config, parts=parts, audience=audience, totals=totals)
        )
        channels = engine.execute_plain(
            level_table(
                channel_table(tables, config, parts=parts, audience=audience, totals=totals),
                config,
            )
        )
        trends = engine.execute(trend_table(tables, config).select("member_id", "trend"))
    finally:
        parts.release()
        audience.release()
        totals.release()
        if narrow is not None:
            narrow.release()
    members = members.merge(trends, on="member_id", how="left")
    members["trend"] = members["trend"].fillna("")
    return ScoreResult(members=members, channels=channels)


def run_scores_stage(engine: Engine, tables: Tables) -> dict[str, object]:
    """Compute scores, levels, per-source scores and trends; write them through core.

    Returns counts and timings for `townhall analyze`'s summary.
    """
    from townhall.analytics.increments import groups_for_run
    from townhall.core.services.scores import write_scores

    config = scoring_config()
    started = time.perf_counter()
    run = groups_for_run(engine, tables, config)
    result = compute_scores(engine, tables, config, groups=run.groups, layered=run.layered)
    computed = time.perf_counter()
    written = write_scores(
        result.members,
        result.channels,
        computed_at=tables.as_of,
        levels=config.level_names,
        superuser_level=config.superuser_level,
        grace_days=config.grace_days,
    )
    return {
        "mode": run.mode if run.mode == "incremental" else f"full ({run.reason})",
        "new activities": run.new_activities,
        "members scored": written.members,
        "channel scores": written.channels,
        "superusers": written.superusers,
        "compute s": round(computed - started, 2),
        "write s": round(time.perf_counter() - computed, 2),
    }
