"""Segment evaluation: database filters (attributes, scores, levels) and activity filters
(in the engine) intersected; the segments stage keeps every segment current."""

# ruff: noqa: F811  (the API fixtures imported below are redefined as test arguments)
from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime

import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from tests.api_support import make_token, make_user  # noqa: F401  (fixtures)
from townhall.analytics.engines import Engine
from townhall.analytics.segments import (
    activity_expression,
    evaluate,
    evaluate_segment,
    run_segments_stage,
)
from townhall.core.models import Member, Organization, Role, Segment
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


# --- pages and API ---------------------------------------------------------------------------


@pytest.fixture
def manager_client(client, make_user):
    client.force_login(make_user(role=Role.COMMUNITY_MANAGER))
    return client


def test_a_manager_creates_a_segment_with_the_form_and_sees_its_members(manager_client, people):
    response = manager_client.post(
        "/analytics/segments/new/",
        {"name": "Acme people", "organizations": "acme", "sources_days": 365},
    )

    assert response.status_code == 302
    assert response["Location"] == "/analytics/segments/acme-people/"
    page = manager_client.get(response["Location"]).content.decode()
    # Names as link text: a bare "Cy" can turn up inside the page's random CSRF token.
    assert "2 members" in page and ">Ada</a>" in page and ">Bo</a>" in page
    assert ">Cy</a>" not in page
    assert "github: Champion" in page


def test_the_form_says_what_is_wrong_next_to_the_field(manager_client, people):
    response = manager_client.post(
        "/analytics/segments/new/", {"name": "X", "organizations": "Nobody Inc"}
    )
    html = response.content.decode()

    assert response.status_code == 200
    assert "No organization is called" in html
    assert '<label for="id_name">Name</label>' in html


def test_the_json_definition_wins_and_is_validated(manager_client, people):
    bad = manager_client.post(
        "/analytics/segments/new/", {"name": "X", "definition_json": '{"levels": 3}'}
    )
    good = manager_client.post(
        "/analytics/segments/new/",
        {"name": "Champs", "levels": ["Participant"], "definition_json": '{"superuser": true}'},
    )

    assert "levels" in bad.content.decode()
    assert good.status_code == 302
    assert Segment.objects.get(slug="champs").definition == {"version": 1, "superuser": True}


def test_editing_a_segment_re_evaluates_it(manager_client, people):
    segment = create_segment(name="Champions", definition={"levels": ["Champion"]}, by=None)

    form = manager_client.get(f"/analytics/segments/{segment.slug}/edit/").content.decode()
    response = manager_client.post(
        f"/analytics/segments/{segment.slug}/edit/",
        {"name": "Anyone scored", "levels": ["Champion", "Participant"], "sources_days": 365},
    )
    segment.refresh_from_db()

    assert re.search(r'<input[^>]*name="levels" value="Champion"[^>]*checked', form)
    assert response.status_code == 302
    assert segment.name == "Anyone scored" and segment.member_count == 2


def test_the_members_page_is_paginated_with_a_constant_number_of_queries(
    manager_client, people, django_assert_max_num_queries
):
    segment = create_segment(name="Everyone", definition={}, by=None)
    evaluate_segment(segment)

    with django_assert_max_num_queries(9):
        response = manager_client.get(f"/analytics/segments/{segment.slug}/")

    assert response.status_code == 200
    assert "4 members" in response.content.decode()  # the three people and the manager


def test_a_segment_downloads_as_csv(manager_client, people):
    segment = create_segment(name="Champions", definition={"levels": ["Champion"]}, by=None)
    evaluate_segment(segment)

    response = manager_client.get(f"/analytics/segments/{segment.slug}/members.csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))

    assert rows[0][:3] == ["id", "name", "email"]
    assert [r[1] for r in rows[1:]] == ["Ada"]
    assert rows[1][-1] == "Champion"


def test_members_cannot_see_segments(client, make_user, people):
    client.force_login(make_user())

    assert client.get("/analytics/segments/").status_code == 403
    assert client.post("/analytics/segments/new/", {"name": "x"}).status_code == 403


def test_the_api_lists_creates_and_pages_segments(client, make_user, make_token, people):
    manager_user = make_user(role=Role.COMMUNITY_MANAGER)
    read = {"HTTP_AUTHORIZATION": f"Bearer {make_token(manager_user, scope='read')}"}
    write = {"HTTP_AUTHORIZATION": f"Bearer {make_token(manager_user, scope='write')}"}

    created = client.post(
        "/api/v1/segments",
        data=json.dumps({"name": "Scored", "definition": {"scores": {"score": {"min": 1}}}}),
        content_type="application/json",
        **write,
    )
    refused = client.post(
        "/api/v1/segments",
        data=json.dumps({"name": "Bad", "definition": {"levels": 1}}),
        content_type="application/json",
        **write,
    )
    listed = client.get("/api/v1/segments", **read).json()
    detail = client.get("/api/v1/segments/scored", **read).json()
    first = client.get("/api/v1/segments/scored/members?limit=1", **read).json()
    second = client.get(first["next"], **read).json()

    assert created.status_code == 201 and created.json()["member_count"] == 2
    assert refused.status_code == 400 and "levels" in refused.json()["detail"]
    assert [s["slug"] for s in listed["results"]] == ["scored"]
    assert detail["definition"] == {"version": 1, "scores": {"score": {"min": 1.0}}}
    assert [m["name"] for m in first["results"] + second["results"]] == ["Ada", "Bo"]
    assert second["next"] is None


def test_export_members_takes_a_segment(people, tmp_path):
    segment = create_segment(
        name="Acme", definition={"organizations": [people["acme"].pk]}, by=None
    )
    evaluate_segment(segment)
    output = tmp_path / "acme.csv"

    call_command("export", "members", "--format", "csv", "--segment", "acme", "-o", str(output))
    rows = list(csv.DictReader(output.open()))

    assert sorted(r["name"] for r in rows) == ["Ada", "Bo"]
    with pytest.raises(CommandError, match="No segment"):
        call_command("export", "members", "--segment", "nope")
