"""The runner and `townhall analyze`: stages in order, skipped when absent, incremental re-runs."""

from __future__ import annotations

import builtins
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from townhall.analytics import runner, snapshot, tasks
from townhall.analytics.engines import Engine
from townhall.analytics.tables import Tables
from townhall.core.records import ActivityRecord, Person
from townhall.core.services import ingest

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


def activity(n: int, actor: str, *, target: str | None = None) -> ActivityRecord:
    return ActivityRecord(
        source="slack",
        external_id=f"m{n}",
        kind="reply" if target else "message",
        occurred_at=T0 + timedelta(hours=n),
        actor=Person(external_id=actor, name=actor),
        target=Person(external_id=target, name=target) if target else None,
    )


@pytest.fixture
def fake_stages(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Replace the stages with ones that record what they saw (stage, activity count)."""
    seen: list[tuple[str, int]] = []

    def stage(name: str) -> Any:
        def run(engine: Engine, tables: Tables) -> dict[str, object]:
            count = int(engine.execute(tables.activities.count().as_table()).iloc[0, 0])
            seen.append((name, count))
            return {"activities seen": count}

        return run

    monkeypatch.setattr(
        runner, "_load_stage", lambda module, function: stage(module.rsplit(".", 1)[1])
    )
    return seen


def test_the_stages_run_in_order_after_the_snapshot(fake_stages: list[tuple[str, int]]) -> None:
    ingest([activity(1, "ann"), activity(2, "bob", target="ann")])

    summary = runner.run_analysis("duckdb")

    assert [s.name for s in summary.stages] == ["snapshot", "scores", "graph", "segments", "health"]
    assert fake_stages == [("scoring", 2), ("graph", 2), ("segments", 2), ("health", 2)]
    assert summary.stages[0].summary["new activities"] == 2
    assert summary.ok


def test_a_re_run_copies_only_the_new_activities(fake_stages: list[tuple[str, int]]) -> None:
    ingest([activity(1, "ann"), activity(2, "bob")])
    runner.run_analysis("duckdb", stages=["scores"])
    ingest([activity(3, "cy")])

    summary = runner.run_analysis("duckdb", stages=["scores"])

    snapshot_stage = summary.stages[0].summary
    assert (snapshot_stage["mode"], snapshot_stage["new activities"]) == ("appended", 1)
    assert fake_stages[-1] == ("scoring", 3)


def test_only_runs_the_named_stages(fake_stages: list[tuple[str, int]]) -> None:
    summary = runner.run_analysis("duckdb", stages=["graph"])

    assert [s.name for s in summary.stages] == ["snapshot", "graph"]


def test_a_stage_whose_module_is_missing_is_skipped_with_a_note(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        runner, "STAGES", [("health", "townhall.analytics.no_such_module", "run_health_stage")]
    )

    summary = runner.run_analysis("duckdb")

    health = summary.stages[-1]
    assert (health.status, health.note) == (
        "skipped",
        "townhall.analytics.no_such_module is not installed yet",
    )
    assert summary.ok


def test_a_failing_stage_is_reported_and_the_others_still_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(engine: Engine, tables: Tables) -> dict[str, object]:
        raise ValueError("bad weights")

    def fine(engine: Engine, tables: Tables) -> dict[str, object]:
        return {"ok": 1}

    stages = {"scoring": broken, "graph": fine}
    monkeypatch.setattr(runner, "STAGES", runner.STAGES[:2])
    monkeypatch.setattr(runner, "_load_stage", lambda m, f: stages[m.rsplit(".", 1)[1]])

    summary = runner.run_analysis("duckdb")

    assert [(s.name, s.status) for s in summary.stages[1:]] == [
        ("scores", "failed"),
        ("graph", "done"),
    ]
    assert summary.stages[1].note == "ValueError: bad weights"
    assert not summary.ok


def test_unknown_stage_names_are_refused() -> None:
    with pytest.raises(ValueError, match="choose from snapshot, scores"):
        runner.run_analysis("duckdb", stages=["sores"])


def test_a_second_analysis_does_not_wait_for_a_running_one() -> None:
    with snapshot.locked(), pytest.raises(snapshot.SnapshotBusy):
        runner.run_analysis("duckdb", wait=False)


def test_the_celery_task_skips_while_another_analysis_runs() -> None:
    with snapshot.locked():
        assert tasks.analyze.delay().get() == {"skipped": "another analysis is running"}


def test_the_celery_task_runs_the_analysis_and_is_scheduled(
    fake_stages: list[tuple[str, int]], settings: Any
) -> None:
    ingest([activity(1, "ann")])

    result = tasks.analyze.delay().get()

    assert [s["status"] for s in result["stages"]] == ["done"] * 5
    assert any(
        entry["task"] == "analytics.analyze" for entry in settings.CELERY_BEAT_SCHEDULE.values()
    )


def test_analyze_command_prints_a_summary_per_stage(
    fake_stages: list[tuple[str, int]], capsys: pytest.CaptureFixture[str]
) -> None:
    ingest([activity(1, "ann"), activity(2, "bob", target="ann")])

    call_command("analyze", "--quiet", "--only", "scores")

    output = capsys.readouterr().err
    assert "Analysis on duckdb" in output
    assert "snapshot" in output and "rebuilt" in output
    assert "activities seen 2" in output


def test_analyze_command_explains_when_spark_is_missing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_import = builtins.__import__

    def no_pyspark(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("pyspark"):
            raise ImportError("No module named 'pyspark'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyspark)

    with pytest.raises(CommandError, match=r"PySpark is not installed.*--engine duckdb"):
        call_command("analyze", "--quiet", "--engine", "spark")


def test_master_without_spark_is_refused() -> None:
    with pytest.raises(CommandError, match="--master only applies"):
        call_command("analyze", "--quiet", "--master", "spark://x:7077")
