"""The busiest pages run a fixed, small number of queries however many rows they show (no N+1)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from townhall.core.models import Member, Organization
from townhall.core.selectors import PAGE_SIZE


def queries_for(client, url: str, **kwargs) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **kwargs)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.fixture
def big_community(community):
    """A full directory page (and more) of people, each on two sources."""
    return community(PAGE_SIZE + 10, activities=3)


# On a signed-in page, 2 queries load the session and the user, 1 the viewer's member.


def test_directory_page_of_50_members_runs_9_queries(
    member_client, big_community, django_assert_num_queries
):
    # + count, page, identities with sources of the page, the source and organization menus,
    # the header bell's unread count
    with django_assert_num_queries(9):
        response = member_client.get("/members/")
    assert response.content.decode().count('class="person__name"') == PAGE_SIZE


def test_directory_fragment_skips_the_filter_menus(
    member_client, big_community, django_assert_num_queries
):
    # session, user, viewer, count, page, identities with sources
    with django_assert_num_queries(6):
        member_client.get("/members/", {"q": "Person"}, headers={"HX-Request": "true"})


def test_directory_queries_do_not_grow_with_the_rows_shown(member_client, community):
    community(3, activities=1)
    few = queries_for(member_client, "/members/")
    community(PAGE_SIZE, activities=1)
    assert queries_for(member_client, "/members/") == few


def test_profile_with_many_identities_and_activities_runs_10_queries(
    member_client, big_community, django_assert_num_queries
):
    person = big_community[0]
    # session, user, the member, identities with sources, per-source counts, timeline, viewer,
    # the header bell's unread count; the score, the per-source scores
    with django_assert_num_queries(10):
        response = member_client.get(f"/members/{person.pk}/")
    assert response.status_code == 200


def test_timeline_fragment_runs_4_queries(member_client, big_community, django_assert_num_queries):
    from townhall.core.selectors import member_timeline

    person = big_community[0]
    cursor = member_timeline(person, size=1).next_cursor
    # session, user, the member, the timeline page
    with django_assert_num_queries(4):
        member_client.get(
            f"/members/{person.pk}/", {"before": cursor}, headers={"HX-Request": "true"}
        )


def test_organization_list_runs_6_queries(member_client, big_community, django_assert_num_queries):
    Organization.objects.bulk_create(
        Organization(name=f"Org {i}", domain=f"o{i}.example") for i in range(60)
    )
    # session, user, count, page of organizations with member counts, viewer (header), the
    # header bell's unread count
    with django_assert_num_queries(6):
        member_client.get("/organizations/")


def test_organization_page_with_50_members_runs_9_queries(
    member_client, big_community, django_assert_num_queries
):
    organization = Organization.objects.get(domain="acme.io")
    assert Member.active.filter(organization=organization).count() > PAGE_SIZE
    # session, user, organization, recent activity, count, page, identities with sources, viewer,
    # the header bell's unread count
    with django_assert_num_queries(9):
        response = member_client.get(f"/organizations/{organization.pk}/")
    assert response.content.decode().count('class="person__name" href="/members/') >= PAGE_SIZE


def test_home_runs_a_fixed_number_of_queries(
    member_client, big_community, django_assert_num_queries
):
    # 10 for the overview (counts, sources, days, top members and organizations, latest) + 3
    # + the header bell's unread count
    with django_assert_num_queries(14):
        member_client.get("/")
