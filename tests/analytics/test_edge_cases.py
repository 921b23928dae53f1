"""Edge cases of a whole analysis: empty, tiny, silent and bot-only communities, Spark
missing, and the snapshot deleted while a stage reads it."""

from __future__ import annotations

import builtins
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from townhall.analytics import runner, snapshot
from townhall.analytics.engines import EngineUnavailable
from townhall.core.models import Member, MemberScore
from townhall.core.records import ActivityRecord, Person
from townhall.core.services import ingest

pytestmark = pytest.mark.django_db

AS_OF = datetime(2026, 4, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.DATA_DIR = tmp_path
    return tmp_path


def activity(n: int, actor: str, *, target: str | None = None, bot: bool = False) -> ActivityRecord:
    return ActivityRecord(
        source="slack",
        external_id=f"m{n}",
        kind="reply" if target else "message",
        occurred_at=AS_OF - timedelta(days=n),
        actor=Person(external_id=actor, name=actor, is_bot=bot),
        target=Person(external_id=target, name=target) if target else None,
    )


def analyse(**options: Any) -> runner.RunSummary:
    summary = runner.run_analysis("duckdb", as_of=AS_OF, **options)
    failed = [(s.name, s.note) for s in summary.stages if s.status == "failed"]
    assert not failed
    return summary


def scores() -> dict[int, tuple[float, float, float]]:
    return {
        row.member_id: (round(row.love, 9), round(row.reach, 9), round(row.score, 9))
        for row in MemberScore.objects.all()
    }


def test_an_empty_community_runs_every_stage_without_error() -> None:
    summary = analyse()

    assert summary.stages[0].summary["activities"] == 0
    assert MemberScore.objects.count() == 0


def test_a_single_member_gets_a_score() -> None:
    ingest([activity(1, "ann"), activity(2, "ann")])

    analyse()

    (member,) = Member.active.all()
    love, reach, score = scores()[member.pk]
    assert love > 0 and reach == 0 and score == love


def test_members_with_no_activity_score_zero() -> None:
    ingest([activity(1, "ann", target="bob")])
    silent = Member.objects.create(display_name="Silent")

    analyse()

    assert scores()[silent.pk] == (0.0, 0.0, 0.0)
    assert len(scores()) == 3


def test_a_community_of_only_bots_gives_nobody_a_score() -> None:
    ingest([activity(1, "ci", bot=True), activity(2, "deploy", bot=True, target="ci")])

    analyse()

    assert all(score == (0.0, 0.0, 0.0) for score in scores().values())


def test_spark_missing_says_so_and_how_to_go_on(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_pyspark(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.startswith("pyspark"):
            raise ImportError("No module named 'pyspark'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyspark)

    with pytest.raises(EngineUnavailable, match="PySpark is not installed") as error:
        runner.run_analysis("spark", as_of=AS_OF)
    assert "--engine duckdb" in str(error.value)


def test_a_snapshot_deleted_mid_run_is_rebuilt_and_the_result_is_right(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ingest([activity(n, f"p{n % 3}", target=f"p{(n + 1) % 3}") for n in range(1, 9)])
    analyse(stages=["scores"])
    expected = scores()
    MemberScore.objects.all().delete()
    real_load_stage = runner._load_stage

    def deleting_first(module: str, function: str) -> Any:
        stage = real_load_stage(module, function)
        assert stage is not None

        def run(engine: Any, tables: Any) -> dict[str, Any]:
            if not getattr(run, "done", False):
                run.done = True  # type: ignore[attr-defined]
                shutil.rmtree(snapshot.snapshot_dir())
            return stage(engine, tables)

        return run

    monkeypatch.setattr(runner, "_load_stage", deleting_first)

    summary = analyse(stages=["scores"])

    assert "snapshot rebuilt mid-run" in summary.stages[1].note
    assert scores() == expected
    assert snapshot.check_snapshot().rows == 8
