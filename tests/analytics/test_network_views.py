# ruff: noqa: F811  (the API fixtures imported below are redefined as test arguments)
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.api_support import make_token, make_user, manager, read_token  # noqa: F401  (fixtures)
from townhall.analytics.engines import Engine
from townhall.analytics.graph import run_graph_stage
from townhall.core.models import Member, MemberScore, Role
from townhall.core.services import merge_members

from .conftest import act, build_tables

pytestmark = pytest.mark.django_db


@pytest.fixture
def community(duckdb_engine: Engine, make_member: Callable[..., Member]) -> dict[str, Member]:
    """Ada and Bo reply to each other on Slack; Cy reacts to Ada on GitHub; Di is silent."""
    people = {name: make_member(name=name) for name in ("Ada", "Bo", "Cy", "Di")}
    ada, bo, cy = people["Ada"], people["Bo"], people["Cy"]
    make_member(name="Cy on GitHub", source="github")  # so "github" is a source
    tables = build_tables(
        duckdb_engine,
        activities=[
            act(1, member=ada.pk, kind="reply", target=bo.pk),
            act(2, member=bo.pk, kind="reply", target=ada.pk),
            act(3, member=bo.pk, kind="reply", target=ada.pk),
            act(4, member=cy.pk, kind="reaction", target=ada.pk, source="github"),
        ],
    )
    run_graph_stage(duckdb_engine, tables)
    return people


@pytest.fixture
def manager_client(client: Client, manager: User) -> Client:
    client.force_login(manager)
    return client


@pytest.fixture
def member_client(client: Client, make_user: Callable[..., User]) -> Client:
    client.force_login(make_user())
    return client


def test_a_manager_sees_the_graph_with_every_connected_member_as_a_link(
    manager_client: Client, community: dict[str, Member], django_assert_max_num_queries: Any
) -> None:
    # (13 with the header bell's unread count, which every signed-in page carries)
    with django_assert_max_num_queries(13):
        response = manager_client.get("/analytics/network/")
    html = response.content.decode()
    assert response.status_code == 200
    for name in ("Ada", "Bo", "Cy"):
        assert f'data-name="{name}"' in html
    assert 'data-name="Di"' not in html
    assert f'<a href="/members/{community["Ada"].pk}/" data-id=' in html
    assert "<line" in html


def test_filtering_the_graph_by_channel_keeps_members_present_there(
    manager_client: Client, community: dict[str, Member]
) -> None:
    html = manager_client.get("/analytics/network/", {"source": "github"}).content.decode()
    # Only "Cy on GitHub" has a GitHub identity, and that member is not in the graph.
    assert 'data-name="Ada"' not in html
    assert "No drawn member matches these filters" in html


def test_the_network_view_is_for_managers_only(member_client: Client) -> None:
    assert member_client.get("/analytics/network/").status_code == 403


def test_before_any_analysis_the_network_view_says_how_to_start(manager_client: Client) -> None:
    html = manager_client.get("/analytics/network/").content.decode()
    assert "townhall analyze" in html


def test_a_members_network_card_lists_their_closest_connections_first(
    member_client: Client, community: dict[str, Member]
) -> None:
    ada = community["Ada"]
    response = member_client.get(f"/analytics/members/{ada.pk}/network/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert response.status_code == 200
    assert '<section class="card network-member"' in html
    assert html.index(">Bo</a>") < html.index(">Cy</a>")
    assert "3 interactions" in html
    assert "<svg" in html


def test_a_silent_members_card_explains_where_ties_come_from(
    member_client: Client, community: dict[str, Member]
) -> None:
    html = member_client.get(f"/analytics/members/{community['Di'].pk}/network/").content.decode()
    assert "No interactions with other members yet" in html


def test_a_merged_members_card_shows_the_member_they_became(
    member_client: Client,
    community: dict[str, Member],
    manager: User,
) -> None:
    merge_members(community["Ada"], community["Di"], reason="same person", by="test")
    html = member_client.get(f"/analytics/members/{community['Di'].pk}/network/").content.decode()
    assert ">Bo</a>" in html


def test_a_members_network_is_not_shown_to_anonymous_visitors(
    client: Client, community: dict[str, Member]
) -> None:
    assert client.get(f"/analytics/members/{community['Ada'].pk}/network/").status_code == 403


def test_only_managers_get_a_link_to_the_whole_network(
    client: Client,
    make_user: Callable[..., User],
    community: dict[str, Member],
) -> None:
    url = f"/analytics/members/{community['Ada'].pk}/network/"
    client.force_login(make_user())
    assert "See the network" not in client.get(url).content.decode()
    client.force_login(make_user(role=Role.COMMUNITY_MANAGER))
    assert "See the network" in client.get(url).content.decode()


# --- API --------------------------------------------------------------------------------


def test_the_graph_api_gives_nodes_edges_and_clusters(
    client: Client,
    read_token: str,
    community: dict[str, Member],
) -> None:
    response = client.get("/api/v1/analytics/graph", HTTP_AUTHORIZATION=f"Bearer {read_token}")
    body = response.json()
    assert response.status_code == 200
    ada, bo = community["Ada"].pk, community["Bo"].pk
    assert {node["id"] for node in body["nodes"]} == {ada, bo, community["Cy"].pk}
    assert {"source": min(ada, bo), "target": max(ada, bo)}.items() <= body["edges"][0].items()
    assert body["edges"][0]["sources"] == ["slack"]
    assert body["clusters"][0]["number"] == 0
    assert body["betweenness_method"] == "exact"


def test_the_graph_api_drops_edges_below_the_weight_asked_for(
    client: Client,
    read_token: str,
    community: dict[str, Member],
) -> None:
    response = client.get(
        "/api/v1/analytics/graph", {"min_weight": 100}, HTTP_AUTHORIZATION=f"Bearer {read_token}"
    )
    assert response.json()["edges"] == []


def test_the_connections_api_ranks_a_members_ties(
    client: Client,
    read_token: str,
    community: dict[str, Member],
) -> None:
    ada = community["Ada"]
    response = client.get(
        f"/api/v1/analytics/members/{ada.pk}/connections", HTTP_AUTHORIZATION=f"Bearer {read_token}"
    )
    body = response.json()
    assert [(c["name"], c["rank"], c["interactions"]) for c in body["connections"]] == [
        ("Bo", 1, 3),
        ("Cy", 2, 1),
    ]
    assert body["cluster"] is not None


def test_the_connections_api_answers_404_for_an_unknown_member(
    client: Client,
    read_token: str,
) -> None:
    response = client.get(
        "/api/v1/analytics/members/999999/connections", HTTP_AUTHORIZATION=f"Bearer {read_token}"
    )
    assert response.status_code == 404


def test_the_graph_api_is_closed_to_ordinary_members(
    client: Client,
    make_user: Callable[..., User],
    make_token: Callable[..., str],
) -> None:
    token = make_token(make_user())
    response = client.get("/api/v1/analytics/graph", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 403


def test_the_bridges_table_names_the_members_who_tie_two_groups_together(
    manager_client: Client, duckdb_engine: Engine, make_member: Callable[..., Member]
) -> None:
    first = [make_member(name=f"First {i}") for i in range(3)]
    second = [make_member(name=f"Second {i}") for i in range(3)]
    activities = []
    for group in (first, second):
        for a in group:
            for b in group:
                if a != b:
                    activities.append(
                        act(len(activities) + 1, member=a.pk, kind="reply", target=b.pk)
                    )
    activities.append(act(99, member=first[0].pk, kind="reply", target=second[0].pk))
    run_graph_stage(duckdb_engine, build_tables(duckdb_engine, activities=activities))

    html = manager_client.get("/analytics/network/").content.decode()
    bridges = html[html.index('id="bridges-title"') :]
    assert ">First 0</a>" in bridges
    assert ">Second 0</a>" in bridges
    assert ">First 1</a>" not in bridges
    assert "Around " in bridges


def test_filtering_the_graph_by_segment_keeps_only_its_members(
    manager_client: Client, community: dict[str, Member]
) -> None:
    from townhall.core.services.segments import create_segment, write_memberships

    segment = create_segment(name="Core team", definition={}, by=None)
    write_memberships(segment, [community["Ada"].pk, community["Cy"].pk])
    html = manager_client.get("/analytics/network/", {"segment": segment.slug}).content.decode()
    assert 'data-name="Ada"' in html
    assert 'data-name="Cy"' in html
    assert 'data-name="Bo"' not in html


def test_filtering_the_graph_by_level_keeps_only_members_at_that_level(
    manager_client: Client, community: dict[str, Member]
) -> None:
    # Levels come from the scores stage; here the stored level stands in for it.
    MemberScore.objects.filter(member=community["Bo"]).update(level="champion")
    html = manager_client.get("/analytics/network/", {"level": "champion"}).content.decode()
    assert 'data-name="Bo"' in html
    assert 'data-name="Ada"' not in html
    assert '<option value="champion" selected>' in html


def test_filtering_the_graph_by_channel_keeps_only_ties_seen_there(
    client: Client, read_token: str, community: dict[str, Member]
) -> None:
    response = client.get(
        "/api/v1/analytics/graph", {"source": "slack"}, HTTP_AUTHORIZATION=f"Bearer {read_token}"
    )
    ada, bo = community["Ada"].pk, community["Bo"].pk
    assert [(e["source"], e["target"]) for e in response.json()["edges"]] == [
        (min(ada, bo), max(ada, bo))
    ]
