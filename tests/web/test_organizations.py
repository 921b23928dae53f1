"""Organization pages: the list with member counts, search, paging; one organization's page."""

from __future__ import annotations

import re

from townhall.core.models import Organization
from townhall.core.selectors import PAGE_SIZE


def organizations_in(response) -> list[str]:
    return re.findall(
        r'class="person__name" href="/organizations/\d+/">([^<]+)</a>', response.content.decode()
    )


def test_organizations_are_listed_biggest_first_with_active_member_counts(member_client, community):
    community(3, domain="acme.io")
    community(1, domain="globex.com")
    response = member_client.get("/organizations/")
    assert organizations_in(response) == ["Acme", "Globex"]
    # Merged-away members do not count: 3 people, not 6 imported rows.
    assert re.search(r'Acme</a>.*?<td class="numeric">3</td>', response.content.decode(), re.S)


def test_organizations_can_be_searched_by_name_or_domain(member_client, community, htmx):
    community(1, domain="acme.io")
    community(1, domain="globex.com")
    assert organizations_in(member_client.get("/organizations/", {"q": "glob"})) == ["Globex"]
    assert organizations_in(member_client.get("/organizations/", {"q": "acme.io"})) == ["Acme"]
    fragment = member_client.get("/organizations/", {"q": "acme"}, headers=htmx).content.decode()
    assert "<html" not in fragment and "Acme" in fragment


def test_organizations_are_paginated(member_client, db):
    Organization.objects.bulk_create(
        Organization(name=f"Org {i:03d}", domain=f"org{i}.example") for i in range(PAGE_SIZE + 3)
    )
    assert len(organizations_in(member_client.get("/organizations/"))) == PAGE_SIZE
    assert len(organizations_in(member_client.get("/organizations/", {"page": 2}))) == 3


def test_no_organizations_yet_explains_where_they_come_from(member_client, db):
    html = member_client.get("/organizations/").content.decode()
    assert "No organizations yet" in html and "email" in html


def test_organization_page_shows_its_members_and_recent_activity(member_client, community):
    people = community(2, domain="acme.io")
    community(1, domain="globex.com")
    acme = Organization.objects.get(domain="acme.io")
    html = member_client.get(f"/organizations/{acme.pk}/").content.decode()
    assert "<h1>Acme</h1>" in html
    for person in people:
        assert f'href="/members/{person.pk}/"' in html
    assert "Globex" not in html.split("<main")[1].split("Recent activity")[0]
    assert "Recent activity" in html and "Star on github" in html
