"""Segment evaluation: database filters (attributes, scores, levels) and activity filters
(in the engine) intersected; the segments stage keeps every segment current."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pandas as pd
import pytest

from townhall.analytics.engines import Engine
from townhall.analytics.segments import (
    activity_expression,
    evaluate,
    evaluate_segment,
    run_segments_stage,
)
from townhall.core.models import Member, Organization
from townhall.core.services.scores import write_scores
from townhall.core.services.segments import create_segment, parse_definition

from .conftest import act, build_tables, person

LEVELS = ["Observer", "Participant", "Contributor", "Advocate", "Champion"]
AS_OF = datetime(2026, 6, 1, tzinfo=UTC)


def give_scores(rows: list[tuple[Member, float, str]], channels=()) -> None:
    """Store (member, score, level) and (member, source, level) as the scores stage does."""
    members = pd.DataFrame(
        [
            {
                "member_id": m.pk,
                "love": s,
                "reach": 0.0,
                "score": s,
                "level": level,
                "trend": "steady",
                "explanation": {},
            }
            for m, s, level in rows
        ]
    )
    channel_rows = pd.DataFrame(
        [
            {
                "member_id": m.pk,
                "source": source,
                "love": 1.0,
                "reach": 0.0,
                "score": 1.0,
                "level": level,
            }
            for m, source, level in channels
        ],
        columns=["member_id", "source", "love", "reach", "score", "level"],
    )
    write_scores(
        members,
        channel_rows,
        computed_at=AS_OF,
        levels=LEVELS,
        superuser_level="Champion",
        grace_days=30,
    )


@pytest.fixture
def people(make_member: Callable[..., Member]) -> dict[str, Member]:
    """Ada (employee at Acme, Champion), Bo (Acme, Participant), Cy (no score), a bot."""
    acme = Organization.objects.create(name="Acme", domain="acme.test")
    ada, bo, cy, bot = (make_member(name=n) for n in ("Ada", "Bo", "Cy", "Bot"))
    Member.objects.filter(pk__in=[ada.pk, bo.pk]).update(organization=acme)
    Member.objects.filter(pk=ada.pk).update(is_employee=True, attributes={"plan": "pro"})
    Member.objects.filter(pk=bot.pk).update(is_bot=True)
    give_scores(
        [(ada, 200.0, "Champion"), (bo, 3.0, "Participant")],
        channels=[(ada, "github", "Champion"), (bo, "github", "Participant")],
    )
    return {"ada": ada, "bo": bo, "cy": cy, "bot": bot, "acme": acme}


def ids(people: dict[str, Member], *names: str) -> set[int]:
    return {people[n].pk for n in names}


@pytest.mark.parametrize(
    ("definition", "expected"),
    [
        ({}, ("ada", "bo", "cy")),  # bots are left out by default
        ({"attributes": {"include_bots": True}}, ("ada", "bo", "cy", "bot")),
        ({"attributes": {"is_employee": False}}, ("bo", "cy")),
        ({"attributes": {"fields": {"plan": "pro"}}}, ("ada",)),
        ({"scores": {"score": {"min": 1, "max": 10}}}, ("bo",)),
        ({"levels": ["Champion", "Advocate"]}, ("ada",)),
        ({"superuser": True}, ("ada",)),
        ({"source_levels": [{"source": "github", "levels": ["Participant"]}]}, ("bo",)),
        ({"trends": ["steady"]}, ("ada", "bo")),
    ],
)
def test_database_filters_select_the_right_members(people, definition, expected):
    assert evaluate(definition) == ids(people, *expected)


def test_organization_filters_by_id(people):
    assert evaluate({"organizations": [people["acme"].pk]}) == ids(people, "ada", "bo")


def test_an_activity_filter_needs_an_engine(people):
    with pytest.raises(ValueError, match="engine"):
        evaluate({"sources": ["slack"]})


def activity_tables(engine: Engine, people: dict[str, Member]):
    ada, bo, cy = people["ada"].pk, people["bo"].pk, people["cy"].pk
    return build_tables(
        engine,
        activities=[
            act(1, member=ada, kind="question", source="community", at="2026-05-25"),
            act(2, member=ada, kind="question", source="community", at="2026-05-26"),
            act(3, member=bo, kind="question", source="community", at="2026-05-27"),
            act(4, member=bo, kind="question", source="community", at="2026-01-01"),  # too old
            act(5, member=cy, kind="message", source="slack", at="2026-05-30"),
        ],
        members=[person(m) for m in (ada, bo, cy)],
        as_of=AS_OF,
    )


def test_activity_rules_count_kinds_in_the_last_days_in_the_engine(duckdb_engine, people):
    tables = activity_tables(duckdb_engine, people)
    rule = {"activity": [{"kinds": ["question"], "min_count": 2, "days": 30}]}

    assert evaluate(rule, duckdb_engine, tables) == ids(people, "ada")
    assert evaluate({"sources": ["slack"]}, duckdb_engine, tables) == ids(people, "cy")


def test_activity_and_database_parts_are_intersected(duckdb_engine, people):
    tables = activity_tables(duckdb_engine, people)
    definition = {
        "activity": [{"kinds": ["question"], "days": 30}],
        "attributes": {"is_employee": False},
    }

    assert evaluate(definition, duckdb_engine, tables) == ids(people, "bo")


def test_several_activity_rules_must_all_hold(duckdb_engine, people):
    tables = activity_tables(duckdb_engine, people)
    both = parse_definition(
        {
            "sources": ["community"],
            "activity": [{"kinds": ["question"], "min_count": 2, "days": 30}],
        }
    )
    expression = activity_expression(tables, both)
    assert expression is not None

    assert set(duckdb_engine.execute(expression)["member_id"]) == ids(people, "ada")


def test_activity_rules_agree_on_spark(spark_engine, people):
    tables = activity_tables(spark_engine, people)
    rule = {"sources": ["community"], "activity": [{"kinds": ["question"], "days": 30}]}

    assert evaluate(rule, spark_engine, tables) == ids(people, "ada", "bo")


def test_evaluating_a_segment_writes_its_memberships(duckdb_engine, people):
    segment = create_segment(
        name="Askers", definition={"activity": [{"kinds": ["question"]}]}, by=None
    )

    written = evaluate_segment(segment, duckdb_engine, activity_tables(duckdb_engine, people))
    segment.refresh_from_db()

    assert written.members == 2
    assert segment.member_count == 2
    assert segment.evaluated_at == AS_OF


def test_the_segments_stage_evaluates_every_segment_and_skips_broken_ones(duckdb_engine, people):
    create_segment(name="Champions", definition={"levels": ["Champion"]}, by=None)
    create_segment(name="Slack", definition={"sources": ["slack"]}, by=None)
    broken = create_segment(name="Broken", definition={}, by=None)
    type(broken).objects.filter(pk=broken.pk).update(definition={"levels": 7})

    summary = run_segments_stage(duckdb_engine, activity_tables(duckdb_engine, people))

    assert (summary["segments"], summary["invalid"], summary["members"]) == (2, 1, 2)
