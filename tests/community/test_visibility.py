"""Board visibility: one selector decides, and nothing from a board one cannot read leaks."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from townhall.community import selectors, services
from townhall.community.models import Notification, Visibility
from townhall.groups import services as groups
from townhall.groups.models import Privacy


@pytest.fixture
def boards(make_board, make_group):
    group = make_group(name="Insiders", privacy=Privacy.PRIVATE)
    return {
        "public": make_board(name="Public"),
        "members": make_board(name="Members", visibility=Visibility.MEMBERS),
        "group": make_board(name="Insiders board", visibility=Visibility.GROUP, group=group),
        "employees": make_board(name="Staff room", visibility=Visibility.EMPLOYEES),
        "group_obj": group,
    }


def names(viewer):
    return set(selectors.visible_boards(viewer).values_list("name", flat=True))


def test_a_visitor_who_is_not_signed_in_sees_only_public_boards(boards):
    assert names(None) == {"Public"}


def test_a_signed_in_member_sees_public_and_members_boards(boards, make_person):
    assert names(make_person()) == {"Public", "Members"}


def test_a_group_member_also_sees_the_groups_boards(boards, make_person, manager):
    person = make_person()
    request = groups.request_to_join(boards["group_obj"], by=person)
    groups.approve_request(request, by=manager)
    assert names(person) == {"Public", "Members", "Insiders board"}


def test_an_employee_sees_employee_boards_but_not_other_groups_boards(boards, employee):
    assert names(employee) == {"Public", "Members", "Staff room"}


def test_moderators_see_every_board(boards, moderator):
    assert names(moderator) == {"Public", "Members", "Insiders board", "Staff room"}


def test_a_sub_board_is_no_more_visible_than_its_parent(make_board, make_person):
    staff = make_board(name="Staff", visibility=Visibility.EMPLOYEES)
    make_board(name="Staff public corner", parent=staff)
    assert "Staff public corner" not in names(make_person())
    assert "Staff public corner" not in names(None)


def test_boards_nest_one_level_only(make_board):
    from django.core.exceptions import ValidationError

    top = make_board(name="Top")
    middle = make_board(name="Middle", parent=top)
    with pytest.raises(ValidationError):
        make_board(name="Bottom", parent=middle)


def test_hidden_board_content_never_reaches_a_member_through_lists_or_pages(
    client, boards, employee, make_person
):
    secret = services.create_topic(
        boards["employees"], kind="discussion", title="Layoffs plan XYZZY", body="…", by=employee
    )
    outsider = make_person()
    assert secret not in selectors.visible_topics(outsider)
    assert secret not in selectors.unanswered(outsider)
    from tests.groups.conftest import login

    login(client, outsider)
    assert "XYZZY" not in client.get("/community/").content.decode()
    assert "Staff room" not in client.get("/community/").content.decode()
    assert client.get(f"/community/t/{secret.pk}/").status_code == 404
    assert client.get(f"/community/b/{boards['employees'].slug}/").status_code == 404
    assert client.post(f"/community/t/{secret.pk}/reply/", {"body": "hi"}).status_code == 404


def test_a_member_cannot_act_on_a_topic_they_cannot_see(boards, employee, make_person):
    secret = services.create_topic(
        boards["employees"], kind="question", title="Internal", body="", by=employee
    )
    outsider = make_person()
    with pytest.raises(PermissionDenied):
        services.create_reply(secret, body="hello", by=outsider)
    with pytest.raises(PermissionDenied):
        services.like(secret, by=outsider)
    with pytest.raises(PermissionDenied):
        services.create_topic(boards["employees"], kind="question", title="x", body="", by=outsider)


def test_mentioning_someone_who_cannot_see_the_board_tells_them_nothing(
    boards, employee, make_person
):
    outsider = make_person(name="Olga")
    services.create_topic(
        boards["employees"],
        kind="discussion",
        title="Ask @Olga later",
        body="cc @Olga",
        by=employee,
    )
    assert not Notification.objects.filter(recipient=outsider).exists()


def test_notifications_about_a_board_one_can_no_longer_read_disappear(boards, make_person, manager):
    person, colleague = make_person(), make_person(name="Colin")
    for someone in (person, colleague):
        groups.approve_request(groups.request_to_join(boards["group_obj"], by=someone), by=manager)
    topic = services.create_topic(
        boards["group"], kind="discussion", title="Group only", body="", by=person
    )
    services.create_reply(topic, body="hello", by=colleague)
    assert selectors.notifications_for(person).count() == 1
    groups.leave_group(boards["group_obj"], by=person)
    assert selectors.notifications_for(person).count() == 0
    assert selectors.unread_count(person) == 0


def test_activities_on_restricted_boards_carry_no_channel_title_or_body_for_timelines(
    boards, employee
):
    from townhall.core.models import Activity

    topic = services.create_topic(
        boards["employees"], kind="discussion", title="Secret roadmap", body="s", by=employee
    )
    activity = Activity.objects.get(external_id=f"topic:{topic.pk}")
    assert activity.title == "" and activity.body == "" and activity.url == ""
    assert activity.channel == ""
    assert activity.properties == {
        "board": boards["employees"].slug,
        "restricted": True,
        "kind": "discussion",
    }
