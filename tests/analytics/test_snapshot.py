"""The snapshot: appended by watermark, rebuilt when damaged, loaded as the tables.py contract."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from townhall.analytics import snapshot
from townhall.analytics.engines import Engine
from townhall.analytics.snapshot import load_tables, refresh_snapshot
from townhall.core.models import ActivityKind, Member, Source
from townhall.core.records import ActivityRecord, Person
from townhall.core.services import ingest
from townhall.core.services.merge import merge_members

from .conftest import build_tables

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def record() -> Callable[..., ActivityRecord]:
    """An activity by `actor` (an external id on `source`), optionally aimed at `target`."""
    counter = iter(range(1, 10_000))

    def make(
        actor: str,
        *,
        source: str = "slack",
        kind: str = "message",
        target: str | None = None,
        channel: str = "",
        bot: bool = False,
        hours: int | None = None,
    ) -> ActivityRecord:
        n = next(counter)
        return ActivityRecord(
            source=source,
            external_id=f"{source}-{n}",
            kind=kind,
            occurred_at=T0 + timedelta(hours=n if hours is None else hours),
            actor=Person(external_id=actor, name=actor, is_bot=bot),
            target=Person(external_id=target, name=target) if target else None,
            channel=channel,
        )

    return make


def rows(engine: Engine, tables: Any, name: str = "activities") -> list[dict[str, Any]]:
    table = getattr(tables, name)
    key = "activity_id" if name == "activities" else table.columns[0]
    return engine.execute(table.order_by(key)).to_dict("records")


def member_of(source: str, external_id: str) -> Member:
    return Member.objects.get(identities__source__slug=source, identities__external_id=external_id)


def test_first_refresh_builds_the_snapshot_and_loads_the_contract_columns(
    record: Callable[..., ActivityRecord], duckdb_engine: Engine
) -> None:
    ingest(
        [
            record("ann", channel="#general"),
            record("bob", kind="reply", target="ann"),
            record("deploybot", bot=True),
        ]
    )

    result = refresh_snapshot()

    assert (result.mode, result.new_rows, result.rows) == ("rebuilt", 3, 3)
    tables = load_tables(duckdb_engine)
    built = build_tables(duckdb_engine, activities=[])
    for name in ("activities", "members", "kinds", "sources"):
        assert getattr(tables, name).schema() == getattr(built, name).schema(), name
    activities = rows(duckdb_engine, tables)
    ann, bob = member_of("slack", "ann"), member_of("slack", "bob")
    assert [(a["member_id"], a["kind"], a["source"], a["channel"]) for a in activities] == [
        (ann.pk, "message", "slack", "#general"),
        (bob.pk, "reply", "slack", ""),
        (member_of("slack", "deploybot").pk, "message", "slack", ""),
    ]
    assert activities[1]["target_member_id"] == ann.pk
    assert [a["actor_is_bot"] for a in activities] == [False, False, True]
    assert [a["target_is_bot"] for a in activities] == [False, False, False]


def test_a_second_refresh_appends_only_the_new_activities(
    record: Callable[..., ActivityRecord], duckdb_engine: Engine
) -> None:
    ingest([record("ann"), record("bob")])
    first = refresh_snapshot()
    ingest([record("ann", kind="reply", target="bob")])

    second = refresh_snapshot()
    third = refresh_snapshot()

    assert (second.mode, second.new_rows, second.rows) == ("appended", 1, 3)
    assert second.previous_watermark == first.watermark < second.watermark
    assert (third.mode, third.new_rows, third.parts) == ("unchanged", 0, 2)
    assert len(rows(duckdb_engine, load_tables(duckdb_engine))) == 3


def test_a_merge_moves_old_activities_to_the_kept_member_without_a_rebuild(
    record: Callable[..., ActivityRecord], duckdb_engine: Engine
) -> None:
    ingest(
        [
            record("ann"),
            record("ann2", source="github"),
            record("bob", source="github", target="ann2"),
        ]
    )
    refresh_snapshot()
    keep, absorbed = member_of("slack", "ann"), member_of("github", "ann2")

    merge_members(keep, absorbed, reason="same person", by="test")
    result = refresh_snapshot()

    assert result.mode == "unchanged"
    tables = load_tables(duckdb_engine)
    activities = rows(duckdb_engine, tables)
    assert [a["member_id"] for a in activities[:2]] == [keep.pk, keep.pk]
    assert activities[2]["target_member_id"] == keep.pk
    assert absorbed.pk not in {m["member_id"] for m in rows(duckdb_engine, tables, "members")}


def test_a_member_marked_bot_later_marks_their_old_activities_as_bot(
    record: Callable[..., ActivityRecord], duckdb_engine: Engine
) -> None:
    ingest([record("helper"), record("ann", target="helper")])
    refresh_snapshot()
    Member.objects.filter(pk=member_of("slack", "helper").pk).update(is_bot=True)

    refresh_snapshot()

    activities = rows(duckdb_engine, load_tables(duckdb_engine))
    assert [(a["actor_is_bot"], a["target_is_bot"]) for a in activities] == [
        (True, False),
        (False, True),
    ]


def test_kind_and_source_weights_come_from_the_database(
    record: Callable[..., ActivityRecord], duckdb_engine: Engine
) -> None:
    ingest([record("ann", kind="star", source="github")])
    ActivityKind.objects.filter(slug="star").update(weight=0.25)
    Source.objects.filter(slug="github").update(config={"weight": 3})

    refresh_snapshot()

    tables = load_tables(duckdb_engine)
    kinds = {r["kind"]: r["weight"] for r in rows(duckdb_engine, tables, "kinds")}
    sources = {r["source"]: r["weight"] for r in rows(duckdb_engine, tables, "sources")}
    assert kinds["star"] == 0.25
    assert sources["github"] == 3.0


def test_deleting_a_source_rebuilds_the_snapshot_without_its_activities(
    record: Callable[..., ActivityRecord], duckdb_engine: Engine
) -> None:
    ingest([record("ann"), record("ann", source="reddit"), record("bob")])
    refresh_snapshot()
    from townhall.core.models import Activity, Identity

    reddit = Source.objects.get(slug="reddit")
    Activity.objects.filter(source=reddit).delete()
    Identity.objects.filter(source=reddit).delete()
    reddit.delete()

    result = refresh_snapshot()

    assert result.mode == "rebuilt"
    assert "deleted" in result.reason
    assert [a["source"] for a in rows(duckdb_engine, load_tables(duckdb_engine))] == [
        "slack",
        "slack",
    ]


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda d: (d / "manifest.json").unlink(), id="manifest deleted"),
        pytest.param(lambda d: (d / "manifest.json").write_text("{"), id="manifest garbled"),
        pytest.param(
            lambda d: next((d / "activities").glob("*.parquet")).write_bytes(b"not parquet"),
            id="part garbled",
        ),
        pytest.param(
            lambda d: next((d / "activities").glob("*.parquet")).unlink(), id="part deleted"
        ),
        pytest.param(lambda d: (d / "identities.parquet").unlink(), id="identities deleted"),
    ],
)
def test_a_damaged_snapshot_is_rebuilt_from_the_database(
    damage: Callable[[Path], None],
    record: Callable[..., ActivityRecord],
    duckdb_engine: Engine,
) -> None:
    ingest([record("ann"), record("bob")])
    refresh_snapshot()
    damage(snapshot.snapshot_dir())
    ingest([record("cy")])

    result = refresh_snapshot()

    assert (result.mode, result.rows) == ("rebuilt", 3)
    assert len(rows(duckdb_engine, load_tables(duckdb_engine))) == 3


def test_refresh_streams_in_chunks_and_splits_parts(
    record: Callable[..., ActivityRecord],
    duckdb_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(snapshot, "CHUNK_ROWS", 2)
    monkeypatch.setattr(snapshot, "PART_ROWS", 4)
    ingest([record(f"p{i}") for i in range(9)])
    seen: list[tuple[int, int]] = []

    result = refresh_snapshot(progress=lambda done, total: seen.append((done, total)))

    assert seen == [(2, 9), (4, 9), (6, 9), (8, 9), (9, 9)]
    assert result.parts == 3
    ids = [a["activity_id"] for a in rows(duckdb_engine, load_tables(duckdb_engine))]
    assert ids == sorted(set(ids)) and len(ids) == 9


def test_many_small_appends_are_compacted(
    record: Callable[..., ActivityRecord],
    duckdb_engine: Engine,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(snapshot, "COMPACT_AFTER", 3)
    for i in range(5):
        ingest([record(f"p{i}")])
        refresh_snapshot()

    manifest = snapshot.check_snapshot()

    assert manifest.parts and len(manifest.parts) <= 3
    assert len(list((snapshot.snapshot_dir() / "activities").glob("*.parquet"))) == len(
        manifest.parts
    )
    assert len(rows(duckdb_engine, load_tables(duckdb_engine))) == 5


def test_as_of_leaves_out_later_activities(
    record: Callable[..., ActivityRecord], duckdb_engine: Engine
) -> None:
    ingest([record("ann", hours=1), record("ann", hours=5)])
    refresh_snapshot()

    tables = load_tables(duckdb_engine, as_of=T0 + timedelta(hours=2))

    assert len(rows(duckdb_engine, tables)) == 1
    assert tables.as_of == T0 + timedelta(hours=2)


def test_loading_without_a_snapshot_says_how_to_make_one(duckdb_engine: Engine) -> None:
    with pytest.raises(snapshot.SnapshotMissing, match="no snapshot"):
        load_tables(duckdb_engine)


def test_spark_loads_the_same_rows_as_duckdb(
    record: Callable[..., ActivityRecord], duckdb_engine: Engine, spark_engine: Engine
) -> None:
    ingest([record("ann"), record("bob", kind="reply", target="ann"), record("bot", bot=True)])
    refresh_snapshot()

    on_duckdb = load_tables(duckdb_engine, as_of=T0 + timedelta(days=1))
    on_spark = load_tables(spark_engine, as_of=T0 + timedelta(days=1))

    for name in ("activities", "members", "kinds", "sources"):
        spark_rows = [utc_naive(r) for r in rows(spark_engine, on_spark, name)]
        duckdb_rows = [utc_naive(r) for r in rows(duckdb_engine, on_duckdb, name)]
        assert spark_rows == duckdb_rows, name


def utc_naive(row: dict[str, Any]) -> dict[str, Any]:
    """Comparable values: Spark hands back session-time (UTC) naive timestamps, DuckDB
    aware ones; a missing integer is NaN in pandas (and NaN != NaN)."""
    out = {}
    for key, value in row.items():
        if getattr(value, "tzinfo", None) is not None:
            value = value.tz_convert(None)
        elif isinstance(value, float) and math.isnan(value):
            value = None
        out[key] = value
    return out
