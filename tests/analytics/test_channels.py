"""Per-source scores and levels: the same formulas within each source."""

from __future__ import annotations

from datetime import timedelta

import pytest

from townhall.analytics.pipelines.channels import channel_scores
from townhall.analytics.pipelines.scores import score_table

from .conftest import AS_OF, act, build_tables


def test_each_source_gets_its_own_love_reach_and_level(engine):
    activities = [act(i, member=1, source="github", kind="pr", at=AS_OF) for i in range(1, 5)]
    activities += [
        act(10, member=1, source="slack", at=AS_OF),
        act(11, member=2, source="slack", kind="reply", target=1, at=AS_OF - timedelta(days=1)),
    ]
    tables = build_tables(
        engine, activities=activities, kinds={"pr": 40.0, "message": 1.0, "reply": 1.0}
    )
    frame = engine.execute(channel_scores(tables)).round(4)
    rows = {(r["member_id"], r["source"]): r for r in frame.to_dict("records")}
    assert set(rows) == {(1, "github"), (1, "slack"), (2, "slack")}
    assert rows[(1, "github")]["love"] == 160.0
    assert (rows[(1, "github")]["level"], rows[(1, "github")]["is_superuser"]) == ("Champion", True)
    slack = rows[(1, "slack")]
    assert (slack["love"], slack["audience"]) == (1.0, 1)
    assert slack["interactions"] == pytest.approx(2 ** (-1 / 90), abs=1e-4)
    assert (slack["level"], slack["is_superuser"]) == ("Participant", False)


def test_per_source_love_and_interactions_add_up_to_the_global_ones(duckdb_engine):
    activities = [
        act(1, member=1, source="slack", at=AS_OF - timedelta(days=5)),
        act(2, member=1, source="github", kind="star", at=AS_OF - timedelta(days=50)),
        act(3, member=2, source="forum", kind="reply", target=1, at=AS_OF - timedelta(days=9)),
        act(4, member=2, source="slack", kind="reply", target=1, at=AS_OF - timedelta(days=2)),
    ]
    tables = build_tables(duckdb_engine, activities=activities)
    channels = (
        duckdb_engine.execute(channel_scores(tables)).groupby("member_id").sum(numeric_only=True)
    )
    members = duckdb_engine.execute(score_table(tables)).set_index("member_id")
    for column in ("love", "interactions"):
        assert channels[column].round(9).to_dict() == members[column].round(9).to_dict()
    # The same person on two sources is one audience overall, one on each source.
    assert members.loc[1, "audience"] == 1
    assert channels.loc[1, "audience"] == 2
