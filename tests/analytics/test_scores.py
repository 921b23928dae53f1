"""Love, reach and the combined score: decayed, weighted, local, deterministic."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from townhall.analytics.engines import Engine
from townhall.analytics.pipelines.scores import score_table
from townhall.analytics.scoring import compute_scores, scoring_config

from .conftest import AS_OF, act, build_tables, person

CONFIG = scoring_config()
HALF_LIFE = timedelta(days=CONFIG.half_life_days)


def rows_by_member(engine: Engine, tables) -> dict[int, dict]:
    frame = engine.execute(score_table(tables, CONFIG))
    return {row["member_id"]: row for row in frame.round(6).to_dict("records")}


def community(extra_offset: int = 0) -> list[dict]:
    """A small conversation: 1 posts, 2 and 3 reply to 1, 3 reacts on github."""
    o = extra_offset
    return [
        act(o + 1, member=o + 1, kind="message", at=AS_OF - timedelta(days=1)),
        act(o + 2, member=o + 2, kind="reply", target=o + 1, at=AS_OF - timedelta(days=3)),
        act(o + 3, member=o + 3, kind="reply", target=o + 1, at=AS_OF - timedelta(days=40)),
        act(
            o + 4,
            member=o + 3,
            kind="star",
            source="github",
            target=o + 2,
            at=AS_OF - timedelta(days=200),
        ),
        act(o + 5, member=o + 1, kind="message", at=AS_OF - timedelta(days=400)),
    ]


def test_an_activity_one_half_life_old_counts_half(duckdb_engine):
    tables = build_tables(
        duckdb_engine,
        activities=[
            act(1, member=1, at=AS_OF),
            act(2, member=1, at=AS_OF - HALF_LIFE),
            act(3, member=1, at=AS_OF - 2 * HALF_LIFE),
        ],
    )
    assert rows_by_member(duckdb_engine, tables)[1]["love"] == pytest.approx(1 + 0.5 + 0.25)


def test_kind_and_source_weights_multiply(duckdb_engine):
    tables = build_tables(
        duckdb_engine,
        activities=[act(1, member=1, kind="answer", source="forum", at=AS_OF)],
        kinds={"answer": 3.0},
        sources={"forum": 2.0},
    )
    assert rows_by_member(duckdb_engine, tables)[1]["love"] == pytest.approx(6.0)


def test_bots_and_activities_after_as_of_do_not_count(duckdb_engine):
    tables = build_tables(
        duckdb_engine,
        activities=[
            act(1, member=1, at=AS_OF),
            act(2, member=1, at=AS_OF, bot=True),
            act(3, member=1, at=AS_OF + timedelta(days=1)),
            act(4, member=2, kind="reply", target=1, at=AS_OF, bot=True),
        ],
        members=[person(1), person(2, bot=True)],
    )
    rows = rows_by_member(duckdb_engine, tables)
    assert rows[1]["love"] == pytest.approx(1.0)
    assert rows[1]["reach"] == 0
    assert 2 not in rows  # bots get no score


def test_reach_counts_what_others_aim_at_a_member_plus_their_audience(duckdb_engine):
    tables = build_tables(
        duckdb_engine,
        activities=[
            act(1, member=2, kind="reply", target=1, at=AS_OF),
            act(2, member=2, kind="reaction", target=1, at=AS_OF),
            act(3, member=3, kind="mention", target=1, at=AS_OF - timedelta(days=45)),
            act(4, member=1, kind="reply", target=1, at=AS_OF),  # to oneself: not reach
            act(5, member=4, kind="reply", target=1, at=AS_OF - timedelta(days=200)),  # old
            act(6, member=5, kind="reply", target=1, at=AS_OF, target_bot=True),  # a bot account
        ],
        kinds={"reply": 2.0, "reaction": 0.5, "mention": 1.0},
    )
    rows = rows_by_member(duckdb_engine, tables)
    decay = 2 ** (-45 / CONFIG.half_life_days), 2 ** (-200 / CONFIG.half_life_days)
    interactions = 2.0 + 0.5 + decay[0] + 2.0 * decay[1]
    assert rows[1]["interactions"] == pytest.approx(interactions, abs=1e-6)
    # people 2 and 3 in the last 90 days (4 is older, 5 aimed at a bot account of 1)
    assert rows[1]["audience"] == 2
    assert rows[1]["reach"] == pytest.approx(interactions + 2, abs=1e-6)
    assert rows[1]["love"] == pytest.approx(2.0)  # the self-reply is still their own activity
    assert rows[1]["score"] == pytest.approx(rows[1]["love"] + rows[1]["reach"], abs=1e-6)


def test_members_with_no_activity_score_zero(duckdb_engine):
    tables = build_tables(
        duckdb_engine, activities=[act(1, member=1)], members=[person(1), person(2)]
    )
    assert rows_by_member(duckdb_engine, tables)[2] == {
        "member_id": 2,
        "love": 0.0,
        "interactions": 0.0,
        "audience": 0,
        "reach": 0.0,
        "score": 0.0,
    }


def test_an_empty_community_has_no_scores(duckdb_engine):
    result = compute_scores(duckdb_engine, build_tables(duckdb_engine, activities=[], members=[]))
    assert result.members.empty
    assert result.channels.empty


def test_adding_unrelated_members_changes_nobody_elses_score(engine):
    alone = rows_by_member(engine, build_tables(engine, activities=community()))
    crowd = (
        community()
        + community(extra_offset=100)
        + [act(200, member=150, kind="reply", target=101, at=AS_OF - timedelta(days=2))]
    )
    together = rows_by_member(engine, build_tables(engine, activities=crowd))
    assert {m: together[m] for m in alone} == alone
    assert together[101]["score"] > alone[1]["score"]  # the new cluster did change


def test_scores_are_the_same_run_after_run(duckdb_engine):
    tables = build_tables(duckdb_engine, activities=community())
    first = compute_scores(duckdb_engine, tables).members
    second = compute_scores(duckdb_engine, tables).members
    assert first.sort_values("member_id").to_dict("records") == second.sort_values(
        "member_id"
    ).to_dict("records")


def test_why_this_score_lists_the_biggest_contributions_first(engine):
    activities = [act(i, member=1, kind="message", at=AS_OF) for i in range(1, 4)]
    activities += [
        act(10, member=1, kind="answer", source="forum", at=AS_OF),
        act(11, member=1, kind="star", source="github", at=AS_OF),
        act(12, member=1, kind="reaction", at=AS_OF),
        act(13, member=2, kind="reply", target=1, at=AS_OF),
    ]
    tables = build_tables(
        engine,
        activities=activities,
        kinds={"message": 1.0, "answer": 5.0, "star": 0.5, "reaction": 0.1, "reply": 2.0},
    )
    members = compute_scores(engine, tables).members.set_index("member_id")
    why = json.loads(members.loc[1, "explanation"])
    assert [(p["source"], p["kind"], p["n"]) for p in why["love"]] == [
        ("forum", "answer", 1),
        ("slack", "message", 3),
        ("github", "star", 1),
    ]
    assert why["reach"] == [{"source": "slack", "kind": "reply", "n": 1, "points": 2.0}]
    assert why["audience"] == 1
    assert why["criteria"]["level"] == members.loc[1, "level"]
    assert json.loads(members.loc[2, "explanation"])["love"][0]["kind"] == "reply"


def test_explanations_are_json_whatever_the_kind_is_called(duckdb_engine):
    odd = 'say "hi" \\ there'
    tables = build_tables(duckdb_engine, activities=[act(1, member=1, kind=odd)])
    members = compute_scores(duckdb_engine, tables).members
    assert json.loads(members.loc[0, "explanation"])["love"][0]["kind"] == odd


def test_activities_given_as_a_view_score_the_same_as_a_table(engine):
    tables = build_tables(engine, activities=community())
    a = tables.activities
    # The snapshot hands pipelines a view (identities joined to members); the stage
    # evaluates it once into a narrow cached table.
    as_view = replace(tables, activities=a.filter(a.activity_id >= 0))
    direct = compute_scores(engine, tables).members.sort_values("member_id").round(9)
    viewed = compute_scores(engine, as_view).members.sort_values("member_id").round(9)
    assert direct.to_dict("records") == viewed.to_dict("records")
