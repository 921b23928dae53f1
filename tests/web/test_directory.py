"""The member directory: search, filters, pagination, live search fragments."""

from __future__ import annotations

import re

from townhall.core.models import Member
from townhall.core.records import Person
from townhall.core.selectors import PAGE_SIZE
from townhall.core.services import ingest

from .conftest import record


def names_in(response) -> list[str]:
    return re.findall(
        r'class="person__name" href="/members/\d+/">([^<]+)</a>', response.content.decode()
    )


def test_directory_lists_active_members_with_organization_and_sources(member_client, community):
    people = community(2)
    html = member_client.get("/members/").content.decode()
    assert "Person" in html
    assert 'href="/organizations/' in html and "Acme" in html
    assert '<li class="badge badge--source">github</li>' in html
    assert '<li class="badge badge--source">slack</li>' in html
    assert f'href="/members/{people[0].pk}/"' in html


def test_merged_members_are_hidden_from_the_directory(member_client, community):
    community(2)
    merged = Member.objects.filter(merged_into__isnull=False)
    assert merged.count() == 2
    html = member_client.get("/members/").content.decode()
    for member in merged:
        assert f'href="/members/{member.pk}/"' not in html


def test_search_finds_members_by_name(member_client, community):
    target = community(3)[1]
    response = member_client.get("/members/", {"q": target.display_name.upper()})
    assert names_in(response) == [target.display_name]


def test_search_finds_members_by_handle_with_or_without_an_at_sign(member_client, community):
    person = community(2)[1]
    handle = person.identities.get(source__slug="github").username
    for q in (handle, f"@{handle}"):
        assert names_in(member_client.get("/members/", {"q": q})) == [person.display_name]


def test_community_managers_find_members_by_email(manager_client, community):
    person = community(2)[0]
    response = manager_client.get("/members/", {"q": person.primary_email})
    assert names_in(response) == [person.display_name]
    assert person.primary_email in response.content.decode()


def test_members_can_neither_see_nor_search_email_addresses(member_client, community):
    person = community(2)[0]
    assert person.primary_email not in member_client.get("/members/").content.decode()
    response = member_client.get("/members/", {"q": person.primary_email})
    assert names_in(response) == []
    assert "No members match" in response.content.decode()


def test_search_matches_an_identity_email_for_managers(manager_client, db):
    ingest(
        [
            record(
                source="discord",
                person=Person(external_id="D1", username="zed", email="zed@corp.example"),
            )
        ]
    )
    Member.objects.filter(display_name="zed").update(primary_email="")
    assert names_in(manager_client.get("/members/", {"q": "zed@corp"})) == ["zed"]


def test_filter_by_source(member_client, community, db):
    community(2)
    ingest([record(source="discord", person=Person(external_id="D9", name="Dora Discord"))])
    assert names_in(member_client.get("/members/", {"source": "discord"})) == ["Dora Discord"]
    assert "Dora Discord" not in names_in(member_client.get("/members/", {"source": "slack"}))


def test_filter_by_organization(member_client, community):
    acme = community(2, domain="acme.io")
    community(2, domain="globex.com")
    response = member_client.get("/members/", {"organization": acme[0].organization_id})
    assert sorted(names_in(response)) == sorted(p.display_name for p in acme)
    assert "Globex" in response.content.decode()  # still offered in the filter menu


def test_nonsense_filters_do_not_break_the_page(member_client, community):
    community(1)
    response = member_client.get(
        "/members/", {"organization": "abc", "page": "zz", "source": "nope"}
    )
    assert response.status_code == 200
    assert "No members match" in response.content.decode()


def test_directory_is_paginated_50_a_page(member_client, community):
    community(PAGE_SIZE + 5, activities=1)
    first = member_client.get("/members/")
    assert len(names_in(first)) == PAGE_SIZE
    assert "Page 1 of 2" in first.content.decode()
    second = member_client.get("/members/", {"page": 2})
    # 55 people plus the signed-in member.
    assert len(names_in(second)) == 6
    assert not set(names_in(first)) & set(names_in(second))
    assert 'rel="prev"' in second.content.decode()


def test_pagination_links_keep_the_search(member_client, community):
    community(PAGE_SIZE + 1, activities=1)
    html = member_client.get("/members/", {"q": "Person", "source": "slack"}).content.decode()
    assert 'href="?q=Person&amp;source=slack&amp;page=2"' in html


def test_live_search_returns_only_the_results_fragment(member_client, community, htmx):
    community(3)
    response = member_client.get("/members/", {"q": "Person"}, headers=htmx)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and "<header" not in html and 'id="member-q"' not in html
    assert "<table" in html
    # The count goes to the live region out of band.
    assert '<span id="member-status" hx-swap-oob="innerHTML">3 members match “Person”' in html
    assert "HX-Request" in response["Vary"]


def test_history_restore_gets_the_whole_page(member_client, community):
    community(1)
    response = member_client.get(
        "/members/", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert b"<html" in response.content


def test_search_form_works_without_javascript(member_client, db):
    html = member_client.get("/members/").content.decode()
    assert '<form class="filters" method="get" action="/members/"' in html
    assert '<button class="button" type="submit">Search</button>' in html
    for control in ("member-q", "member-source", "member-organization"):
        assert f'<label for="{control}">' in html
    assert 'hx-trigger="input changed delay:300ms, search"' in html


def test_a_search_without_results_offers_to_clear_the_filters(member_client, db):
    html = member_client.get("/members/", {"q": "nobody"}).content.decode()
    assert "No members match" in html and 'href="/members/">Clear filters</a>' in html


def test_badges_show_employees_and_roles(manager_client, community):
    person = community(1)[0]
    Member.objects.filter(pk=person.pk).update(is_employee=True)
    html = manager_client.get("/members/").content.decode()
    assert '<span class="badge badge--employee"' in html
    assert '<span class="badge badge--role">Community manager</span>' in html
