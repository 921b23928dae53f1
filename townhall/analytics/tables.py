"""The tables every pipeline reads: the contract between the snapshot and the pipelines.

The snapshot (townhall/analytics/snapshot.py) stores what the database holds; `Tables`
is what pipelines see after identities are resolved to their *current* member (merges
move identities, so an activity's member is looked up through its identity at run
time, never frozen into the snapshot). Pipelines are pure Ibis expressions over these
tables, so the same code runs on DuckDB and on Spark.

Column meanings:

activities — one row per activity, bots included (filter on `actor_is_bot`):
    activity_id       int64      the core Activity's primary key (the watermark)
    occurred_at       timestamp  UTC
    source            string     the source's slug ("slack", "github", "community"…)
    kind              string     the activity kind's slug ("message", "reply", "solution-accepted"…)
    channel           string     Slack channel, repository, board…; "" when none
    member_id         int64      the acting member, after merges
    target_member_id  int64?     who was replied to, mentioned or reacted to; null when none
    conversation_id   string     thread / conversation key within the source; "" when none
    parent_id         string     the external id of the parent activity; "" when none
    external_id       string
    actor_is_bot      boolean    the identity or its member is a bot
    target_is_bot     boolean    the target identity or member is a bot (false without target)

members — one row per live (not merged-away) member:
    member_id int64, display_name string, is_bot boolean, is_employee boolean,
    organization_id int64?, created_at timestamp

kinds — kind string, weight float64 (ActivityKind.weight; neutral 1.0 by default)
sources — source string, weight float64 (Source.config["weight"], default 1.0)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import ibis
import ibis.expr.types as ir

ACTIVITIES_SCHEMA = ibis.schema(
    {
        "activity_id": "int64",
        "occurred_at": "timestamp('UTC')",
        "source": "string",
        "kind": "string",
        "channel": "string",
        "member_id": "int64",
        "target_member_id": "int64",
        "conversation_id": "string",
        "parent_id": "string",
        "external_id": "string",
        "actor_is_bot": "boolean",
        "target_is_bot": "boolean",
    }
)

MEMBERS_SCHEMA = ibis.schema(
    {
        "member_id": "int64",
        "display_name": "string",
        "is_bot": "boolean",
        "is_employee": "boolean",
        "organization_id": "int64",
        "created_at": "timestamp('UTC')",
    }
)

KINDS_SCHEMA = ibis.schema({"kind": "string", "weight": "float64"})
SOURCES_SCHEMA = ibis.schema({"source": "string", "weight": "float64"})


@dataclass(frozen=True)
class Tables:
    """The inputs of every pipeline, as Ibis tables bound to one engine."""

    activities: ir.Table
    members: ir.Table
    kinds: ir.Table
    sources: ir.Table
    # The moment the analysis is "at": decay and windows are measured back from here,
    # so a run is reproducible and a test needs no frozen clock.
    as_of: datetime
    # The snapshot directory the tables were loaded from (None for tables built in
    # memory): stages that keep state between runs (increments.py) key it to this.
    snapshot: Path | None = None
