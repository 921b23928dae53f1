"""Celery tasks of the analytics app: thin wrappers over the runner, safe to run twice."""

from __future__ import annotations

from typing import Any

from celery import shared_task

from townhall.analytics.runner import run_analysis
from townhall.analytics.snapshot import SnapshotBusy


@shared_task(name="analytics.analyze")
def analyze(engine: str = "duckdb", master: str | None = None) -> dict[str, Any]:
    """Run the analysis incrementally (the beat schedule calls this hourly).

    If another analysis holds the snapshot, this one skips rather than queueing behind
    it: the next scheduled run picks up whatever is new.
    """
    try:
        return run_analysis(engine, master=master, wait=False).as_dict()
    except SnapshotBusy:
        return {"skipped": "another analysis is running"}
