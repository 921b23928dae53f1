"""The per-member queries compiled once per kind of member (townhall/community/compiled.py)
answer exactly what the ORM answers, for members of every kind and every board rule."""

from __future__ import annotations

import pytest

from townhall.community import compiled, selectors
from townhall.community.models import Notification, Topic, Visibility
from townhall.community.services import create_board, create_topic, hide, like
from townhall.core.models import Role
from townhall.groups.services import join_group


@pytest.fixture
def world(manager, make_person, make_group, employee):
    group = make_group(name="Insiders")
    insider = make_person(name="Ina Insider")
    join_group(group, by=insider)
    people = {
        "member": make_person(name="Mel Member"),
        "insider": insider,
        "employee": employee,
        "moderator": make_person(name="Mod Erator", role=Role.MODERATOR),
    }
    boards = {
        "public": create_board(name="Public", by=manager),
        "members": create_board(name="Members", visibility=Visibility.MEMBERS, by=manager),
        "group": create_board(
            name="Insiders", visibility=Visibility.GROUP, group=group, by=manager
        ),
        "staff": create_board(name="Staff", visibility=Visibility.EMPLOYEES, by=manager),
    }
    topics = [
        create_topic(board, kind="question", title=f"On {name}", body="?", by=manager)
        for name, board in boards.items()
    ]
    hidden = create_topic(boards["public"], kind="question", title="Gone", body="?", by=manager)
    hide(hidden, by=people["moderator"], reason="spam")
    topics.append(hidden)
    for person in people.values():
        for topic in topics:
            Notification.objects.create(recipient=person, topic=topic, verb="reply")
    like(topics[0], by=people["member"])
    return {"people": people, "topics": topics}


def test_unread_counts_match_the_orm_for_every_kind_of_member(world):
    counts = {}
    for name, person in world["people"].items():
        expected = selectors.notifications_for(person).filter(read_at__isnull=True).count()
        assert selectors.unread_count(person) == expected, name
        counts[name] = expected
    # The rules really differ between them, so each shape got its own SQL.
    assert counts == {"member": 2, "insider": 3, "employee": 3, "moderator": 5}


def test_topic_state_sees_exactly_the_topics_the_orm_lets_each_member_read(world):
    for name, person in world["people"].items():
        for topic in world["topics"]:
            readable = selectors.visible_topics(person).filter(pk=topic.pk).exists()
            try:
                state = selectors.viewer_topic_state(topic.pk, person)
            except Topic.DoesNotExist:
                assert not readable, (name, topic.title)
            else:
                assert readable, (name, topic.title)
                assert state.liked_topic == (name == "member" and topic == world["topics"][0])


def test_stand_ins_are_replaced_by_the_real_ids(world):
    member = world["people"]["member"]
    [(count,)] = compiled.rows(
        "test-likes",
        lambda m, t: Topic.objects.filter(pk=t, likes__member=m).values_list("pk"),
        member,
        world["topics"][0].pk,
        count=True,
    )
    assert count == 1


def test_topic_versions_see_exactly_what_the_orm_lets_each_visitor_read(world):
    visitors = {**world["people"], "signed out": None}
    readable_counts = {}
    for name, person in visitors.items():
        readable_counts[name] = 0
        for topic in world["topics"]:
            readable = selectors.visible_topics(person).filter(pk=topic.pk).exists()
            try:
                versions = selectors.topic_versions(topic.pk, person)
            except Topic.DoesNotExist:
                assert not readable, (name, topic.title)
            else:
                assert readable, (name, topic.title)
                topic.refresh_from_db()
                assert versions == (topic.cache_version, topic.board.cache_version, None)
                readable_counts[name] += 1
    # A visitor who is not signed in is a shape of their own: the public board only.
    assert readable_counts == {
        "member": 2, "insider": 3, "employee": 3, "moderator": 5, "signed out": 1
    }  # fmt: skip
