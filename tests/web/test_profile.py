"""Member profiles: identities per source, counts, the timeline and its paging, merges."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from townhall.core.models import Member, MergeRecord
from townhall.core.records import Person
from townhall.core.selectors import TIMELINE_PAGE_SIZE, decode_cursor, member_timeline
from townhall.core.services import ingest, merge_members, unmerge

from .conftest import record


def titles_in(html: str) -> list[str]:
    return re.findall(r'class="timeline__title">([^<]+)<', html)


def test_profile_shows_identities_grouped_one_row_per_source(manager_client, db):
    ingest(
        [
            record(
                source="slack",
                person=Person(
                    external_id="U1",
                    name="Rita",
                    email="rita@acme.io",
                    url="https://acme.slack.com/team/U1",
                ),
            ),
            record(source="slack", person=Person(external_id="U1", name="Rita")),
            record(
                source="github",
                person=Person(
                    external_id="42", username="rita-gh", url="https://github.com/rita-gh"
                ),
            ),
        ]
    )
    rita = Member.objects.get(identities__external_id="U1")
    merge_members(rita, Member.objects.get(identities__external_id="42"), reason="same", by="test")
    html = manager_client.get(f"/members/{rita.pk}/").content.decode()
    assert html.count('<th scope="row"><span class="badge badge--source">') == 2
    assert (
        '<a href="https://github.com/rita-gh" rel="noopener noreferrer nofollow">rita-gh</a>'
        in html
    )
    assert "rita@acme.io" in html
    # Counts per source: 2 on slack, 1 on github, 3 in all.
    assert re.search(r"slack</span></th>.*?<td class=\"numeric\">2</td>", html, re.S)
    assert re.search(r"github</span></th>.*?<td class=\"numeric\">1</td>", html, re.S)
    assert "<dt>Activities</dt><dd>3</dd>" in html


def test_profile_hides_email_addresses_from_ordinary_members(member_client, community):
    person = community(1)[0]
    html = member_client.get(f"/members/{person.pk}/").content.decode()
    assert person.primary_email not in html


def test_links_from_imported_data_are_only_http(manager_client, db):
    ingest(
        [
            record(
                source="slack",
                person=Person(external_id="X", name="Mallory", url="javascript:alert(1)"),
                title="Hi",
                url="javascript:alert(2)",
            )
        ]
    )
    member = Member.objects.get(display_name="Mallory")
    html = manager_client.get(f"/members/{member.pk}/").content.decode()
    assert "javascript:" not in html


def test_timeline_is_newest_first_with_a_load_more_link_that_works_without_javascript(
    member_client, db
):
    person = Person(external_id="T1", name="Tim Line")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    ingest(
        [
            record(
                source="slack",
                person=person,
                title=f"post {i:02d}",
                when=start + timedelta(hours=i),
            )
            for i in range(TIMELINE_PAGE_SIZE + 5)
        ]
    )
    member = Member.objects.get(display_name="Tim Line")
    first = member_client.get(f"/members/{member.pk}/").content.decode()
    expected = [f"post {i:02d}" for i in reversed(range(TIMELINE_PAGE_SIZE + 5))]
    assert titles_in(first) == expected[:TIMELINE_PAGE_SIZE]
    link = re.search(r'href="(/members/\d+/\?before=[0-9-]+)#activity"', first).group(1)
    second = member_client.get(link).content.decode()
    assert "<html" in second
    assert titles_in(second) == expected[TIMELINE_PAGE_SIZE:]
    assert "Back to the newest activity" in second
    assert "Load more" not in second


def test_load_more_with_htmx_returns_only_the_next_items(member_client, htmx, db):
    person = Person(external_id="T2", name="Tina")
    ingest(
        [
            record(source="slack", person=person, title=f"t{i}")
            for i in range(TIMELINE_PAGE_SIZE + 2)
        ]
    )
    member = Member.objects.get(display_name="Tina")
    page = member_timeline(member)
    response = member_client.get(
        f"/members/{member.pk}/", {"before": page.next_cursor}, headers=htmx
    )
    html = response.content.decode()
    assert "<html" not in html and "<header" not in html
    assert html.count('<li class="timeline__item"') == 2
    assert "autofocus" in html  # focus moves to the first new item
    assert 'id="timeline-more"' not in html


def test_activities_at_the_same_moment_are_neither_skipped_nor_repeated(db):
    person = Person(external_id="S1", name="Same Time")
    moment = datetime(2026, 2, 2, tzinfo=UTC)
    ingest([record(source="slack", person=person, when=moment) for _ in range(7)])
    member = Member.objects.get(display_name="Same Time")
    seen, cursor = [], ""
    while True:
        page = member_timeline(member, before=cursor, size=3)
        seen += [a.pk for a in page.activities]
        if not page.next_cursor:
            break
        cursor = page.next_cursor
    assert len(seen) == len(set(seen)) == 7


def test_a_malformed_cursor_shows_the_newest_activity(member_client, community):
    person = community(1)[0]
    assert decode_cursor("garbage") is None
    response = member_client.get(f"/members/{person.pk}/", {"before": "garbage"})
    assert response.status_code == 200


def test_a_merged_members_address_redirects_to_the_member_it_was_merged_into(
    member_client, community
):
    person = community(1)[0]
    absorbed = Member.objects.get(merged_into=person)
    response = member_client.get(f"/members/{absorbed.pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/members/{person.pk}/"


def test_a_chain_of_merges_redirects_to_the_last_member(member_client, community):
    first, second = community(2)
    merge_members(second, first, reason="same", by="test")
    absorbed_early = Member.objects.get(merged_into=first)
    response = member_client.get(f"/members/{absorbed_early.pk}/")
    assert response["Location"] == f"/members/{second.pk}/"


def test_after_unmerge_the_old_address_shows_the_member_again(member_client, community):
    person = community(1)[0]
    absorbed = Member.objects.get(merged_into=person)
    unmerge(MergeRecord.objects.get(absorbed=absorbed), by="test")
    assert member_client.get(f"/members/{absorbed.pk}/").status_code == 200


def test_profile_shows_role_and_employee_badges(member_client, community):
    person = community(1)[0]
    Member.objects.filter(pk=person.pk).update(is_employee=True, role="moderator")
    html = member_client.get(f"/members/{person.pk}/").content.decode()
    assert '<span class="badge badge--role">Moderator</span>' in html
    assert '<span class="badge badge--employee"' in html


def test_a_member_without_activity_sees_a_teaching_empty_timeline(client, make_login):
    user = make_login(name="New Person")
    client.force_login(user)
    html = client.get(f"/members/{user.member.pk}/").content.decode()
    assert "No activity yet" in html and "This is you" in html
