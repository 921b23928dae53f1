"""Run the analysis: snapshot → scores → graph → segments → health, timing each stage.

Each stage after the snapshot is a function `run_<name>_stage(engine, tables) -> dict`
in its own module (see STAGES); a stage whose module is not installed is skipped with a
note, so the runner works while the analytics app grows. Re-runs are incremental: the
snapshot appends only the activities above its watermark.

If the snapshot disappears or is damaged while a stage reads it (someone deleted the
data directory, a disk hiccup), the snapshot is rebuilt from the database and the
stage is run once more on the rebuilt tables.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import import_module
from typing import Any

from townhall.analytics import snapshot
from townhall.analytics.engines import Engine, connect
from townhall.analytics.tables import Tables

# (stage, module, function): the order is the order they run in.
STAGES: list[tuple[str, str, str]] = [
    ("scores", "townhall.analytics.scoring", "run_scores_stage"),
    ("graph", "townhall.analytics.graph", "run_graph_stage"),
    ("segments", "townhall.analytics.segments", "run_segments_stage"),
    ("health", "townhall.analytics.health", "run_health_stage"),
]
logger = logging.getLogger(__name__)

STAGE_NAMES = ["snapshot", *(name for name, _, _ in STAGES)]

# progress(stage, event, detail): event is "start", "rows" (detail: (done, total)),
# "done" (detail: the stage's summary), "skipped" or "failed" (detail: why).
ProgressCallback = Callable[[str, str, Any], None]


@dataclass
class StageResult:
    name: str
    status: str  # "done", "skipped" or "failed"
    seconds: float = 0.0
    summary: dict[str, object] = field(default_factory=dict)
    note: str = ""


@dataclass
class RunSummary:
    """What one analysis did: the engine, the snapshot's state, each stage's result."""

    engine: str
    as_of: datetime
    stages: list[StageResult]
    seconds: float

    @property
    def ok(self) -> bool:
        return all(stage.status != "failed" for stage in self.stages)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly form (the Celery task returns it)."""
        return {
            "engine": self.engine,
            "as_of": self.as_of.isoformat(),
            "seconds": round(self.seconds, 2),
            "stages": [
                {
                    "name": s.name,
                    "status": s.status,
                    "seconds": round(s.seconds, 2),
                    "summary": {k: _plain(v) for k, v in s.summary.items()},
                    "note": s.note,
                }
                for s in self.stages
            ],
        }


def run_analysis(
    engine: str = "duckdb",
    master: str | None = None,
    stages: list[str] | None = None,
    progress: ProgressCallback | None = None,
    *,
    rebuild: bool = False,
    as_of: datetime | None = None,
    wait: bool = True,
) -> RunSummary:
    """Refresh the snapshot and run the stages (all, or those named in `stages`).

    The snapshot stage always runs (the others read it). One analysis at a time per data
    directory: with `wait=False` a second one raises SnapshotBusy instead of queueing.
    Raises EngineUnavailable when the engine cannot start (e.g. PySpark missing).
    """
    unknown = sorted(set(stages or []) - set(STAGE_NAMES))
    if unknown:
        raise ValueError(
            f"Unknown stage(s) {', '.join(unknown)}; choose from {', '.join(STAGE_NAMES)}"
        )
    wanted = [name for name, _, _ in STAGES if stages is None or name in stages]
    notify = progress or (lambda stage, event, detail: None)
    started = time.perf_counter()
    as_of = as_of or datetime.now(UTC)
    results: list[StageResult] = []
    with snapshot.locked(wait=wait):
        results.append(_refresh(notify, rebuild=rebuild))
        connected = connect(engine, master=master)
        tables = snapshot.load_tables(connected, as_of=as_of)
        for name, module_name, function_name in STAGES:
            if name not in wanted:
                continue
            stage = _load_stage(module_name, function_name)
            if stage is None:
                note = f"{module_name} is not installed yet"
                results.append(StageResult(name, "skipped", note=note))
                notify(name, "skipped", note)
                continue
            result, tables = _run_stage(name, stage, connected, tables, as_of, notify)
            results.append(result)
    return RunSummary(engine, as_of, results, time.perf_counter() - started)


def _refresh(notify: ProgressCallback, *, rebuild: bool) -> StageResult:
    notify("snapshot", "start", None)
    refreshed = snapshot.refresh_snapshot(
        rebuild=rebuild, progress=lambda done, total: notify("snapshot", "rows", (done, total))
    )
    summary: dict[str, object] = {
        "mode": refreshed.mode,
        "new activities": refreshed.new_rows,
        "activities": refreshed.rows,
        "watermark": refreshed.watermark,
        "parts": refreshed.parts,
    }
    notify("snapshot", "done", summary)
    return StageResult("snapshot", "done", refreshed.seconds, summary, note=refreshed.reason)


def _load_stage(module_name: str, function_name: str) -> Callable[..., dict[str, Any]] | None:
    """The stage function, or None when its module (or function) does not exist yet."""
    try:
        module = import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name and module_name.startswith(error.name):
            return None
        raise  # the module exists but one of *its* imports is missing: a real error
    function: Callable[..., dict[str, Any]] | None = getattr(module, function_name, None)
    return function


def _run_stage(
    name: str,
    stage: Callable[[Engine, Tables], dict[str, Any]],
    engine: Engine,
    tables: Tables,
    as_of: datetime,
    notify: ProgressCallback,
) -> tuple[StageResult, Tables]:
    """Run one stage; if the snapshot vanished under it, rebuild, reload and retry once."""
    notify(name, "start", None)
    started = time.perf_counter()
    note = ""
    try:
        try:
            summary = stage(engine, tables)
        except Exception:
            try:
                snapshot.check_snapshot()
            except snapshot.SnapshotMissing as damage:
                note = f"snapshot rebuilt mid-run ({damage})"
                snapshot.refresh_snapshot(rebuild=True)
                tables = snapshot.load_tables(engine, as_of=as_of)
                summary = stage(engine, tables)
            else:
                raise  # the stage's own error, not the snapshot's
    except Exception as error:
        # One stage failing must not stop the others (segments do not need the graph);
        # the summary says which failed and why, and the log has the traceback.
        logger.exception("analytics stage %s failed", name)
        result = StageResult(
            name, "failed", time.perf_counter() - started, note=f"{type(error).__name__}: {error}"
        )
        notify(name, "failed", result.note)
        return result, tables
    result = StageResult(name, "done", time.perf_counter() - started, dict(summary), note)
    notify(name, "done", result.summary)
    return result, tables


def _plain(value: object) -> object:
    """Numbers and strings as JSON has them (numpy scalars become Python ones)."""
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    item = getattr(value, "item", None)
    return item() if callable(item) else str(value)
