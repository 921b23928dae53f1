"""Incremental scoring: a run after new activity reads only the new activity, and gives
what a full recompute gives; whatever would make the saved layers wrong forces a full run."""

from __future__ import annotations

import json
from datetime import timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from townhall.analytics import increments, synthetic
from townhall.analytics.increments import groups_for_run, state_dir
from townhall.analytics.scoring import compute_scores, scoring_config
from townhall.analytics.snapshot import load_tables, read_manifest

CONFIG = scoring_config()


@pytest.fixture
def snapshot(tmp_path):
    directory = tmp_path / "snapshot"
    synthetic.write_synthetic_snapshot(directory, activities=20_000, members=2_000, seed=3)
    return directory


def run(engine, snapshot, as_of=synthetic.END, **options):
    tables = load_tables(engine, as_of=as_of, directory=snapshot)
    groups = groups_for_run(engine, tables, CONFIG, **options)
    result = compute_scores(engine, tables, CONFIG, groups=groups.groups, layered=groups.layered)
    return groups, result


def recomputed(engine, snapshot, as_of=synthetic.END):
    return compute_scores(engine, load_tables(engine, as_of=as_of, directory=snapshot), CONFIG)


def explained(text):
    entries = json.loads(text)
    return {
        role: sorted((e["source"], e["kind"], e["n"], round(e["points"], 1)) for e in entries[role])
        for role in ("love", "reach")
    }


def assert_same_scores(incremental, full):
    left = incremental.members.sort_values("member_id", ignore_index=True)
    right = full.members.sort_values("member_id", ignore_index=True)
    numbers = ["love", "interactions", "audience", "reach", "score"]
    pd.testing.assert_frame_equal(left[numbers], right[numbers], rtol=1e-9, check_dtype=False)
    assert left["level"].tolist() == right["level"].tolist()
    assert left["is_superuser"].tolist() == right["is_superuser"].tolist()
    assert [explained(t) for t in left["explanation"]] == [
        explained(t) for t in right["explanation"]
    ]
    keys = ["member_id", "source"]
    channels_left = incremental.channels.sort_values(keys, ignore_index=True)
    channels_right = full.channels.sort_values(keys, ignore_index=True)
    assert channels_left[[*keys, "level"]].equals(channels_right[[*keys, "level"]])
    np.testing.assert_allclose(channels_left["score"], channels_right["score"], rtol=1e-9)


def test_a_run_after_new_activity_adds_a_layer_and_equals_a_full_recompute(duckdb_engine, snapshot):
    first, _ = run(duckdb_engine, snapshot)
    assert (first.mode, first.reason) == ("full", "no saved state")
    synthetic.append_synthetic(snapshot, read_manifest(snapshot), 300, seed=3)
    again, result = run(duckdb_engine, snapshot)
    assert (again.mode, again.new_activities, again.layered) == ("incremental", 300, True)
    assert_same_scores(result, recomputed(duckdb_engine, snapshot))


def test_layers_are_scaled_to_a_later_moment_exactly(duckdb_engine, snapshot):
    run(duckdb_engine, snapshot)
    later = synthetic.END + timedelta(days=45, hours=7)
    synthetic.append_synthetic(snapshot, read_manifest(snapshot), 200, seed=4)
    again, result = run(duckdb_engine, snapshot, as_of=later)
    assert again.mode == "incremental"
    assert_same_scores(result, recomputed(duckdb_engine, snapshot, as_of=later))


def test_changing_a_kind_weight_needs_no_full_run(duckdb_engine, snapshot):
    run(duckdb_engine, snapshot)
    kinds = pq.read_table(snapshot / "kinds.parquet").to_pandas()
    kinds.loc[0, "weight"] = kinds.loc[0, "weight"] * 7
    pq.write_table(pa.Table.from_pandas(kinds, preserve_index=False), snapshot / "kinds.parquet")
    again, result = run(duckdb_engine, snapshot)
    assert again.mode == "incremental" and again.new_activities == 0
    assert_same_scores(result, recomputed(duckdb_engine, snapshot))


def test_a_merge_moves_old_activities_so_the_next_run_is_full(duckdb_engine, snapshot):
    run(duckdb_engine, snapshot)
    identities = pq.read_table(snapshot / "identities.parquet").to_pandas()
    identities.loc[identities.identity_id == 1, "member_id"] = int(identities.member_id.iloc[-1])
    schema = pq.read_schema(snapshot / "identities.parquet")
    pq.write_table(
        pa.Table.from_pandas(identities, schema=schema, preserve_index=False),
        snapshot / "identities.parquet",
    )
    again, result = run(duckdb_engine, snapshot)
    assert again.mode == "full" and "identities moved" in again.reason
    assert_same_scores(result, recomputed(duckdb_engine, snapshot))


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda d: (d / "state.json").unlink(), "no saved state"),
        (lambda d: (d / "state.json").write_text("{not json"), "no saved state"),
        (lambda d: next(d.glob("layer-*.parquet")).unlink(), "a state file is missing"),
    ],
)
def test_a_damaged_state_is_recomputed(duckdb_engine, snapshot, damage, reason):
    run(duckdb_engine, snapshot)
    damage(state_dir(snapshot))
    again, result = run(duckdb_engine, snapshot)
    assert (again.mode, again.reason) == ("full", reason)
    assert_same_scores(result, recomputed(duckdb_engine, snapshot))


def test_an_earlier_as_of_or_activity_dated_after_the_last_run_forces_a_full_run(
    duckdb_engine, snapshot
):
    earlier = synthetic.END - timedelta(days=3)
    run(duckdb_engine, snapshot, as_of=earlier)
    state = json.loads((state_dir(snapshot) / "state.json").read_text())
    assert state["pending_from"] is not None  # the last three days are not in the layer
    again, result = run(duckdb_engine, snapshot)
    assert again.reason == "activities dated after the last run are now in range"
    assert_same_scores(result, recomputed(duckdb_engine, snapshot))
    back, _ = run(duckdb_engine, snapshot, as_of=earlier)
    assert back.reason == "this run is as of an earlier moment than the saved state"


def test_a_rebuilt_snapshot_or_too_many_layers_start_over(duckdb_engine, snapshot, monkeypatch):
    monkeypatch.setattr(increments, "MAX_LAYERS", 2)
    run(duckdb_engine, snapshot)
    synthetic.append_synthetic(snapshot, read_manifest(snapshot), 50, seed=5)
    assert run(duckdb_engine, snapshot)[0].mode == "incremental"
    synthetic.append_synthetic(snapshot, read_manifest(snapshot), 50, seed=6)
    compacted, result = run(duckdb_engine, snapshot)
    assert compacted.reason == "compacting 2 layers"
    assert len(list(state_dir(snapshot).glob("layer-*.parquet"))) == 1
    assert_same_scores(result, recomputed(duckdb_engine, snapshot))
    manifest = read_manifest(snapshot)
    manifest.parts = manifest.parts[:-1]  # as a rebuild renames parts
    (snapshot / "manifest.json").write_text(
        json.dumps(
            {
                **json.loads((snapshot / "manifest.json").read_text()),
                "parts": [vars(p) for p in manifest.parts],
            }
        )
    )
    assert run(duckdb_engine, snapshot)[0].reason == "the snapshot was rebuilt"


def test_tables_not_from_the_snapshot_are_always_computed_in_full(duckdb_engine, snapshot):
    tables = load_tables(duckdb_engine, as_of=synthetic.END, directory=snapshot)
    from dataclasses import replace

    groups = groups_for_run(duckdb_engine, replace(tables, snapshot=None), CONFIG)
    assert (groups.mode, groups.reason) == ("full", "tables not from the snapshot")
    assert not state_dir(snapshot).exists()
