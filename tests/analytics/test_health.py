"""Health pipelines: active members, new vs returning, retention, response time, top
contributors, levels over time — their meaning on DuckDB, and the same rows on Spark."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from townhall.analytics.engines import Engine
from townhall.analytics.health import read_dataset, run_health_stage, write_dataset
from townhall.analytics.pipelines import health
from townhall.analytics.tables import Tables

from .conftest import act, build_tables, person
from .test_engines_agree import comparable


def community() -> list[dict[str, Any]]:
    """Three people over April and May 2026 (as_of is 1 June), a bot, two questions."""
    return [
        # April: 1 and 2 join; 1 asks, 2 answers after 2 hours, 1 accepts the solution.
        act(
            1,
            member=1,
            kind="question",
            source="community",
            conversation="topic:1",
            at="2026-04-02T10:00",
        ),
        act(
            2,
            member=1,
            kind="reply",
            source="community",
            conversation="topic:1",
            at="2026-04-02T11:00",
        ),  # the asker's own reply does not count
        act(
            3,
            member=2,
            kind="reply",
            source="community",
            conversation="topic:1",
            at="2026-04-02T12:00",
            target=1,
        ),
        act(
            4,
            member=1,
            kind="solution",
            source="community",
            conversation="topic:1",
            at="2026-04-03T09:00",
            target=2,
        ),
        # May: 2 returns on Slack, 3 joins and asks; only a bot answers.
        act(5, member=2, kind="message", source="slack", at="2026-05-20"),
        act(
            6,
            member=3,
            kind="question",
            source="community",
            conversation="topic:2",
            at="2026-05-04T10:00",
        ),
        act(
            7,
            member=9,
            kind="reply",
            source="community",
            conversation="topic:2",
            at="2026-05-04T10:05",
            bot=True,
        ),
        act(8, member=9, kind="message", source="slack", at="2026-05-21", bot=True),
    ]


def tables_on(engine: Engine) -> Tables:
    members = [
        person(1, name="Ada"),
        person(2, name="Bo"),
        person(3, name="Cy"),
        person(9, name="Bot", bot=True),
    ]
    return build_tables(engine, activities=community(), members=members)


def rows(engine: Engine, expr: Any) -> list[dict[str, Any]]:
    frame = engine.execute(expr)
    frame = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    out = []
    for record in frame.to_dict(orient="records"):
        out.append({k: (v.date() if isinstance(v, pd.Timestamp) else v) for k, v in record.items()})
    return out


def test_active_members_count_people_per_month_and_source_without_bots(duckdb_engine):
    result = rows(duckdb_engine, health.active_members(tables_on(duckdb_engine)))
    months = {(r["period"], r["source"]): r["members"] for r in result if r["grain"] == "month"}

    assert months == {
        (date(2026, 4, 1), "community"): 2,
        (date(2026, 4, 1), health.ALL_SOURCES): 2,
        (date(2026, 5, 1), "community"): 1,
        (date(2026, 5, 1), "slack"): 1,
        (date(2026, 5, 1), health.ALL_SOURCES): 2,
    }


def test_weeks_start_on_monday_and_days_are_calendar_days(duckdb_engine):
    result = rows(duckdb_engine, health.active_members(tables_on(duckdb_engine)))
    weeks = {r["period"] for r in result if r["grain"] == "week"}
    days = {r["period"] for r in result if r["grain"] == "day" and r["source"] == "community"}

    assert all(week.weekday() == 0 for week in weeks)
    assert days == {date(2026, 4, 2), date(2026, 4, 3), date(2026, 5, 4)}


def test_new_members_are_those_whose_first_activity_is_that_month(duckdb_engine):
    result = rows(duckdb_engine, health.new_returning(tables_on(duckdb_engine)))

    assert result == [
        {"month": date(2026, 4, 1), "active": 2, "new": 2, "returning": 0},
        {"month": date(2026, 5, 1), "active": 2, "new": 1, "returning": 1},
    ]


def test_retention_is_the_share_of_a_join_month_cohort_active_later(duckdb_engine):
    result = rows(duckdb_engine, health.retention(tables_on(duckdb_engine)))

    assert result == [
        {"cohort": date(2026, 4, 1), "age": 0, "cohort_size": 2, "active": 2, "share": 1.0},
        {"cohort": date(2026, 4, 1), "age": 1, "cohort_size": 2, "active": 1, "share": 0.5},
        {"cohort": date(2026, 5, 1), "age": 0, "cohort_size": 1, "active": 1, "share": 1.0},
    ]


def test_response_time_counts_the_first_reply_by_someone_else_and_solutions(duckdb_engine):
    result = rows(duckdb_engine, health.community_response(tables_on(duckdb_engine)))
    april, may = result

    assert (april["questions"], april["answered"], april["solved"]) == (1, 1, 1)
    assert april["median_hours"] == pytest.approx(2.0)
    assert april["solved_rate"] == 1.0
    # The bot's reply does not answer the May question.
    assert (may["questions"], may["answered"], may["solved"]) == (1, 0, 0)
    assert pd.isna(may["median_hours"])


def test_top_contributors_rank_members_by_love_on_each_source(duckdb_engine):
    result = rows(duckdb_engine, health.top_contributors(tables_on(duckdb_engine)))
    community = [r for r in result if r["source"] == "community"]
    slack = [r for r in result if r["source"] == "slack"]

    assert [r["display_name"] for r in sorted(community, key=lambda r: r["rank"])] == [
        "Ada",  # three activities
        "Cy",  # one, in May (more recent than Bo's April reply)
        "Bo",
    ]
    assert [(r["member_id"], r["rank"]) for r in slack] == [(2, 1)]  # the bot is left out


def test_level_distribution_counts_members_active_by_each_month_end(duckdb_engine):
    result = rows(duckdb_engine, health.level_distribution(tables_on(duckdb_engine), months=3))
    per_month = {
        r["month"]: sum(x["members"] for x in result if x["month"] == r["month"]) for r in result
    }

    assert per_month == {date(2026, 4, 1): 2, date(2026, 5, 1): 3, date(2026, 6, 1): 3}
    assert {r["level"] for r in result} <= {"Observer", "Participant", "Contributor"}


def test_month_ends_stop_at_as_of():
    ends = health.month_ends(datetime(2026, 6, 15, 12, tzinfo=UTC), months=3)

    assert ends == [
        (date(2026, 4, 1), datetime(2026, 5, 1, tzinfo=UTC)),
        (date(2026, 5, 1), datetime(2026, 6, 1, tzinfo=UTC)),
        (date(2026, 6, 1), datetime(2026, 6, 15, 12, tzinfo=UTC)),
    ]


def test_an_empty_community_gives_empty_health_datasets(duckdb_engine):
    tables = build_tables(duckdb_engine, activities=[], members=[])
    for pipeline in (
        health.active_members,
        health.new_returning,
        health.retention,
        health.community_response,
        health.top_contributors,
    ):
        assert duckdb_engine.execute(pipeline(tables)).empty


def test_health_pipelines_give_the_same_rows_on_spark(duckdb_engine, spark_engine):
    pipelines = [
        health.active_members,
        health.new_returning,
        health.retention,
        health.community_response,
        health.top_contributors,
    ]
    for pipeline in pipelines:
        on_duckdb = comparable(duckdb_engine.execute(pipeline(tables_on(duckdb_engine))))
        on_spark = comparable(spark_engine.execute(pipeline(tables_on(spark_engine))))
        assert on_spark == on_duckdb, pipeline.__name__
    levels = [
        health.level_distribution(tables_on(e), months=2) for e in (duckdb_engine, spark_engine)
    ]
    assert comparable(spark_engine.execute(levels[1])) == comparable(
        duckdb_engine.execute(levels[0])
    )


def test_the_health_stage_stores_every_dataset_for_the_dashboard(duckdb_engine, settings, tmp_path):
    settings.DATA_DIR = tmp_path

    summary = run_health_stage(duckdb_engine, tables_on(duckdb_engine))
    stored = read_dataset("new_returning")

    assert summary["new_returning rows"] == 2
    assert stored.as_of == datetime(2026, 6, 1, tzinfo=UTC)
    assert stored.rows[0] == {"month": "2026-04-01", "active": 2, "new": 2, "returning": 0}
    assert read_dataset("community_response").rows[1]["median_hours"] is None  # NaN → null


def test_a_dataset_never_computed_reads_as_empty(tmp_path: Path):
    dataset = read_dataset("retention", directory=tmp_path)

    assert dataset.rows == [] and dataset.as_of is None


def test_writing_a_dataset_replaces_the_previous_one(tmp_path: Path):
    as_of = datetime(2026, 6, 1, tzinfo=UTC)
    write_dataset("retention", pd.DataFrame({"age": [0, 1]}), as_of=as_of, directory=tmp_path)
    write_dataset("retention", pd.DataFrame({"age": [5]}), as_of=as_of, directory=tmp_path)

    assert read_dataset("retention", directory=tmp_path).rows == [{"age": 5}]
    assert [p.name for p in tmp_path.iterdir()] == ["retention.json"]
