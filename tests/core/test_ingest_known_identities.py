"""Ingest remembers the identities of earlier batches of one import (`_KnownIdentities`).

Each test feeds ingest from a generator that changes the database between two batches
(as a merge or an edit during a long import would), then checks that the later
batches see the change exactly as if every batch had looked its people up afresh.
"""

from collections.abc import Callable, Iterator
from typing import Any

from townhall.core.models import Activity, Identity, Member
from townhall.core.records import ActivityRecord, Person
from townhall.core.services import ingest, merge_members, unmerge


def between_batches(
    first: list[ActivityRecord], change: Callable[[], Any], then: list[ActivityRecord]
) -> Iterator[ActivityRecord]:
    """`first`, then `change()` once ingest has taken all of them, then `then`."""
    yield from first
    change()
    yield from then


def assert_members_follow_identities() -> None:
    for activity in Activity.objects.select_related("identity", "target_identity"):
        assert activity.member_id == activity.identity.member_id
        if activity.target_identity:
            assert activity.target_member_id == activity.target_identity.member_id


def test_a_merge_between_two_batches_sends_later_activities_to_the_kept_member(db, make_record):
    alice, alias = Person(external_id="U1", name="Alice"), Person(external_id="U2", name="Al")
    first = [make_record(actor=alice), make_record(actor=alias, target=alice)]
    ingest(first)  # both known before the import below, so its first batch caches them
    keep = Identity.objects.get(external_id="U1").member
    absorbed = Identity.objects.get(external_id="U2").member

    again = [make_record(actor=alias), make_record(actor=alice, target=alias)]
    later = [make_record(external_id="late", actor=alias, target=alias)]
    result = ingest(
        between_batches(
            again, lambda: merge_members(keep, absorbed, reason="same person", by="test"), later
        ),
        batch_size=2,
    )

    assert result.created == 3
    late = Activity.objects.get(external_id="late")
    assert (late.member_id, late.target_member_id) == (keep.pk, keep.pk)
    assert_members_follow_identities()


def test_an_unmerge_between_two_batches_sends_later_activities_back(db, make_record):
    alice, alias = Person(external_id="U1", name="Alice"), Person(external_id="U2", name="Al")
    ingest([make_record(actor=alice), make_record(actor=alias)])
    keep = Identity.objects.get(external_id="U1").member
    absorbed = Identity.objects.get(external_id="U2").member
    record = merge_members(keep, absorbed, reason="same person", by="test")

    result = ingest(
        between_batches(
            [make_record(actor=alias), make_record(actor=alice)],
            lambda: unmerge(record, by="test"),
            [make_record(external_id="late", actor=alias)],
        ),
        batch_size=2,
    )

    assert result.created == 3
    assert Activity.objects.get(external_id="late").member_id == absorbed.pk
    assert_members_follow_identities()


def test_a_profile_field_learned_in_a_later_batch_is_filled_in(db, make_record):
    bare = Person(external_id="U1")
    result = ingest(
        [
            make_record(actor=bare),
            make_record(actor=bare),
            make_record(actor=Person(external_id="U1", email="ann@acme.io", name="Ann")),
            make_record(actor=bare),
            make_record(actor=Person(external_id="U1", name="Other name", is_bot=True)),
            make_record(actor=bare),
        ],
        batch_size=2,
    )

    assert result.created == 6 and result.identities_created == 1
    identity = Identity.objects.get(external_id="U1")
    # Filled once, never overwritten; the bot flag learned later is kept.
    assert (identity.email, identity.name, identity.is_bot) == ("ann@acme.io", "Ann", True)


def test_a_profile_filled_elsewhere_between_batches_is_not_overwritten(db, make_record):
    def edit() -> None:
        Identity.objects.filter(external_id="U1").update(username="set-by-hand")

    ingest(
        between_batches(
            [make_record(actor=Person(external_id="U1")), make_record(actor=Person(username="x"))],
            edit,
            [make_record(actor=Person(external_id="U1", username="from-import"))],
        ),
        batch_size=2,
    )

    assert Identity.objects.get(external_id="U1").username == "set-by-hand"


def test_people_of_earlier_batches_are_not_created_twice(db, make_record):
    people = [Person(external_id=f"U{n}", name=f"P{n}") for n in range(5)]
    records = [make_record(actor=people[n % 5], target=people[(n + 1) % 5]) for n in range(40)]

    result = ingest(records, batch_size=3)

    assert result.created == 40 and result.members_created == 5
    assert Member.objects.count() == Identity.objects.count() == 5
    assert_members_follow_identities()
