import pytest

from townhall.core.models import Activity, Identity, Member, MergeRecord
from townhall.core.records import Person
from townhall.core.services import (
    MergeRefused,
    ingest,
    mark_not_same_person,
    merge_members,
    record_activity,
    unmerge,
)


def snapshot():
    """Everything a merge touches, to compare before and after."""
    return (
        sorted(Identity.objects.values_list("id", "member_id")),
        sorted(Activity.objects.values_list("id", "member_id", "target_member_id")),
        sorted(
            Member.objects.values_list(
                "id", "display_name", "primary_email", "organization_id", "merged_into_id"
            )
        ),
    )


@pytest.fixture
def two_people(db, make_record):
    slack = Person(external_id="U1", name="María García")
    github = Person(external_id="42", username="mgarcia", email="maria@acme.io")
    other = Person(external_id="U2", name="Bo")
    ingest(
        [
            make_record(source="slack", actor=slack, external_id="s1"),
            make_record(source="slack", actor=other, target=slack, external_id="s2", kind="reply"),
            make_record(source="github", actor=github, external_id="g1"),
            make_record(source="github", actor=github, external_id="g2"),
        ]
    )
    keep = Member.objects.get(identities__external_id="U1")
    absorb = Member.objects.get(identities__external_id="42")
    return keep, absorb


def test_merge_moves_identities_and_activities_and_fills_blank_fields(two_people):
    keep, absorb = two_people
    record = merge_members(keep, absorb, reason="same email on GitHub profile", by="test")
    keep.refresh_from_db()
    assert set(keep.identities.values_list("external_id", flat=True)) == {"U1", "42"}
    assert keep.activities.count() == 3
    assert keep.activities_received.count() == 1
    assert keep.primary_email == "maria@acme.io" and keep.organization.domain == "acme.io"
    assert Member.active.filter(pk=absorb.pk).count() == 0
    assert record.identity_ids and record.keep_before["primary_email"] == ""


def test_unmerge_restores_everything_exactly(two_people):
    keep, absorb = two_people
    before = snapshot()
    record = merge_members(keep, absorb, reason="r", by="test")
    assert snapshot() != before
    unmerge(record, by="test")
    assert snapshot() == before
    record.refresh_from_db()
    assert record.undone_at is not None and record.undone_by == "test"


def test_not_same_person_blocks_merges_now_and_through_later_merges(two_people, make_member):
    keep, absorb = two_people
    mark_not_same_person(keep, absorb, by="reviewer")
    with pytest.raises(MergeRefused, match="not the same person"):
        merge_members(keep, absorb, reason="r", by="test")
    third = make_member(name="Third")
    merge_members(third, absorb, reason="r", by="test")
    # absorb now lives inside third: joining third and keep would join absorb and keep.
    with pytest.raises(MergeRefused, match="not the same person"):
        merge_members(keep, third, reason="r", by="test")


def test_merges_are_undone_last_first(two_people, make_member):
    keep, absorb = two_people
    first = merge_members(keep, absorb, reason="r", by="t")
    outer = make_member(name="Outer")
    second = merge_members(outer, keep, reason="r", by="t")
    with pytest.raises(MergeRefused, match="undo that merge first"):
        unmerge(first)
    unmerge(second)
    unmerge(first)
    assert Member.active.filter(pk__in=[keep.pk, absorb.pk, outer.pk]).count() == 3


def test_merge_refuses_self_and_already_merged_members(two_people):
    keep, absorb = two_people
    with pytest.raises(MergeRefused):
        merge_members(keep, keep, reason="r", by="t")
    merge_members(keep, absorb, reason="r", by="t")
    with pytest.raises(MergeRefused, match="already merged"):
        merge_members(keep, absorb, reason="r", by="t")


def test_record_activity_is_idempotent_and_follows_merges(two_people):
    keep, absorb = two_people
    first = record_activity(absorb, "topic_created", "topic:1", title="Hello", target_member=keep)
    again = record_activity(absorb, "topic_created", "topic:1", title="Hello")
    assert first.pk == again.pk and first.source.slug == "community"
    assert first.target_member == keep
    merge_members(keep, absorb, reason="r", by="t")
    first.refresh_from_db()
    assert first.member == keep
    assert first.identity_id in MergeRecord.objects.get().identity_ids


def test_bulk_merges_equal_one_by_one_merges_and_undo_exactly(db, make_record):
    from townhall.core.services import PlannedMerge, merge_members_bulk

    people = [
        Person(external_id=f"U{n}", name=f"P{n}", email=f"p{n}@org{n}.io" if n % 2 else None)
        for n in range(6)
    ]
    ingest([make_record(actor=p, target=people[(i + 1) % 6]) for i, p in enumerate(people)])
    ids = [Member.objects.get(identities__external_id=f"U{n}").pk for n in range(6)]
    before = snapshot()
    plan = [(ids[0], ids[1]), (ids[2], ids[3]), (ids[0], ids[2]), (ids[4], ids[5])]
    records = merge_members_bulk([PlannedMerge(k, a, "test") for k, a in plan], by="bulk")
    bulk_state = snapshot()
    assert len(records) == 4
    for record in reversed(MergeRecord.objects.order_by("id")):
        unmerge(record)
    assert snapshot() == before
    for keep, absorb in plan:
        merge_members(
            Member.objects.get(pk=keep), Member.objects.get(pk=absorb), reason="test", by="one"
        )
    assert snapshot() == bulk_state
