"""Trends: the last 30 days against the 30 before, and churn risk (active before, silent now)."""

from __future__ import annotations

from datetime import timedelta

from townhall.analytics.pipelines.trends import trends

from .conftest import AS_OF, act, build_tables


def days_ago(days: float):
    return AS_OF - timedelta(days=days)


def burst(member: int, start_id: int, count: int, at_days: float) -> list[dict]:
    return [act(start_id + i, member=member, at=days_ago(at_days)) for i in range(count)]


def test_members_are_rising_steady_fading_or_at_risk(engine):
    activities = (
        burst(1, 100, 2, 40)
        + burst(1, 110, 8, 5)  # rising: 8 now vs 2 before
        + burst(2, 200, 5, 40)
        + burst(2, 210, 5, 5)  # steady
        + burst(3, 300, 9, 40)
        + burst(3, 310, 2, 5)  # fading
        + burst(4, 400, 4, 80)  # churn risk: active 80 days ago, silent for 30
        + burst(5, 500, 1, 80)  # one old activity: too little to call a churn risk
        + burst(6, 600, 3, 300)  # long gone: no trend at all
        + [act(700, member=7, at=days_ago(-1))]  # after as_of: ignored
    )
    tables = build_tables(engine, activities=activities)
    frame = engine.execute(trends(tables))
    assert dict(zip(frame["member_id"], frame["trend"], strict=True)) == {
        1: "rising",
        2: "steady",
        3: "fading",
        4: "churn-risk",
        5: "",
    }


def test_small_changes_are_steady(duckdb_engine):
    # 1 activity before, 2 now: double, but one activity is no trend.
    tables = build_tables(duckdb_engine, activities=burst(1, 1, 1, 40) + burst(1, 10, 2, 3))
    assert duckdb_engine.execute(trends(tables))["trend"].tolist() == ["steady"]


def test_bots_have_no_trend(duckdb_engine):
    activities = [act(1, member=1, at=days_ago(2), bot=True)]
    assert duckdb_engine.execute(trends(build_tables(duckdb_engine, activities=activities))).empty
