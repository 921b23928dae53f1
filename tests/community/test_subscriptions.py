"""Following topics, boards and tags: who hears about new replies and topics, and who never does."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from townhall.community import selectors, services
from townhall.community.models import Notification, Subscription, Tag, Visibility
from townhall.core.models import Member
from townhall.groups import services as groups
from townhall.groups.models import Privacy


def verbs(member) -> list[str]:
    return sorted(Notification.objects.filter(recipient=member).values_list("verb", flat=True))


def test_authors_and_repliers_follow_and_hear_once_about_each_new_reply(
    question, asker, answerer, make_person
):
    third = make_person(name="Tia Third")
    services.create_reply(question, body="First answer", by=answerer)
    services.create_reply(question, body="Second answer", by=third)
    assert set(Subscription.objects.filter(topic=question).values_list("member_id", flat=True)) == {
        asker.pk,
        answerer.pk,
        third.pk,
    }
    assert verbs(asker) == ["reply", "reply"]  # as the author, not twice as a follower
    assert verbs(answerer) == ["followed_reply"]
    assert verbs(third) == []  # never about one's own reply


def test_board_and_tag_followers_hear_about_new_topics_but_not_the_actor(board, asker, make_person):
    board_fan, tag_fan = make_person(), make_person()
    services.follow(board, by=board_fan)
    services.follow(Tag.objects.create(name="SSO", slug="sso"), by=tag_fan)
    services.follow(board, by=asker)
    services.create_topic(board, kind="question", title="SSO?", body="", by=asker, tags=["SSO"])
    assert verbs(board_fan) == verbs(tag_fan) == ["followed_topic"]
    assert verbs(asker) == []


def test_followers_who_cannot_read_the_board_are_never_told(make_board, make_person, employee):
    staff_room = make_board(name="Staff", visibility=Visibility.EMPLOYEES)
    customer, colleague = make_person(), make_person(employee=True)
    tag = Tag.objects.create(name="Pricing", slug="pricing")
    for person in (customer, colleague):
        services.follow(tag, by=person)
    services.create_topic(
        staff_room,
        kind="discussion",
        title="Price rise",
        body="Secret",
        by=employee,
        tags=["Pricing"],
    )
    assert verbs(customer) == []
    assert verbs(colleague) == ["followed_topic"]


def test_one_cannot_follow_a_board_one_cannot_read(make_board, make_person):
    staff_room = make_board(name="Staff", visibility=Visibility.EMPLOYEES)
    with pytest.raises(PermissionDenied):
        services.follow(staff_room, by=make_person())


def test_unfollowing_stops_the_notices(question, answerer, make_person):
    services.create_reply(question, body="Answer", by=answerer)
    assert services.unfollow(question, by=answerer) is True
    services.create_reply(question, body="More", by=make_person())
    assert verbs(answerer) == []


def test_readers_of_a_board_are_exactly_those_who_can_see_its_topics(
    make_board, make_group, make_person, moderator, employee, asker
):
    group = make_group(name="Insiders", privacy=Privacy.PUBLIC)
    insider = make_person(name="Ines Insider")
    groups.join_group(group, by=insider)
    parent = make_board(name="Staff", visibility=Visibility.EMPLOYEES)
    boards = [
        make_board(name="Open"),
        make_board(name="Members", visibility=Visibility.MEMBERS),
        make_board(name="Group", visibility=Visibility.GROUP, group=group),
        parent,
        make_board(name="Staff child", parent=parent),
        make_board(
            name="Group in members",
            parent=make_board(name="M2", visibility=Visibility.MEMBERS),
            visibility=Visibility.GROUP,
            group=group,
        ),
    ]
    people = Member.objects.filter(pk__in=[insider.pk, moderator.pk, employee.pk, asker.pk])
    for board in boards:
        topic = services.create_topic(board, kind="discussion", title="T", body="", by=moderator)
        expected = {p.pk for p in people if selectors.can_see_topic(topic, p)}
        assert set(selectors.readers_of(board, people).values_list("pk", flat=True)) == expected, (
            board
        )
