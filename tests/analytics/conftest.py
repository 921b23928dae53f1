"""Shared analytics fixtures: engines (one SparkSession per test session) and a table builder.

`build_tables(engine, activities=[...], members=[...], as_of=...)` turns short dicts into
the tables.py schemas, filling defaults, so a test states only what matters:

    tables = build_tables(duckdb_engine, activities=[
        act(1, member=1, kind="message", at="2026-01-01"),
        act(2, member=2, kind="reply", target=1, at="2026-01-02"),
    ])
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pytest

from townhall.analytics.engines import SCHEMAS, Engine, EngineUnavailable, connect
from townhall.analytics.tables import Tables

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)


def _at(value: str | datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def act(
    activity_id: int,
    *,
    member: int,
    kind: str = "message",
    at: str | datetime = "2026-05-01",
    source: str = "slack",
    channel: str = "",
    target: int | None = None,
    conversation: str = "",
    parent: str = "",
    bot: bool = False,
    target_bot: bool = False,
) -> dict[str, Any]:
    """One activity row in the tables.py schema."""
    return {
        "activity_id": activity_id,
        "occurred_at": _at(at),
        "source": source,
        "kind": kind,
        "channel": channel,
        "member_id": member,
        "target_member_id": target,
        "conversation_id": conversation,
        "parent_id": parent,
        "external_id": f"{source}-{activity_id}",
        "actor_is_bot": bot,
        "target_is_bot": target_bot,
    }


def person(
    member_id: int,
    *,
    name: str = "",
    bot: bool = False,
    employee: bool = False,
    organization: int | None = None,
    created: str | datetime = "2025-01-01",
) -> dict[str, Any]:
    """One member row in the tables.py schema."""
    return {
        "member_id": member_id,
        "display_name": name or f"Member {member_id}",
        "is_bot": bot,
        "is_employee": employee,
        "organization_id": organization,
        "created_at": _at(created),
    }


def arrow(name: str, rows: list[dict[str, Any]]) -> pa.Table:
    """Rows as an Arrow table with the named tables.py schema."""
    schema = SCHEMAS[name].to_pyarrow()
    return pa.Table.from_pylist(rows, schema=schema)


def build_tables(
    engine: Engine,
    *,
    activities: list[dict[str, Any]],
    members: list[dict[str, Any]] | None = None,
    kinds: dict[str, float] | None = None,
    sources: dict[str, float] | None = None,
    as_of: datetime = AS_OF,
) -> Tables:
    """Tables on `engine`; members default to everyone who acts or is targeted."""
    if members is None:
        ids = {row["member_id"] for row in activities} | {
            row["target_member_id"] for row in activities if row["target_member_id"] is not None
        }
        members = [person(member_id) for member_id in sorted(ids)]
    kinds = kinds if kinds is not None else {row["kind"]: 1.0 for row in activities}
    sources = sources if sources is not None else {row["source"]: 1.0 for row in activities}
    return engine.load(
        activities=arrow("activities", activities),
        members=arrow("members", members),
        kinds=arrow("kinds", [{"kind": k, "weight": w} for k, w in kinds.items()]),
        sources=arrow("sources", [{"source": s, "weight": w} for s, w in sources.items()]),
        as_of=as_of,
    )


@pytest.fixture(scope="session")
def duckdb_engine() -> Engine:
    return connect("duckdb")


@pytest.fixture(scope="session")
def spark_engine() -> Iterator[Engine]:
    """One SparkSession for the whole test session (it takes seconds to start)."""
    try:
        engine = connect("spark", master="local[2]")
    except EngineUnavailable as error:  # pragma: no cover - depends on the machine
        pytest.fail(f"Spark is required for the engine-agreement tests: {error}")
    yield engine


@pytest.fixture(params=["duckdb", "spark"])
def engine(request: pytest.FixtureRequest) -> Engine:
    """Each engine in turn: a test using it runs on DuckDB and on Spark."""
    return request.getfixturevalue(f"{request.param}_engine")
