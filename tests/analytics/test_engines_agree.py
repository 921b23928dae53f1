"""Every registered pipeline gives the same rows on DuckDB and on Spark, over varied data.

The data is small but exercises what differs between engines: ties in windows, nulls,
bots on either side, self-interactions, several sources, kinds, channels and weights,
activities from two years ago up to `as_of` (and one after it), members with no
activity. Rows are sorted and floats rounded to 9 significant digits before comparing.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import pandas as pd
import pytest

from townhall.analytics.engines import Engine
from townhall.analytics.pipelines import all_pipelines
from townhall.analytics.tables import Tables

from .conftest import AS_OF, act, build_tables, person

PIPELINES = sorted(all_pipelines())

SOURCES = ["slack", "github", "community"]
KINDS = ["message", "reply", "reaction", "answer", "star", "solution-accepted", "question"]


def varied_activities() -> list[dict[str, Any]]:
    """~300 activities from 12 members, deterministic, with every awkward case in it."""
    rows = []
    n = 0
    for i in range(300):
        member = 1 + (i * 7) % 12 if i % 5 else 1 + i % 3  # a few busy members
        kind = KINDS[(i * 5) % len(KINDS)]
        target = None
        if kind in ("reply", "reaction", "answer", "solution-accepted"):
            target = 1 + (i * 11) % 12  # sometimes the member themself
        # Spread over two years, with exact-time ties every 10 activities.
        days = (i * 37) % 730 if i % 10 else 3
        n += 1
        rows.append(
            act(
                n,
                member=member,
                kind=kind,
                source=SOURCES[i % 3],
                channel=f"#{SOURCES[i % 3]}-{i % 4}" if i % 6 else "",
                target=target,
                conversation=f"c{i // 6}",
                parent=f"p{i - 1}" if target else "",
                at=AS_OF - timedelta(days=days, hours=i % 24),
                bot=member == 12,
                target_bot=target == 12,
            )
        )
    rows.append(act(n + 1, member=2, kind="message", at=AS_OF + timedelta(days=1)))  # future
    return rows


def varied_tables(engine: Engine) -> Tables:
    members = [
        person(m, bot=m == 12, employee=m == 3, organization=(m % 4) or None) for m in range(1, 13)
    ]
    members += [person(20), person(21, created="2026-05-30")]  # no activity at all
    return build_tables(
        engine,
        activities=varied_activities(),
        members=members,
        kinds={"message": 1.0, "reply": 1.5, "reaction": 0.25, "answer": 3.0, "star": 0.5},
        sources={"slack": 1.0, "github": 2.0},  # "community" has no weight: the default
    )


def comparable(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
    """Rows as sorted tuples: floats to 9 significant digits, timestamps naive UTC, NaN → None."""

    def value(v: Any) -> Any:
        if v is None or (isinstance(v, float) and math.isnan(v)):
            return None
        if isinstance(v, pd.Timestamp):
            return (v.tz_convert(None) if v.tzinfo else v).isoformat()
        if isinstance(v, float):
            return float(f"{v:.9g}")
        if hasattr(v, "item"):
            return value(v.item())
        if isinstance(v, list | tuple):
            return tuple(value(x) for x in v)
        if isinstance(v, dict):
            return tuple(sorted((k, value(x)) for k, x in v.items()))
        return v

    columns = sorted(frame.columns)
    rows = [tuple(value(v) for v in row) for row in frame[columns].itertuples(index=False)]
    return sorted(rows, key=repr)


@pytest.fixture(scope="module")
def results(duckdb_engine: Engine, spark_engine: Engine) -> dict[str, dict[str, Any]]:
    """Every pipeline's rows on each engine (Spark runs once for the module)."""
    out: dict[str, dict[str, Any]] = {"duckdb": {}, "spark": {}}
    for name, engine in (("duckdb", duckdb_engine), ("spark", spark_engine)):
        tables = varied_tables(engine)
        for pipeline in PIPELINES:
            frame = engine.execute(all_pipelines()[pipeline](tables))
            out[name][pipeline] = (sorted(frame.columns), comparable(frame))
    return out


def test_some_pipelines_are_registered() -> None:
    assert PIPELINES


@pytest.mark.parametrize("pipeline", PIPELINES)
def test_pipeline_gives_the_same_rows_on_duckdb_and_spark(
    pipeline: str, results: dict[str, dict[str, Any]]
) -> None:
    duckdb_columns, duckdb_rows = results["duckdb"][pipeline]
    spark_columns, spark_rows = results["spark"][pipeline]

    assert spark_columns == duckdb_columns
    assert spark_rows == duckdb_rows
    assert duckdb_rows, f"{pipeline} produced no rows from the varied data"
