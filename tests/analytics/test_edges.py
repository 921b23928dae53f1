from __future__ import annotations

from typing import Any

from townhall.analytics.engines import Engine
from townhall.analytics.pipelines.edges import COPARTICIPATION_WEIGHT, edges

from .conftest import act, build_tables


def _rows(engine: Engine, activities: list[dict[str, Any]], **kwargs: Any) -> list[dict]:
    tables = build_tables(engine, activities=activities, **kwargs)
    frame = engine.execute(edges(tables))
    frame["weight"] = frame["weight"].round(6)
    return frame.to_dict("records")


def test_a_reply_today_is_an_edge_of_full_weight_and_one_half_life_ago_of_half(
    engine: Engine,
) -> None:
    rows = _rows(
        engine,
        [
            act(1, member=1, kind="reply", target=2, at="2026-06-01"),
            act(2, member=1, kind="reply", target=2, at="2026-03-03"),  # 90 days before
        ],
    )
    assert rows == [
        {
            "source_member": 1,
            "target_member": 2,
            "source": "slack",
            "weight": 1.5,
            "interactions": 2,
        }
    ]


def test_self_replies_bots_and_future_activities_make_no_edges(engine: Engine) -> None:
    rows = _rows(
        engine,
        [
            act(1, member=1, kind="reply", target=1, at="2026-05-01"),
            act(2, member=3, kind="reply", target=1, bot=True, at="2026-05-01"),
            act(3, member=1, kind="reaction", target=3, target_bot=True, at="2026-05-01"),
            act(4, member=1, kind="reply", target=2, at="2026-07-01"),
        ],
    )
    assert rows == []


def test_kind_and_source_weights_multiply_an_interaction(engine: Engine) -> None:
    rows = _rows(
        engine,
        [
            act(1, member=1, kind="reaction", target=2, at="2026-06-01", source="github"),
            act(2, member=1, kind="mention", target=2, at="2026-06-01", source="slack"),
        ],
        kinds={"reaction": 0.25, "mention": 1.0},
        sources={"github": 2.0, "slack": 1.0},
    )
    assert [(r["source"], r["weight"]) for r in rows] == [("github", 0.5), ("slack", 1.0)]


def test_co_participants_link_to_the_starter_and_to_the_one_before_them(engine: Engine) -> None:
    thread = [
        act(1, member=10, at="2026-06-01T09:00", conversation="t1"),
        act(2, member=11, at="2026-06-01T10:00", conversation="t1"),
        act(3, member=12, at="2026-06-01T11:00", conversation="t1"),
        act(4, member=13, at="2026-06-01T12:00", conversation="t1"),
        act(5, member=11, at="2026-06-01T13:00", conversation="t1"),  # already in
    ]
    rows = _rows(engine, thread, as_of=_at("2026-06-01T12:00"))
    pairs = {(r["source_member"], r["target_member"]) for r in rows}
    # 11 → 10; 12 → 10 and 12 → 11; 13 → 10 and 13 → 12: 2p − 3 = 5 edges, not 6 pairs.
    assert pairs == {(11, 10), (12, 10), (12, 11), (13, 10), (13, 12)}
    weights = {(r["source_member"], r["target_member"]): r["weight"] for r in rows}
    assert weights[(13, 10)] == COPARTICIPATION_WEIGHT


def test_a_reply_inside_a_conversation_adds_to_the_co_participation_edge(engine: Engine) -> None:
    rows = _rows(
        engine,
        [
            act(1, member=1, at="2026-06-01", conversation="c"),
            act(2, member=2, kind="reply", target=1, at="2026-06-01", conversation="c"),
        ],
    )
    assert rows == [
        {
            "source_member": 2,
            "target_member": 1,
            "source": "slack",
            "weight": 1.0 + COPARTICIPATION_WEIGHT,
            "interactions": 2,
        }
    ]


def test_an_empty_community_has_no_edges(engine: Engine) -> None:
    assert _rows(engine, []) == []


def _at(text: str) -> Any:
    from datetime import UTC, datetime

    return datetime.fromisoformat(text).replace(tzinfo=UTC)
