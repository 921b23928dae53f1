"""Interaction edges: who interacts with whom, per source, with decayed weights.

Inputs: `tables.activities` (humans only: activities whose actor is a bot are left
out, and so are targets that are bots), `tables.kinds` and `tables.sources` weights,
`tables.as_of`. Activities after `as_of` are ignored, so a run is reproducible.

Two kinds of edge, both directed (`source_member` → `target_member`), self-loops left out:

1. Direct interactions: every activity with a target member — a reply, a mention, a
   reaction, an accepted solution… Weight of one interaction:

       kind weight × source weight × 2^(−age / half-life)

   where age = as_of − occurred_at, in days.

2. Co-participation: two members active in the same conversation (same
   `conversation_id` within one source). Linking every pair would give a 500-person
   thread 125,000 edges and drown the real interactions, so each participant is linked
   only to the conversation's starter and to the participant who joined just before
   them (participants in order of their first activity in the conversation; ties by
   smallest activity id, then member id). A conversation of p people gives at most
   2p − 3 edges. Weight: COPARTICIPATION_WEIGHT × source weight × 2^(−age / half-life)
   with the age of the joiner's first activity in the conversation.

Output (one row per source_member, target_member, source):
    source_member int64, target_member int64, source string,
    weight float64 (sum of the decayed weights), interactions int64 (how many
    interactions or co-participations it sums)
"""

from __future__ import annotations

import math

import ibis
import ibis.expr.types as ir

from townhall.analytics.pipelines import register
from townhall.analytics.tables import Tables

HALF_LIFE_DAYS = 90.0
COPARTICIPATION_WEIGHT = 0.5
_SECONDS_PER_DAY = 86_400.0


def _decay(
    occurred_at: ir.TimestampValue, tables: Tables, half_life_days: float
) -> ir.FloatingValue:
    """2^(−age/half-life), age measured back from `tables.as_of` in days."""
    as_of_seconds = tables.as_of.timestamp()
    age_days = (ibis.literal(as_of_seconds) - occurred_at.epoch_seconds()) / _SECONDS_PER_DAY
    return (age_days * (-math.log(2) / half_life_days)).exp()


def _human_activities(tables: Tables) -> ir.Table:
    a = tables.activities
    as_of = ibis.literal(tables.as_of, type="timestamp('UTC')")
    return a.filter(~a.actor_is_bot, a.occurred_at <= as_of)


def _source_weights(tables: Tables) -> ir.Table:
    return tables.sources.select(
        w_source=tables.sources.source, source_weight=tables.sources.weight
    )


def direct_edges(tables: Tables, half_life_days: float = HALF_LIFE_DAYS) -> ir.Table:
    """Replies, mentions, reactions…: one row per interaction, weighted and decayed."""
    a = _human_activities(tables)
    a = a.filter(a.target_member_id.notnull(), a.target_member_id != a.member_id, ~a.target_is_bot)
    kinds = tables.kinds.select(w_kind=tables.kinds.kind, kind_weight=tables.kinds.weight)
    sources = _source_weights(tables)
    joined = a.left_join(kinds, a.kind == kinds.w_kind).left_join(
        sources, a.source == sources.w_source
    )
    return joined.select(
        source_member=joined.member_id,
        target_member=joined.target_member_id,
        source=joined.source,
        weight=joined.kind_weight.fill_null(1.0)
        * joined.source_weight.fill_null(1.0)
        * _decay(joined.occurred_at, tables, half_life_days),
    )


def coparticipation_edges(tables: Tables, half_life_days: float = HALF_LIFE_DAYS) -> ir.Table:
    """Each conversation's participants linked to its starter and to the one before them."""
    a = _human_activities(tables)
    a = a.filter(a.conversation_id != "")
    participants = a.group_by(["source", "conversation_id", "member_id"]).agg(
        first_at=a.occurred_at.min(), first_id=a.activity_id.min()
    )
    window = ibis.window(
        group_by=[participants.source, participants.conversation_id],
        order_by=[participants.first_at, participants.first_id, participants.member_id],
    )
    ordered = participants.mutate(
        position=ibis.row_number().over(window),
        previous=participants.member_id.lag().over(window),
    )
    starters = ordered.filter(ordered.position == 0).select(
        s_source=ordered.source, s_conversation=ordered.conversation_id, starter=ordered.member_id
    )
    joiners = ordered.filter(ordered.position >= 1)
    linked = joiners.join(
        starters,
        [joiners.source == starters.s_source, joiners.conversation_id == starters.s_conversation],
    )
    to_starter = linked.select(
        source_member=linked.member_id,
        target_member=linked.starter,
        source=linked.source,
        first_at=linked.first_at,
    )
    to_previous = linked.filter(linked.position >= 2).select(
        source_member=linked.member_id,
        target_member=linked.previous,
        source=linked.source,
        first_at=linked.first_at,
    )
    links = to_starter.union(to_previous)
    sources = _source_weights(tables)
    weighted = links.left_join(sources, links.source == sources.w_source)
    return weighted.select(
        source_member=weighted.source_member,
        target_member=weighted.target_member,
        source=weighted.source,
        weight=weighted.source_weight.fill_null(1.0)
        * COPARTICIPATION_WEIGHT
        * _decay(weighted.first_at, tables, half_life_days),
    )


@register("edges")
def edges(tables: Tables, half_life_days: float = HALF_LIFE_DAYS) -> ir.Table:
    """Directed, decayed interaction edges per source (see the module docstring)."""
    rows = direct_edges(tables, half_life_days).union(coparticipation_edges(tables, half_life_days))
    grouped = rows.group_by(["source_member", "target_member", "source"]).agg(
        weight=rows.weight.sum(), interactions=rows.count()
    )
    return grouped.order_by(["source_member", "target_member", "source"])
