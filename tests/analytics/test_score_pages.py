"""Scores on pages: the profile's score card ("why this score") and the levels page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import User

from townhall.accounts.services import attach_member, set_role
from townhall.analytics.scoring import run_scores_stage
from townhall.core.models import Role

from .conftest import AS_OF, act, build_tables, person


def login(client, *, role: Role | None = None) -> None:
    user = User.objects.create_user(
        username=f"u-{role}", email=f"{role}@example.org", password="pw"
    )
    member = attach_member(user, name=f"Login {role}")
    if role is not None:
        root = User.objects.create_superuser("root", "root@example.org", "pw")
        set_role(member, role, by=root)
    client.force_login(user)


@pytest.fixture
def scored(duckdb_engine, make_member):
    """Ada: a github Champion whom Bob answered on slack; Bob: a Participant."""
    ada, bob = make_member(name="Ada Lovelace"), make_member(name="Bob Builder")
    activities = [act(i, member=ada.pk, kind="pr", source="github", at=AS_OF) for i in range(1, 5)]
    activities.append(
        act(10, member=bob.pk, kind="reply", target=ada.pk, at=AS_OF - timedelta(days=2))
    )
    tables = build_tables(
        duckdb_engine,
        activities=activities,
        members=[person(ada.pk), person(bob.pk)],
        kinds={"pr": 40.0, "reply": 2.0},
    )
    run_scores_stage(duckdb_engine, tables)
    return ada, bob


def test_the_profile_shows_score_level_sources_and_why(client, scored):
    ada, _ = scored
    login(client)
    page = client.get(f"/members/{ada.pk}/").content.decode()
    assert "Champion" in page and "Superuser" in page
    assert "Next:" not in page  # the top level has no next one
    assert "4 × pr on github" in page
    assert "1 × reply on slack" in page
    assert "1 person reached out" in page


def test_a_profile_without_a_score_says_how_to_get_one(client, make_member):
    member = make_member(name="Newbie")
    login(client)
    assert "townhall analyze" in client.get(f"/members/{member.pk}/").content.decode()


def test_the_levels_page_ranks_members_for_managers(client, scored):
    login(client, role=Role.COMMUNITY_MANAGER)
    page = client.get("/analytics/members/").content.decode()
    assert page.index("Ada Lovelace") < page.index("Bob Builder")
    github = client.get("/analytics/members/", {"source": "github"}).content.decode()
    assert "Ada Lovelace" in github and "Bob Builder" not in github
    participants = client.get("/analytics/members/", {"level": "Participant"}).content.decode()
    assert (
        "Bob Builder" in participants
        and "Ada Lovelace" not in participants.split('id="ranking"')[1]
    )


def test_the_levels_page_is_for_managers_only(client, scored):
    login(client)
    assert client.get("/analytics/members/").status_code == 403


def test_the_levels_page_runs_a_fixed_number_of_queries(client, scored, django_assert_num_queries):
    login(client, role=Role.COMMUNITY_MANAGER)
    # session, user, viewer, sources, count, page with members, level counts, the header
    # bell's unread count
    with django_assert_num_queries(8):
        assert client.get("/analytics/members/").status_code == 200
