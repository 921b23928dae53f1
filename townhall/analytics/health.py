"""The `health` stage: compute the community-health datasets and keep them for the dashboard.

The pipelines are in townhall/analytics/pipelines/health.py. Their results are small (one
row per day, week, month, cohort or level), so each is stored as one JSON file under
`settings.DATA_DIR/analytics/dashboard/<name>.json` — no table, no migration — written
atomically so a page never reads half a file. The dashboard reads them with
`read_dataset` and never waits for the engine.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
from django.conf import settings

from townhall.analytics.engines import Engine
from townhall.analytics.pipelines import health as pipelines
from townhall.analytics.tables import Tables

# Dataset name → (pipeline, title); the order is the dashboard's.
DATASETS: dict[str, str] = {
    "active_members": "Active members by day, week and month, per source",
    "new_returning": "New and returning members per month",
    "retention": "Retention by join-month cohort",
    "community_response": "Response time and solved rate of community questions",
    "top_contributors": "Top contributors per source",
    "level_distribution": "Members per level at each month's end",
}
_PIPELINES = {
    "active_members": pipelines.active_members,
    "new_returning": pipelines.new_returning,
    "retention": pipelines.retention,
    "community_response": pipelines.community_response,
    "top_contributors": pipelines.top_contributors,
    "level_distribution": pipelines.level_distribution,
}


@dataclass(frozen=True)
class Dataset:
    """One stored dataset: its rows (plain JSON values) and when they were computed."""

    name: str
    title: str
    columns: list[str]
    rows: list[dict[str, Any]]
    as_of: datetime | None

    @property
    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=self.columns)


def dashboard_dir() -> Path:
    """Where the dashboard's datasets live (created on demand)."""
    return Path(settings.DATA_DIR) / "analytics" / "dashboard"


def prepared(engine: Engine, tables: Tables) -> Tables:
    """`tables` with the people's activities up to as_of computed once into the engine.

    Every health pipeline (and each month-end scoring pass of the level distribution)
    reads them; resolving identities and filtering bots once instead of a dozen times
    is most of the stage's cost.
    """
    a = tables.activities
    as_of = ibis.literal(tables.as_of, type="timestamp('UTC')")
    people = a.filter(~a.actor_is_bot, a.occurred_at <= as_of)
    return replace(tables, activities=engine.materialize("health_activities", people))


def compute_health(engine: Engine, tables: Tables) -> dict[str, pd.DataFrame]:
    """Run every health pipeline on `engine`; one small DataFrame per dataset."""
    tables = prepared(engine, tables)
    return {name: engine.execute(pipeline(tables)) for name, pipeline in _PIPELINES.items()}


def run_health_stage(engine: Engine, tables: Tables) -> dict[str, object]:
    """Compute the health datasets and store them for the dashboard; counts and timings back."""
    started = time.perf_counter()
    frames = compute_health(engine, tables)
    computed = time.perf_counter()
    for name, frame in frames.items():
        write_dataset(name, frame, as_of=tables.as_of)
    summary: dict[str, object] = {f"{name} rows": len(frame) for name, frame in frames.items()}
    summary["compute s"] = round(computed - started, 2)
    summary["write s"] = round(time.perf_counter() - computed, 2)
    return summary


def write_dataset(
    name: str, frame: pd.DataFrame, *, as_of: datetime, directory: Path | None = None
) -> Path:
    """Store one dataset as JSON (dates as ISO text, NaN as null), replacing the old file."""
    folder = directory or dashboard_dir()
    folder.mkdir(parents=True, exist_ok=True)
    rows = [{column: _plain(value) for column, value in row.items()} for row in _records(frame)]
    document = {
        "name": name,
        "as_of": as_of.astimezone(UTC).isoformat(),
        "computed_at": datetime.now(UTC).isoformat(),
        "columns": list(frame.columns),
        "rows": rows,
    }
    path = folder / f"{name}.json"
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump(document, out, separators=(",", ":"))
    os.replace(temporary, path)
    return path


def read_dataset(name: str, *, directory: Path | None = None) -> Dataset:
    """A stored dataset; an empty one (as_of None) when the stage has not run yet."""
    if name not in DATASETS:
        raise KeyError(name)
    path = (directory or dashboard_dir()) / f"{name}.json"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return Dataset(name, DATASETS[name], [], [], None)
    return Dataset(
        name=name,
        title=DATASETS[name],
        columns=list(document.get("columns", [])),
        rows=list(document.get("rows", [])),
        as_of=datetime.fromisoformat(document["as_of"]) if document.get("as_of") else None,
    )


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    # Sorted so the file (and the CSV) reads in a stable order whichever engine ran.
    if frame.empty:
        return []
    return frame.sort_values(list(frame.columns)).to_dict(orient="records")


def _plain(value: Any) -> Any:
    """A JSON value: dates as ISO text, NaN/NaT as null, numpy scalars as Python ones."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp):
        if pd.isna(value):
            return None
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    item = getattr(value, "item", None)
    if callable(item):
        value = item()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    return value
