"""Incremental scoring: the decayed groups kept between runs, so that a run after new
activity reads only the new activity.

Scores rest on one grouped pass over all activities (`decayed_groups`: per member, role,
source and kind, the count and Σ 2^(−age/H)). Exponential decay composes exactly: the
same sum as of a later moment T1 is the sum as of T0 times 2^(−(T1 − T0)/H). So a run
keeps its groups as *layers* on disk, each with the moment it was computed as of, and
the next run adds one layer for the activities the snapshot appended since (those
above the saved watermark). The groups a run uses are the union of the layers, each
scaled to the run's as-of; every downstream sum (per source, per member) adds them up,
and explanations regroup them. Weights are applied after, so changing a kind's or a
source's weight needs no new pass.

Layout, next to the snapshot (`<data dir>/analytics/scores-state/`):

    state.json          what the layers cover: half-life, snapshot watermark and part
                        files, a checksum of identity → member and bot flags, the earliest
                        activity dated after the last as-of, the layers
    layer-<id>.parquet  member_id, role, source, kind, n, decay (as of the layer's as_of)

A run recomputes everything from the snapshot, and starts over with one layer, when:
there is no readable state; the half-life changed; the snapshot was rebuilt (its part
files changed) or shrank; the run is as of an earlier moment than the state; an
activity that was dated after the last as-of is now within range; identities moved
between members (a merge or an unmerge) or changed bot flag — old activities' members
are then different; or there are `MAX_LAYERS` layers already (compaction). Only DuckDB
keeps state; Spark runs recompute (a cluster's scratch space is not ours to manage).
"""

from __future__ import annotations

import json
import math
import os
import uuid
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from townhall.analytics.engines import Engine
from townhall.analytics.pipelines.scores import GROUP_COLUMNS, decayed_groups
from townhall.analytics.scoring import ScoringConfig
from townhall.analytics.snapshot import RAW_ACTIVITIES, Manifest, read_manifest
from townhall.analytics.tables import Tables

VERSION = 1
MAX_LAYERS = 8
STATE_FILE = "state.json"
GROUPS_SCHEMA = pa.schema(
    [
        ("member_id", pa.int64()),
        ("role", pa.string()),
        ("source", pa.string()),
        ("kind", pa.string()),
        ("n", pa.int64()),
        ("decay", pa.float64()),
    ]
)


@dataclass
class Layer:
    file: str
    as_of: str
    rows: int


@dataclass
class State:
    """What the saved layers cover (state.json)."""

    version: int
    half_life_days: float
    watermark: int
    parts: list[str]
    max_identity: int
    identities: str
    # The earliest activity in the snapshot dated after the last as-of (ISO), if any.
    pending_from: str | None
    layers: list[Layer] = field(default_factory=list)


@dataclass
class RunGroups:
    """The decayed groups for a run, and how they were obtained."""

    groups: ir.Table
    mode: str  # "incremental" or "full"
    reason: str
    new_activities: int = 0
    layered: bool = False  # more than one layer: a (member, role, source, kind) may repeat


def state_dir(snapshot: Path) -> Path:
    """Where the layers of the snapshot at `snapshot` are kept."""
    return snapshot.parent / "scores-state"


def groups_for_run(
    engine: Engine, tables: Tables, config: ScoringConfig, *, full: bool = False
) -> RunGroups:
    """The run's decayed groups: the saved layers plus one for the new activities, or a
    full pass (saved as the only layer) when the state cannot be trusted (see above)."""
    if engine.name != "duckdb" or tables.snapshot is None:
        why = "tables not from the snapshot" if tables.snapshot is None else "Spark engine"
        return RunGroups(decayed_groups(tables, config), "full", why)
    directory = state_dir(tables.snapshot)
    manifest = read_manifest(tables.snapshot)
    state = _read_state(directory)
    identities = _identity_checksum(tables.snapshot, state.max_identity if state else None)
    reason = (
        "asked for a full run" if full else _why_full(state, manifest, config, tables, identities)
    )
    if reason:
        groups = decayed_groups(tables, config)
        layers = [_write_layer(engine, directory, groups, tables.as_of)]
        _save(engine, directory, tables, config, manifest, layers)
        _remove_unlisted(directory, layers)
        groups = _read_layers(engine, directory, layers, tables.as_of, config.half_life_days)
        return RunGroups(groups, "full", reason)
    assert state is not None
    # Appending writes new part files, so the new activities are those of the new parts.
    new_rows = sum(part.rows for part in manifest.parts if part.file not in set(state.parts))
    layers = list(state.layers)
    if new_rows:
        fresh = tables.activities.filter(tables.activities.activity_id > state.watermark)
        delta = decayed_groups(replace(tables, activities=fresh), config)
        layers.append(_write_layer(engine, directory, delta, tables.as_of))
    _save(engine, directory, tables, config, manifest, layers)
    groups = _read_layers(engine, directory, layers, tables.as_of, config.half_life_days)
    return RunGroups(
        groups,
        "incremental",
        f"{len(layers)} layer(s) since the last full run",
        new_activities=new_rows,
        layered=len(layers) > 1,
    )


def _why_full(
    state: State | None, manifest: Manifest, config: ScoringConfig, tables: Tables, identities: str
) -> str:
    """Why the saved layers cannot be used for this run, or "" when they can."""
    if state is None:
        return "no saved state"
    if state.version != VERSION:
        return "the state was saved by another version"
    if not math.isclose(state.half_life_days, config.half_life_days):
        return "the half-life changed"
    current = {part.file for part in manifest.parts}
    if not set(state.parts) <= current or manifest.watermark < state.watermark:
        return "the snapshot was rebuilt"
    as_of = tables.as_of
    if any(datetime.fromisoformat(layer.as_of) > as_of for layer in state.layers):
        return "this run is as of an earlier moment than the saved state"
    if state.pending_from and datetime.fromisoformat(state.pending_from) <= as_of:
        return "activities dated after the last run are now in range"
    if identities != state.identities:
        return "identities moved between members or changed bot flag"
    if len(state.layers) >= MAX_LAYERS:
        return f"compacting {len(state.layers)} layers"
    directory = state_dir(tables.snapshot or Path())
    if not all((directory / layer.file).exists() for layer in state.layers):
        return "a state file is missing"
    return ""


def _write_layer(engine: Engine, directory: Path, groups: ir.Table, as_of: datetime) -> Layer:
    directory.mkdir(parents=True, exist_ok=True)
    name = f"layer-{uuid.uuid4().hex[:12]}.parquet"
    target = directory / name
    partial = directory / f".{name}.partial"
    engine.con.to_parquet(groups.select(*GROUP_COLUMNS), str(partial))
    os.replace(partial, target)
    return Layer(file=name, as_of=as_of.isoformat(), rows=pq.ParquetFile(target).metadata.num_rows)


def _read_layers(
    engine: Engine, directory: Path, layers: list[Layer], as_of: datetime, half_life: float
) -> ir.Table:
    """The layers as one table, each layer's decay scaled to `as_of`."""
    tables = []
    for layer in layers:
        table = engine.read_parquet("score_layer", [str(directory / layer.file)], GROUPS_SCHEMA)
        age_days = (as_of - datetime.fromisoformat(layer.as_of)).total_seconds() / 86400.0
        factor = 2.0 ** (-age_days / half_life)
        if factor != 1.0:
            table = table.mutate(decay=table.decay * ibis.literal(factor))
        tables.append(table.select(*GROUP_COLUMNS))
    return ibis.union(*tables) if len(tables) > 1 else tables[0]


def _save(
    engine: Engine,
    directory: Path,
    tables: Tables,
    config: ScoringConfig,
    manifest: Manifest,
    layers: list[Layer],
) -> None:
    """Write state.json last and atomically: it is the commit point of a run's layers."""
    assert tables.snapshot is not None
    max_identity, identities = _identity_summary(tables.snapshot)
    state = State(
        version=VERSION,
        half_life_days=config.half_life_days,
        watermark=manifest.watermark,
        parts=[part.file for part in manifest.parts],
        max_identity=max_identity,
        identities=identities,
        pending_from=_pending_from(engine, tables.snapshot, manifest, tables.as_of),
        layers=layers,
    )
    partial = directory / f".{STATE_FILE}.partial"
    partial.write_text(json.dumps(asdict(state), indent=1))
    os.replace(partial, directory / STATE_FILE)


def _read_state(directory: Path) -> State | None:
    try:
        raw = json.loads((directory / STATE_FILE).read_text())
        raw["layers"] = [Layer(**layer) for layer in raw.get("layers", [])]
        return State(**raw)
    except (OSError, ValueError, TypeError):
        return None


def _remove_unlisted(directory: Path, layers: list[Layer]) -> None:
    keep = {layer.file for layer in layers}
    for path in directory.glob("layer-*.parquet"):
        if path.name not in keep:
            path.unlink(missing_ok=True)


def _identities(snapshot: Path) -> pa.Table:
    return pq.read_table(
        snapshot / "identities.parquet", columns=["identity_id", "member_id", "is_bot"]
    )


def _checksum(table: pa.Table) -> str:
    """An order-free fingerprint of (identity, member, bot) rows: a sum of mixed hashes."""
    ids = table.column("identity_id").to_numpy().astype(np.uint64)
    members = table.column("member_id").to_numpy().astype(np.uint64)
    bots = table.column("is_bot").to_numpy(zero_copy_only=False).astype(np.uint64)
    with np.errstate(over="ignore"):
        mixed = ids * np.uint64(0x9E3779B97F4A7C15) ^ members * np.uint64(0xC2B2AE3D27D4EB4F) ^ bots
        mixed ^= mixed >> np.uint64(29)
        return f"{len(ids)}:{int(mixed.sum(dtype=np.uint64))}"


def _identity_summary(snapshot: Path) -> tuple[int, str]:
    """The highest identity id, and the checksum of every identity up to it."""
    table = _identities(snapshot)
    if table.num_rows == 0:
        return 0, "0:0"
    return int(pa.compute.max(table.column("identity_id")).as_py()), _checksum(table)


def _identity_checksum(snapshot: Path, up_to: int | None) -> str:
    """The checksum over the identities that existed when the state was saved (new
    identities belong to new activities and change nothing old)."""
    if up_to is None:
        return ""
    table = _identities(snapshot)
    return _checksum(table.filter(pa.compute.less_equal(table.column("identity_id"), up_to)))


def _pending_from(
    engine: Engine, snapshot: Path, manifest: Manifest, as_of: datetime
) -> str | None:
    """The earliest activity in the snapshot dated after `as_of` (a run as of a past
    moment, or clocks ahead): it is not in the layers, and is due once a run reaches it."""
    files = [str(snapshot / "activities" / part.file) for part in manifest.parts]
    raw = engine.read_parquet("raw_pending", files, RAW_ACTIVITIES)
    later = raw.filter(raw.occurred_at > ibis.literal(as_of, type="timestamp('UTC')"))
    first = later.occurred_at.min().execute()
    if first is None or pd.isna(first):
        return None
    return pd.Timestamp(first).isoformat()
