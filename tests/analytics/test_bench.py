"""`townhall bench analytics` and its synthetic community (tiny sizes; no timing asserts)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest
from django.core.management import call_command

from townhall.analytics import synthetic
from townhall.analytics.engines import Engine
from townhall.analytics.snapshot import check_snapshot, load_tables

from .conftest import build_tables


def test_the_synthetic_snapshot_loads_as_the_contract_tables(
    tmp_path: Path, duckdb_engine: Engine
) -> None:
    manifest = synthetic.write_synthetic_snapshot(tmp_path, 5_000, 500, seed=3)

    assert check_snapshot(tmp_path).rows == manifest.rows == 5_000
    tables = load_tables(duckdb_engine, as_of=synthetic.END, directory=tmp_path)
    built = build_tables(duckdb_engine, activities=[])
    for name in ("activities", "members", "kinds", "sources"):
        assert getattr(tables, name).schema() == getattr(built, name).schema(), name
    frame = duckdb_engine.execute(tables.activities)
    assert len(frame) == 5_000  # every actor identity resolves to a member
    assert frame["activity_id"].is_monotonic_increasing
    assert frame.sort_values("activity_id")["occurred_at"].is_monotonic_increasing
    assert frame["target_member_id"].notna().mean() > 0.2
    assert frame["actor_is_bot"].any() and not frame["actor_is_bot"].all()
    assert frame["source"].nunique() == len(synthetic.SOURCES)


def test_synthetic_activity_is_skewed_towards_a_few_members(tmp_path: Path) -> None:
    synthetic.write_synthetic_snapshot(tmp_path, 20_000, 2_000, seed=3)

    counts = duckdb.sql(
        f"SELECT count(*) AS n FROM '{tmp_path}/activities/*.parquet' "
        "GROUP BY identity_id ORDER BY n DESC"
    ).fetchnumpy()["n"]

    top_percent = counts[: len(counts) // 100].sum() / counts.sum()
    assert top_percent > 0.2


def test_the_same_seed_gives_the_same_data() -> None:
    start, end = synthetic.END - synthetic.SPAN, synthetic.END

    one = synthetic.activity_batch(np.random.default_rng(1), 1, 100, 50, start, end)
    two = synthetic.activity_batch(np.random.default_rng(1), 1, 100, 50, start, end)

    assert one.equals(two)


@pytest.mark.django_db
def test_bench_analytics_prints_every_stage_with_a_baseline_and_peak_memory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command(
        "bench", "analytics", "--activities", "3000", "--members", "300", "--keep", str(tmp_path)
    )

    output = capsys.readouterr().out
    for stage in (
        "baseline",
        "snapshot load",
        "scores",
        "levels",
        "per-channel levels",
        "trends",
        "graph",
        "append 1 %",
        "re-run",
        "peak memory",
    ):
        assert stage in output, stage
    assert "3,000 activities" in output
