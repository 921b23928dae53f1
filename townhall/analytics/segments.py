"""Evaluating segments: which members a definition (docs/segments.md) holds right now.

A definition has two kinds of parts, evaluated where their data lives and intersected:

- attributes, organizations, scores, levels, per-source levels, superuser and trends:
  one Django ORM query on core's tables (Member, MemberScore, MemberChannelScore);
- sources and activity rules: one Ibis expression over the activity snapshot (`Tables`),
  run by the engine — a filter, a group-by and a HAVING per rule, intersected in the
  engine — so no activity row comes back to Python, only member ids.

Memberships are written through `townhall.core.services.segments.write_memberships`,
which inserts and deletes only the difference. `run_segments_stage` re-evaluates every
segment during `townhall analyze`; `evaluate_segment_now` does one on demand.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import ibis
import ibis.expr.types as ir
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet

from townhall.analytics.engines import Engine
from townhall.analytics.tables import Tables
from townhall.core.models import Member, MemberChannelScore, Segment
from townhall.core.services.segments import (
    MembershipsWritten,
    SegmentDefinition,
    parse_definition,
    write_memberships,
)


def database_members(definition: SegmentDefinition) -> QuerySet[Member]:
    """Live members matching the definition's attribute, score and level parts."""
    d = definition
    a = d.attributes
    members = Member.active.all()
    if not a.include_bots:
        members = members.filter(is_bot=False)
    if a.is_employee is not None:
        members = members.filter(is_employee=a.is_employee)
    if a.roles:
        members = members.filter(role__in=a.roles)
    if a.email_domain:
        members = members.filter(primary_email__iendswith="@" + a.email_domain.lstrip("@"))
    if a.joined_after:
        members = members.filter(created_at__date__gte=a.joined_after)
    if a.joined_before:
        members = members.filter(created_at__date__lt=a.joined_before)
    for key, value in a.fields.items():
        members = members.filter(**{f"attributes__{key}": value})
    if d.organizations:
        members = members.filter(organization_id__in=d.organizations)
    for name in ("score", "love", "reach"):
        bounds = getattr(d.scores, name)
        if bounds is None:
            continue
        if bounds.min is not None:
            members = members.filter(**{f"score__{name}__gte": bounds.min})
        if bounds.max is not None:
            members = members.filter(**{f"score__{name}__lte": bounds.max})
    if d.levels:
        members = members.filter(score__level__in=d.levels)
    if d.superuser is not None:
        members = members.filter(score__is_superuser=d.superuser)
    if d.trends:
        members = members.filter(score__trend__in=d.trends)
    for rule in d.source_levels:
        members = members.filter(
            Exists(
                MemberChannelScore.objects.filter(
                    member=OuterRef("pk"), source=rule.source, level__in=rule.levels
                )
            )
        )
    return members


def activity_expression(tables: Tables, definition: SegmentDefinition) -> ir.Table | None:
    """(member_id) of members meeting every sources/activity part; None when there is none."""
    as_of = ibis.literal(tables.as_of, type="timestamp('UTC')")
    a = tables.activities
    a = a.filter(~a.actor_is_bot, a.occurred_at <= as_of)
    parts: list[ir.Table] = []
    if definition.sources:
        since = as_of - ibis.interval(days=definition.sources_days)
        on = a.filter(a.source.isin(definition.sources), a.occurred_at > since)
        parts.append(on.select("member_id").distinct())
    for rule in definition.activity:
        since = as_of - ibis.interval(days=rule.days)
        chosen = a.filter(a.occurred_at > since)
        if rule.kinds:
            chosen = chosen.filter(chosen.kind.isin(rule.kinds))
        if rule.sources:
            chosen = chosen.filter(chosen.source.isin(rule.sources))
        counts = chosen.group_by("member_id").agg(n=chosen.count())
        parts.append(counts.filter(counts.n >= rule.min_count).select("member_id"))
    if not parts:
        return None
    return parts[0].intersect(*parts[1:]) if len(parts) > 1 else parts[0]


def evaluate(
    definition: SegmentDefinition | dict[str, Any],
    engine: Engine | None = None,
    tables: Tables | None = None,
) -> set[int]:
    """The ids of the members the definition holds (the engine is needed for activity parts)."""
    definition = parse_definition(definition)
    expression = None
    if definition.needs_engine:
        if engine is None or tables is None:
            raise ValueError("This segment filters on activity: evaluate it with an engine.")
        expression = activity_expression(tables, definition)
    ids = set(database_members(definition).values_list("pk", flat=True).iterator(chunk_size=20_000))
    if expression is not None and engine is not None:
        active = engine.execute(expression)["member_id"]
        ids &= {int(m) for m in active.dropna()}
    return ids


def evaluate_segment(
    segment: Segment, engine: Engine | None = None, tables: Tables | None = None
) -> MembershipsWritten:
    """Re-evaluate one segment and write its memberships (only the changes)."""
    ids = evaluate(segment.definition, engine, tables)
    evaluated_at = tables.as_of if tables is not None else datetime.now(UTC)
    return write_memberships(segment, ids, evaluated_at=evaluated_at)


def evaluate_segment_now(segment: Segment) -> MembershipsWritten:
    """Re-evaluate one segment on demand (the "Evaluate now" button, the API, the CLI).

    A definition without activity parts is only a database query. One with them brings
    the activity snapshot up to date first (incremental, under the snapshot's lock, so
    it waits for a running analysis) and runs on DuckDB.
    """
    definition = parse_definition(segment.definition)
    if not definition.needs_engine:
        return evaluate_segment(segment)
    from townhall.analytics import snapshot
    from townhall.analytics.engines import connect

    with snapshot.locked(wait=True):
        snapshot.refresh_snapshot()
        engine = connect("duckdb")
        tables = snapshot.load_tables(engine, as_of=datetime.now(UTC))
        return evaluate_segment(segment, engine, tables)


def run_segments_stage(engine: Engine, tables: Tables) -> dict[str, object]:
    """Re-evaluate every segment; counts of segments, members, additions, removals, failures."""
    started = time.perf_counter()
    totals = {"segments": 0, "members": 0, "added": 0, "removed": 0, "invalid": 0}
    for segment in Segment.objects.order_by("pk"):
        try:
            written = evaluate_segment(segment, engine, tables)
        except (ValueError, ValidationError):
            # A definition stored before a rule changed (or edited by hand) is skipped,
            # not fatal: the others are still kept current. The page shows it as stale.
            totals["invalid"] += 1
            continue
        totals["segments"] += 1
        totals["members"] += written.members
        totals["added"] += written.added
        totals["removed"] += written.removed
    summary: dict[str, object] = dict(totals)
    summary["seconds"] = round(time.perf_counter() - started, 2)
    return summary
