"""Engagement scores: love, reach and the combined score, one row per member.

Inputs: `tables.activities` (bots excluded through `actor_is_bot`, nothing after
`tables.as_of`), `kinds` and `sources` weights (1.0 when a kind or source has none),
`members` (one output row per non-bot member, zeros when they have no activity).

Formulas (H = half_life_days, age in days back from as_of, w = kind weight × source weight):

    decay(a)     = 2 ** (−age(a) / H)
    love(m)      = Σ over m's own activities a:              w(a) × decay(a)
    interactions = Σ over activities a by another, non-bot member, whose
                   target_member_id is m (replies, reactions, mentions…): w(a) × decay(a)
    audience(m)  = distinct non-bot members who interacted with m in the last audience_days
    reach(m)     = interactions(m) + audience_weight × audience(m)
    score(m)     = love(m) + reach_weight × reach(m)

Every term is local — it reads only m's own activities and those aimed at m — so adding
unrelated members changes nobody else's score (no percentiles, no normalisation).

The heavy work is one grouped pass per side (`contributions`): activities grouped by
(member, source, kind) summing only the decay; weights are joined on that small result
(Σ w × decay = w × Σ decay within a group). Everything else — per-source rows
(channels.py), the global roll-up, explanations — is computed from those groups.
"""

from __future__ import annotations

import json
import math

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir

from townhall.analytics.pipelines import register
from townhall.analytics.scoring import ScoringConfig, scoring_config
from townhall.analytics.tables import Tables

LOVE = "love"
REACH = "reach"


def _as_of(tables: Tables) -> ir.TimestampScalar:
    return ibis.literal(tables.as_of, type="timestamp('UTC')")


@ibis.udf.scalar.builtin(name="epoch")
def _duckdb_epoch(value: dt.Timestamp(timezone="UTC")) -> dt.float64:  # type: ignore[valid-type]
    """DuckDB's epoch() of a timestamptz: seconds since 1970, no time-zone conversion."""


def epoch_seconds(tables: Tables, value: ir.TimestampValue) -> ir.FloatingValue:
    """Seconds since 1970 of a UTC timestamp, as cheaply as the engine allows.

    Ibis' portable epoch_seconds() casts a DuckDB timestamptz to a naive timestamp
    first — a time-zone conversion per row that nearly doubles the cost of the whole
    scoring pass on 10M activities — so DuckDB gets its native epoch() instead.
    """
    if tables.activities.get_backend().name == "duckdb":
        return _duckdb_epoch(value)
    return value.epoch_seconds().cast("float64")


def _decay(tables: Tables, activities: ir.Table, config: ScoringConfig) -> ir.FloatingValue:
    """2 ** (−age / H) as exp(k × (t − as_of)), k = ln 2 / H in seconds: one multiply, one exp."""
    k = math.log(2) / (config.half_life_days * 86400.0)
    as_of = tables.as_of.timestamp()
    return ((epoch_seconds(tables, activities.occurred_at) - as_of) * k).exp()


def _human_activities(tables: Tables) -> ir.Table:
    a = tables.activities
    return a.filter(~a.actor_is_bot, a.occurred_at <= _as_of(tables))


def _interactions(tables: Tables) -> ir.Table:
    """Activities aimed at another, non-bot member by a non-bot member."""
    a = _human_activities(tables)
    return a.filter(
        a.target_member_id.notnull(), a.target_member_id != a.member_id, ~a.target_is_bot
    )


def decayed_groups(tables: Tables, config: ScoringConfig | None = None) -> ir.Table:
    """(member_id, role, source, kind, n, decay): the one grouped pass over activities.

    role "love": the member's own activities; role "reach": interactions they received.
    decay = Σ 2^(−age/H) as of `tables.as_of`, before any weight — so weights can change
    without a new pass, and groups computed as of an earlier moment stay exact when
    scaled by 2^(−Δ/H) (townhall/analytics/increments.py keeps them between runs).
    """
    config = config or scoring_config()
    own = _human_activities(tables)
    love = own.group_by(["member_id", "source", "kind"]).agg(
        n=own.count(), decay=_decay(tables, own, config).sum()
    )
    love = love.mutate(role=ibis.literal(LOVE))
    received = _interactions(tables)
    reach = received.group_by([received.target_member_id.name("member_id"), "source", "kind"]).agg(
        n=received.count(), decay=_decay(tables, received, config).sum()
    )
    reach = reach.mutate(role=ibis.literal(REACH))
    return love.select(*GROUP_COLUMNS).union(reach.select(*GROUP_COLUMNS))


GROUP_COLUMNS = ("member_id", "role", "source", "kind", "n", "decay")


def weigh(groups: ir.Table, tables: Tables) -> ir.Table:
    """(member_id, role, source, kind, n, points): decayed groups × kind and source weights."""
    kinds, sources = tables.kinds, tables.sources
    joined = groups.left_join(kinds, groups.kind == kinds.kind).left_join(
        sources, groups.source == sources.source
    )
    return joined.select(
        member_id=groups.member_id,
        role=groups.role,
        source=groups.source,
        kind=groups.kind,
        n=groups.n,
        points=groups.decay * kinds.weight.fill_null(1.0) * sources.weight.fill_null(1.0),
    )


def contributions(tables: Tables, config: ScoringConfig | None = None) -> ir.Table:
    """(member_id, role, source, kind, n, points): what each (kind, source) adds to love or reach.

    role "love": the member's own activities; role "reach": interactions they received.
    points = kind weight × source weight × Σ decay.
    """
    return weigh(decayed_groups(tables, config), tables)


def audience_pairs(tables: Tables, config: ScoringConfig | None = None) -> ir.Table:
    """(member_id, source, actor_id): who interacted with whom, where, in the audience window."""
    config = config or scoring_config()
    received = _interactions(tables)
    since = _as_of(tables) - ibis.interval(days=config.audience_days)
    recent = received.filter(received.occurred_at > since)
    return recent.select(
        member_id=recent.target_member_id, source=recent.source, actor_id=recent.member_id
    ).distinct()


def source_totals(
    tables: Tables, config: ScoringConfig | None = None, *, parts: ir.Table | None = None
) -> ir.Table:
    """(member_id, source, love, interactions): contributions summed per member and source.

    The middle step between the (member, source, kind) groups and both the per-source
    rows (channels.py) and the global ones, so each is one small roll-up.
    """
    config = config or scoring_config()
    parts = parts if parts is not None else contributions(tables, config)
    is_love = parts.role == LOVE
    return parts.group_by(["member_id", "source"]).agg(
        love=is_love.ifelse(parts.points, 0.0).sum(),
        interactions=(~is_love).ifelse(parts.points, 0.0).sum(),
    )


def score_table(
    tables: Tables,
    config: ScoringConfig | None = None,
    *,
    parts: ir.Table | None = None,
    audience: ir.Table | None = None,
    totals: ir.Table | None = None,
) -> ir.Table:
    """(member_id, love, interactions, audience, reach, score): one row per non-bot member.

    `parts`, `audience` and `totals` may be passed already computed (`contributions`,
    `audience_pairs`, `source_totals`, e.g. cached) so the stage scans activities once.
    """
    config = config or scoring_config()
    if totals is None:
        totals = source_totals(tables, config, parts=parts)
    audience = audience if audience is not None else audience_pairs(tables, config)
    sums = totals.group_by("member_id").agg(
        love=totals.love.sum(), interactions=totals.interactions.sum()
    )
    people = audience.group_by("member_id").agg(audience=audience.actor_id.nunique())
    members = tables.members.filter(~tables.members.is_bot.fill_null(False))
    rows = members.left_join(sums, members.member_id == sums.member_id).left_join(
        people, members.member_id == people.member_id
    )
    love = sums.love.fill_null(0.0)
    interactions = sums.interactions.fill_null(0.0)
    audience_n = people.audience.fill_null(0).cast("int64")
    reach = interactions + config.audience_weight * audience_n
    return rows.select(
        member_id=members.member_id,
        love=love,
        interactions=interactions,
        audience=audience_n,
        reach=reach,
        score=love + config.reach_weight * reach,
    )


def explanation_table(
    tables: Tables, config: ScoringConfig | None = None, *, parts: ir.Table | None = None
) -> ir.Table:
    """(member_id, role, rank, source, kind, n, points): each member's top contributions.

    The `explain_top` largest (kind, source) contributions to love and to reach, ranked
    in the engine (ties broken by source, then kind, so both engines agree).
    """
    config = config or scoring_config()
    parts = parts if parts is not None else contributions(tables, config)
    window = ibis.window(
        group_by=[parts.member_id, parts.role],
        order_by=[parts.points.desc(), parts.source, parts.kind],
    )
    ranked = parts.mutate(rank=(ibis.row_number().over(window) + 1).cast("int64"))
    return ranked.filter(ranked.rank <= config.explain_top).select(
        "member_id", "role", "rank", "source", "kind", "n", "points"
    )


def _json_text(value: ir.StringValue) -> ir.StringValue:
    """A string as the inside of a JSON string literal (slugs rarely need it; be safe)."""
    return value.replace("\\", "\\\\").replace('"', '\\"')


def explanation_lists(
    tables: Tables, config: ScoringConfig | None = None, *, parts: ir.Table | None = None
) -> ir.Table:
    """(member_id, love, reach): each member's top contributions as JSON array bodies.

    The ranked rows of `explanation_table` pivoted per member (one column per rank) and
    joined into text in the engine, so nothing loops over members in Python:
    love = '{"source":"slack","kind":"reply","n":12,"points":8.5},{…}' (no brackets).
    """
    config = config or scoring_config()
    ranked = explanation_table(tables, config, parts=parts)
    entry = (
        ibis.literal('{"source":"')
        + _json_text(ranked.source)
        + ibis.literal('","kind":"')
        + _json_text(ranked.kind)
        + ibis.literal('","n":')
        + ranked.n.cast("string")
        + ibis.literal(',"points":')
        + ranked.points.round(2).cast("string")
        + ibis.literal("}")
    )
    none = ibis.null("string")
    columns = {
        f"{role}_{rank}": ((ranked.role == role) & (ranked.rank == rank)).ifelse(entry, none).max()
        for role in (LOVE, REACH)
        for rank in range(1, config.explain_top + 1)
    }
    wide = ranked.group_by("member_id").agg(**columns)
    comma = ibis.literal(",")

    def joined(role: str) -> ir.StringValue:
        # CONCAT_WS skips NULLs on both engines: fewer than explain_top entries is fine.
        return comma.join([wide[f"{role}_{rank}"] for rank in range(1, config.explain_top + 1)])

    return wide.select("member_id", love=joined(LOVE), reach=joined(REACH))


def explained_score_table(
    tables: Tables,
    config: ScoringConfig | None = None,
    *,
    parts: ir.Table | None = None,
    audience: ir.Table | None = None,
    totals: ir.Table | None = None,
) -> ir.Table:
    """`score_table` with `level`, `is_superuser` and `explanation` (JSON text), all in the engine.

    explanation = {"criteria": {"level", "min_score", "next", "next_at"}, "audience": N,
    "interactions": X, "love": [top contributions…], "reach": […]}.
    """
    from townhall.analytics.pipelines.levels import level_table

    config = config or scoring_config()
    parts = parts if parts is not None else contributions(tables, config)
    scored = level_table(
        score_table(tables, config, parts=parts, audience=audience, totals=totals), config
    )
    lists = explanation_lists(tables, config, parts=parts)
    rows = scored.left_join(lists, scored.member_id == lists.member_id)
    criteria = ibis.cases(
        *[
            (rows.level == name, ibis.literal(json.dumps(config.criteria(name))))
            for name in config.level_names
        ],
        else_=ibis.literal("{}"),
    )
    explanation = (
        ibis.literal('{"criteria":')
        + criteria
        + ibis.literal(',"audience":')
        + rows.audience.cast("string")
        + ibis.literal(',"interactions":')
        + rows.interactions.round(2).cast("string")
        + ibis.literal(',"love":[')
        + lists.love.fill_null("")
        + ibis.literal('],"reach":[')
        + lists.reach.fill_null("")
        + ibis.literal("]}")
    )
    return rows.select(*[scored[c] for c in scored.columns], explanation=explanation)


@register("scores")
def scores(tables: Tables) -> ir.Table:
    """Each non-bot member's love, reach, score, level and superuser mark."""
    from townhall.analytics.pipelines.levels import level_table

    return level_table(score_table(tables))


@register("score_explanations")
def score_explanations(tables: Tables) -> ir.Table:
    """Each member's top (kind, source) contributions to love and reach."""
    return explanation_table(tables)
