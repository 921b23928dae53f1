"""Per-source (channel) scores and levels: love, reach and score within each source.

Same formulas as scores.py restricted to one source: love from the member's own
activities on that source, interactions received there, and the audience there (distinct
people who interacted with them on that source in the audience window). Levels use the
same thresholds as the global score (levels.py); the superuser level on a source makes
the member that source's superuser.

Output: (member_id, source, love, interactions, audience, reach, score, level,
is_superuser), one row per (member, source) with any love or reach; built from the same
(member, source, kind) groups as the global score, so no second pass over activities.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from townhall.analytics.pipelines import register
from townhall.analytics.pipelines.levels import level_table
from townhall.analytics.pipelines.scores import LOVE, audience_pairs, contributions
from townhall.analytics.scoring import ScoringConfig, scoring_config
from townhall.analytics.tables import Tables


def channel_table(
    tables: Tables,
    config: ScoringConfig | None = None,
    *,
    parts: ir.Table | None = None,
    audience: ir.Table | None = None,
) -> ir.Table:
    """(member_id, source, love, interactions, audience, reach, score) per member and source."""
    config = config or scoring_config()
    parts = parts if parts is not None else contributions(tables, config)
    audience = audience if audience is not None else audience_pairs(tables, config)
    is_love = parts.role == LOVE
    points = parts.select(
        "member_id",
        "source",
        love=is_love.ifelse(parts.points, 0.0),
        interactions=(~is_love).ifelse(parts.points, 0.0),
        audience=ibis.literal(0, type="int64"),
    )
    people = audience.select(
        "member_id",
        "source",
        love=ibis.literal(0.0),
        interactions=ibis.literal(0.0),
        audience=ibis.literal(1, type="int64"),
    )
    # A union then one group-by: a full outer join of love, reach and audience without
    # coalescing keys, and one shuffle on Spark.
    both = points.union(people)
    rows = both.group_by(["member_id", "source"]).agg(
        love=both.love.sum(), interactions=both.interactions.sum(), audience=both.audience.sum()
    )
    reach = rows.interactions + config.audience_weight * rows.audience
    return rows.mutate(reach=reach).mutate(score=ibis._.love + config.reach_weight * ibis._.reach)


@register("channel_scores")
def channel_scores(tables: Tables) -> ir.Table:
    """Each member's love, reach, score, level and superuser mark per source."""
    return level_table(channel_table(tables))
