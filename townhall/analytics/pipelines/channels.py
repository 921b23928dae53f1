"""Per-source (channel) scores and levels: love, reach and score within each source.

Same formulas as scores.py restricted to one source: love from the member's own
activities on that source, interactions received there, and the audience there (distinct
people who interacted with them on that source in the audience window). Levels use the
same thresholds as the global score (levels.py); the superuser level on a source makes
the member that source's superuser.

Output: (member_id, source, love, interactions, audience, reach, score, level,
is_superuser), one row per (member, source) with any love or reach; built from the same
per-source totals as the global score (`source_totals`), so no second pass over activities.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from townhall.analytics.pipelines import register
from townhall.analytics.pipelines.levels import level_table
from townhall.analytics.pipelines.scores import audience_pairs, source_totals
from townhall.analytics.scoring import ScoringConfig, scoring_config
from townhall.analytics.tables import Tables


def channel_table(
    tables: Tables,
    config: ScoringConfig | None = None,
    *,
    parts: ir.Table | None = None,
    audience: ir.Table | None = None,
    totals: ir.Table | None = None,
) -> ir.Table:
    """(member_id, source, love, interactions, audience, reach, score) per member and source."""
    config = config or scoring_config()
    if totals is None:
        totals = source_totals(tables, config, parts=parts)
    audience = audience if audience is not None else audience_pairs(tables, config)
    # Audience without love or reach on a source cannot happen (an interaction is reach),
    # so a left join from the totals keeps every row.
    people = audience.group_by(["member_id", "source"]).agg(audience=audience.count())
    rows = totals.left_join(
        people, [totals.member_id == people.member_id, totals.source == people.source]
    ).select(
        member_id=totals.member_id,
        source=totals.source,
        love=totals.love,
        interactions=totals.interactions,
        audience=people.audience.fill_null(0).cast("int64"),
    )
    reach = rows.interactions + config.audience_weight * rows.audience
    return rows.mutate(reach=reach).mutate(score=ibis._.love + config.reach_weight * ibis._.reach)


@register("channel_scores")
def channel_scores(tables: Tables) -> ir.Table:
    """Each member's love, reach, score, level and superuser mark per source."""
    return level_table(channel_table(tables))
