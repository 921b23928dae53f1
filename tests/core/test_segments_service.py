"""Segment verbs: definitions are validated, slugs are unique, memberships change by difference."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from townhall.core.models import Member, Role, Segment, SegmentMembership
from townhall.core.services.segments import (
    create_segment,
    parse_definition,
    update_segment,
    write_memberships,
)


@pytest.fixture
def manager(make_member: Callable[..., Member]) -> Member:
    member = make_member(name="Cora Manager")
    Member.objects.filter(pk=member.pk).update(role=Role.COMMUNITY_MANAGER)
    member.refresh_from_db()
    return member


def test_a_definition_keeps_only_what_differs_from_the_defaults():
    definition = parse_definition({"levels": ["Champion"], "attributes": {"is_employee": False}})

    assert definition.as_json() == {
        "version": 1,
        "levels": ["Champion"],
        "attributes": {"is_employee": False},
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"levels": "Champion"}, "levels"),
        ({"scores": {"score": {"min": 10, "max": 1}}}, "min (10.0) is above max"),
        ({"activity": [{"min_count": 0}]}, "activity.0.min_count"),
        ({"attributes": {"roles": ["king"]}}, "unknown role(s) king"),
        ({"trends": ["exploding"]}, "unknown trend(s) exploding"),
        ({"colour": "blue"}, "colour"),
        ({"attributes": {"fields": {"a b": 1}}}, "field names"),
    ],
)
def test_a_wrong_definition_says_which_part_is_wrong(data, message):
    with pytest.raises(ValidationError) as error:
        parse_definition(data)

    assert message in " ".join(error.value.messages)


def test_creating_a_segment_stores_the_validated_definition_and_a_unique_slug(db, manager):
    first = create_segment(name="Champions", definition={"levels": ["Champion"]}, by=manager)
    second = create_segment(name="Champions", definition={}, by=manager)

    assert first.slug == "champions"
    assert second.slug == "champions-2"
    assert first.definition == {"version": 1, "levels": ["Champion"]}
    assert first.created_by == manager


def test_a_slug_asked_for_and_taken_is_refused(db, manager):
    create_segment(name="Champions", slug="top", definition={}, by=manager)

    with pytest.raises(ValidationError):
        create_segment(name="Other", slug="top", definition={}, by=manager)


def test_only_managers_create_segments(db, make_member):
    someone = make_member(name="Mona")

    with pytest.raises(PermissionDenied):
        create_segment(name="Mine", definition={}, by=someone)
    assert not Segment.objects.exists()


def test_updating_a_segment_validates_the_new_definition(db, manager):
    segment = create_segment(name="Champions", definition={}, by=manager)

    with pytest.raises(ValidationError):
        update_segment(segment, by=manager, definition={"levels": 3})
    updated = update_segment(segment, by=manager, name="  Top  people ", definition={"levels": []})

    assert updated.name == "Top people"
    assert updated.slug == "champions"


def test_memberships_are_written_by_difference(db, manager, make_member):
    a, b, c = (make_member() for _ in range(3))
    segment = create_segment(name="Some", definition={}, by=manager)

    first = write_memberships(segment, [a.pk, b.pk])
    kept = SegmentMembership.objects.get(segment=segment, member=a)
    second = write_memberships(segment, [a.pk, c.pk])
    segment.refresh_from_db()

    assert (first.added, first.removed, first.members) == (2, 0, 2)
    assert (second.added, second.removed, second.members) == (1, 1, 2)
    assert SegmentMembership.objects.get(segment=segment, member=a).pk == kept.pk  # untouched
    assert set(segment.memberships.values_list("member_id", flat=True)) == {a.pk, c.pk}
    assert segment.member_count == 2 and segment.evaluated_at is not None


def test_memberships_ignore_members_that_no_longer_exist(db, manager, make_member):
    a = make_member()
    segment = create_segment(name="Some", definition={}, by=manager)

    written = write_memberships(segment, [a.pk, 999_999])

    assert written.members == 1
