"""The scores stage end to end: computed on DuckDB, written through core, read by the API."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.api_support import make_token, make_user, manager, read_token  # noqa: F401 (fixtures)
from townhall.analytics.scoring import run_scores_stage
from townhall.core.models import MemberChannelScore, MemberScore

from .conftest import AS_OF, act, build_tables, person


@pytest.fixture
def auth(request: pytest.FixtureRequest) -> dict[str, str]:
    """The header of a community manager's read token."""
    return {"Authorization": f"Bearer {request.getfixturevalue('read_token')}"}


@pytest.fixture
def scored(duckdb_engine, make_member):
    """Ada is a Champion on github, Bob replied to her on slack, Cy is silent."""
    ada, bob, cy = (make_member(name=n) for n in ("Ada", "Bob", "Cy"))
    activities = [act(i, member=ada.pk, kind="pr", source="github", at=AS_OF) for i in range(1, 5)]
    activities.append(
        act(10, member=bob.pk, kind="reply", target=ada.pk, at=AS_OF - timedelta(days=2))
    )
    tables = build_tables(
        duckdb_engine,
        activities=activities,
        members=[person(ada.pk), person(bob.pk), person(cy.pk)],
        kinds={"pr": 40.0, "reply": 2.0},
    )
    summary = run_scores_stage(duckdb_engine, tables)
    return ada, bob, cy, summary


def test_the_stage_writes_every_members_score_and_per_source_levels(scored):
    ada, _, cy, summary = scored
    assert summary["members scored"] == 3
    assert summary["superusers"] == 1
    assert MemberScore.objects.get(member=ada).level == "Champion"
    assert MemberScore.objects.get(member=cy).level == "Observer"
    assert set(
        MemberChannelScore.objects.values_list("member__display_name", "source", "level")
    ) == {
        ("Ada", "github", "Champion"),
        ("Ada", "slack", "Participant"),
        ("Bob", "slack", "Participant"),
    }
    why = MemberScore.objects.get(member=ada).explanation
    assert why["love"][0]["kind"] == "pr"
    assert why["reach"][0] == {
        "source": "slack",
        "kind": "reply",
        "n": 1,
        "points": pytest.approx(1.97, abs=0.01),
    }


def test_the_api_gives_a_members_score_with_channels(client, auth, scored):
    ada = scored[0]
    response = client.get(f"/api/v1/members/{ada.pk}/score", headers=auth)
    assert response.status_code == 200
    body = response.json()
    assert (body["level"], body["is_superuser"]) == ("Champion", True)
    assert [c["source"] for c in body["channels"]] == ["github", "slack"]
    assert body["explanation"]["criteria"]["level"] == "Champion"


def test_the_api_ranks_members_overall_and_per_source(client, auth, scored):
    ada, bob, cy, _ = scored
    overall = client.get("/api/v1/scores/top", headers=auth).json()
    assert [i["member_id"] for i in overall["items"]] == [ada.pk, bob.pk, cy.pk]
    slack = client.get("/api/v1/scores/top", {"source": "slack"}, headers=auth).json()
    assert [i["member_id"] for i in slack["items"]] == [ada.pk, bob.pk]
    levels = client.get("/api/v1/scores/levels", headers=auth).json()["levels"]
    assert {row["level"]: row["members"] for row in levels} == {
        "Observer": 1,
        "Participant": 1,
        "Contributor": 0,
        "Advocate": 0,
        "Champion": 1,
    }


def test_a_member_without_a_score_is_a_clear_404(client, auth, make_member):
    member = make_member()
    response = client.get(f"/api/v1/members/{member.pk}/score", headers=auth)
    assert response.status_code == 404
    assert "townhall analyze" in response.json()["detail"]


def test_scores_need_a_token(client, scored):
    assert client.get("/api/v1/scores/top").status_code == 401
