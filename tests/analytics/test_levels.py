"""Levels: published thresholds on the member's own score; the top level marks superusers."""

from __future__ import annotations

import ibis
import pytest

from townhall.analytics.engines import Engine
from townhall.analytics.pipelines.levels import level_table
from townhall.analytics.pipelines.scores import scores
from townhall.analytics.scoring import DEFAULT_LEVELS, scoring_config

from .conftest import AS_OF, act, build_tables


def levels_for(engine: Engine, values: list[float], config=None) -> list[tuple[str, bool]]:
    scores = ibis.memtable({"score": [float(v) for v in values]})
    frame = engine.execute(level_table(scores, config or scoring_config()))
    return list(zip(frame["level"], frame["is_superuser"], strict=True))


def test_each_threshold_starts_its_level(duckdb_engine):
    values = [minimum for _, minimum in DEFAULT_LEVELS]
    assert levels_for(duckdb_engine, values) == [
        ("Observer", False),
        ("Participant", False),
        ("Contributor", False),
        ("Advocate", False),
        ("Champion", True),
    ]


def test_a_score_just_below_a_threshold_keeps_the_level_below(duckdb_engine):
    assert levels_for(duckdb_engine, [0.99, 149.99]) == [("Observer", False), ("Advocate", False)]


def test_thresholds_and_the_superuser_level_are_configurable(duckdb_engine):
    config = scoring_config(
        {"levels": {"Lurker": 0, "Regular": 5, "Hero": 20}, "superuser_level": "Hero"}
    )
    assert levels_for(duckdb_engine, [4, 5, 25], config) == [
        ("Lurker", False),
        ("Regular", False),
        ("Hero", True),
    ]


def test_an_unknown_setting_or_superuser_level_is_refused():
    with pytest.raises(ValueError, match="Unknown scoring setting"):
        scoring_config({"half_live_days": 30})
    with pytest.raises(ValueError, match="superuser_level"):
        scoring_config({"superuser_level": "Legend"})


def test_the_scores_pipeline_gives_every_member_a_level(duckdb_engine):
    activities = [act(i, member=1, at=AS_OF) for i in range(1, 13)] + [act(20, member=2, at=AS_OF)]
    frame = duckdb_engine.execute(scores(build_tables(duckdb_engine, activities=activities)))
    assert dict(zip(frame["member_id"], frame["level"], strict=True)) == {
        1: "Contributor",
        2: "Participant",
    }


def test_criteria_name_the_next_level():
    assert scoring_config().criteria("Contributor") == {
        "level": "Contributor",
        "min_score": 10.0,
        "next": "Advocate",
        "next_at": 50.0,
    }
    assert "next" not in scoring_config().criteria("Champion")
