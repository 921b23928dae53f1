"""Merging people: `merge_members`, `unmerge`, `mark_not_same_person`.

A merge moves the absorbed member's identities to the kept member, and with them
their activities (an activity's member is always its identity's member). The
absorbed member's row stays, pointing at the kept one, and the MergeRecord lists
the identities moved and the fields of the kept member that were filled in — so
`unmerge` restores both people exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from townhall.core.models import Activity, Identity, Member, MergeRecord, NotSamePerson
from townhall.core.services.merge_hooks import MemberMerge, members_merged, members_unmerged

# Fields of the kept member that a merge fills in when blank (and unmerge blanks again).
FILLABLE_FIELDS = ("display_name", "primary_email", "avatar_url", "organization_id")


class MergeRefused(Exception):
    """A merge that must not happen; the message says why."""


def merged_group(member: Member) -> set[int]:
    """The member's id and the ids of everyone merged into it, directly or not."""
    group = {member.pk}
    frontier = [member.pk]
    while frontier:
        frontier = list(
            Member.objects.filter(merged_into_id__in=frontier).values_list("id", flat=True)
        )
        group.update(frontier)
    return group


def are_kept_apart(a: Member, b: Member) -> bool:
    """True when a not-same-person decision separates anyone in a's group from b's."""
    group_a, group_b = merged_group(a), merged_group(b)
    return NotSamePerson.objects.filter(
        Q(member_low_id__in=group_a, member_high_id__in=group_b)
        | Q(member_low_id__in=group_b, member_high_id__in=group_a)
    ).exists()


@transaction.atomic
def merge_members(keep: Member, absorb: Member, *, reason: str, by: str) -> MergeRecord:
    """Merge `absorb` into `keep`: one person from now on, reversibly and on record.

    Refused when they are the same member, when either was already merged away, or
    when a not-same-person decision separates them (or anyone merged into them).
    """
    keep = Member.objects.select_for_update().get(pk=keep.pk)
    absorb = Member.objects.select_for_update().get(pk=absorb.pk)
    if keep.pk == absorb.pk:
        raise MergeRefused("a member cannot be merged with itself")
    for member in (keep, absorb):
        if member.merged_into_id is not None:
            raise MergeRefused(
                f"member {member.pk} was already merged into {member.merged_into_id}"
            )
    if are_kept_apart(keep, absorb):
        raise MergeRefused(f"members {keep.pk} and {absorb.pk} were marked as not the same person")
    if not reason.strip():
        raise MergeRefused("a merge needs a reason")

    identity_ids = sorted(Identity.objects.filter(member=absorb).values_list("id", flat=True))
    keep_before = {}
    for name in FILLABLE_FIELDS:
        if not getattr(keep, name) and getattr(absorb, name):
            keep_before[name] = getattr(keep, name)
            setattr(keep, name, getattr(absorb, name))
    if absorb.is_employee and not keep.is_employee:
        keep_before["is_employee"] = False
        keep.is_employee = True
    keep.save()

    _move_identities(identity_ids, source=absorb, to=keep)
    absorb.merged_into = keep
    absorb.save(update_fields=["merged_into"])
    record = MergeRecord.objects.create(
        keep=keep,
        absorbed=absorb,
        reason=reason.strip()[:500],
        merged_by=by[:255],
        identity_ids=identity_ids,
        keep_before=keep_before,
    )
    members_merged([MemberMerge(record.pk, keep.pk, absorb.pk)])  # other apps' rows follow
    return record


@transaction.atomic
def unmerge(record: MergeRecord, *, by: str = "") -> Member:
    """Undo a merge exactly: identities, activities and filled-in fields go back.

    Merges are undone last-first: a merge whose kept member was itself merged away
    later must wait until that later merge is undone.
    """
    record = MergeRecord.objects.select_for_update().get(pk=record.pk)
    if record.undone_at is not None:
        raise MergeRefused(f"merge {record.pk} was already undone")
    keep = Member.objects.select_for_update().get(pk=record.keep_id)
    absorbed = Member.objects.select_for_update().get(pk=record.absorbed_id)
    if keep.merged_into_id is not None:
        raise MergeRefused(
            f"member {keep.pk} was merged into {keep.merged_into_id} after this merge; undo that merge first"
        )
    _move_identities(record.identity_ids, source=keep, to=absorbed)
    for name, value in record.keep_before.items():
        setattr(keep, name, value)
    keep.save()
    absorbed.merged_into = None
    absorbed.save(update_fields=["merged_into"])
    record.undone_at = timezone.now()
    record.undone_by = by[:255]
    record.save(update_fields=["undone_at", "undone_by"])
    members_unmerged([MemberMerge(record.pk, keep.pk, absorbed.pk)])
    return absorbed


def _move_identities(identity_ids: list[int], *, source: Member, to: Member) -> None:
    # Activities are found through their current member (indexed), not the identity
    # (which has no index of its own, to keep imports fast).
    for start in range(0, len(identity_ids), 5000):
        chunk = identity_ids[start : start + 5000]
        Identity.objects.filter(pk__in=chunk).update(member=to)
        Activity.objects.filter(member=source, identity_id__in=chunk).update(member=to)
        Activity.objects.filter(target_member=source, target_identity_id__in=chunk).update(
            target_member=to
        )


@transaction.atomic
def mark_not_same_person(a: Member, b: Member, *, by: str = "", reason: str = "") -> NotSamePerson:
    """Record that `a` and `b` are different people; every later merge respects it."""
    if a.pk == b.pk:
        raise MergeRefused("a member is always the same person as itself")
    low, high = sorted((a.pk, b.pk))
    decision, _ = NotSamePerson.objects.get_or_create(
        member_low_id=low,
        member_high_id=high,
        defaults={"decided_by": by[:255], "reason": reason[:500]},
    )
    return decision


@dataclass(frozen=True)
class PlannedMerge:
    """`absorb` joins `keep`; both must be active when the batch starts or have been
    joined by earlier merges of the same batch (as an identity resolver plans them)."""

    keep: int
    absorb: int
    reason: str


@transaction.atomic
def merge_members_bulk(merges: list[PlannedMerge], *, by: str) -> list[MergeRecord]:
    """Apply many merges in a handful of statements, each one audited and undoable.

    Same outcome as calling `merge_members` for each in order — one MergeRecord per
    merge listing the identities it moved — but identities and activities are moved
    once, to where they end up, with set-based UPDATEs: an identity resolver may
    merge hundreds of thousands of members in one run. The caller has checked
    not-same-person decisions; merges naming a member already merged away before the
    batch are skipped.
    """
    if not merges:
        return []
    involved = {m for merge in merges for m in (merge.keep, merge.absorb)}
    members = {m.pk: m for m in _chunked_in_bulk(involved)}
    holder: dict[int, int] = {}  # identity id → member holding it now
    held: dict[int, set[int]] = {m: set() for m in members}
    for identity_id, member_id in _identities_of(list(members)):
        holder[identity_id] = member_id
        held[member_id].add(identity_id)

    absorbed: dict[int, int] = {}
    records: list[MergeRecord] = []
    changed_keeps: dict[int, Member] = {}
    for merge in merges:
        keep, absorb = members.get(merge.keep), members.get(merge.absorb)
        if keep is None or absorb is None or keep.pk == absorb.pk:
            continue
        if (
            keep.merged_into_id
            or absorb.merged_into_id
            or keep.pk in absorbed
            or absorb.pk in absorbed
        ):
            continue
        keep_before = {}
        for name in FILLABLE_FIELDS:
            if not getattr(keep, name) and getattr(absorb, name):
                keep_before[name] = getattr(keep, name)
                setattr(keep, name, getattr(absorb, name))
        if absorb.is_employee and not keep.is_employee:
            keep_before["is_employee"] = False
            keep.is_employee = True
        if keep_before:
            changed_keeps[keep.pk] = keep
        moved = sorted(held[absorb.pk])
        for identity_id in moved:
            holder[identity_id] = keep.pk
        held[keep.pk] |= held[absorb.pk]
        held[absorb.pk] = set()
        absorbed[absorb.pk] = keep.pk
        records.append(
            MergeRecord(
                keep_id=keep.pk,
                absorbed_id=absorb.pk,
                reason=merge.reason[:500],
                merged_by=by[:255],
                identity_ids=moved,
                keep_before=keep_before,
            )
        )
    moved_ids = {identity_id for record in records for identity_id in record.identity_ids}
    _apply_moves({identity_id: holder[identity_id] for identity_id in moved_ids})
    for absorb_id, keep_id in absorbed.items():
        members[absorb_id].merged_into_id = keep_id
    Member.objects.bulk_update([members[m] for m in absorbed], ["merged_into"], batch_size=1000)
    if changed_keeps:
        Member.objects.bulk_update(
            list(changed_keeps.values()), [*FILLABLE_FIELDS, "is_employee"], batch_size=1000
        )
    created = MergeRecord.objects.bulk_create(records, batch_size=1000)
    members_merged([MemberMerge(r.pk, r.keep_id, r.absorbed_id) for r in created])
    return created


def _chunked_in_bulk(ids: set[int]) -> list[Member]:
    ordered = sorted(ids)
    found: list[Member] = []
    for start in range(0, len(ordered), 5000):
        found.extend(
            Member.objects.select_for_update().filter(pk__in=ordered[start : start + 5000])
        )
    return found


def _identities_of(member_ids: list[int]) -> list[tuple[int, int]]:
    rows: list[tuple[int, int]] = []
    for start in range(0, len(member_ids), 5000):
        rows.extend(
            Identity.objects.filter(member_id__in=member_ids[start : start + 5000]).values_list(
                "id", "member_id"
            )
        )
    return rows


def _apply_moves(moves: dict[int, int]) -> None:
    """Point identities — and their activities, as actor and as target — at new members."""
    if not moves:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS townhall_identity_moves "
            "(identity_id bigint PRIMARY KEY, member_id bigint NOT NULL)"
        )
        cursor.execute("DELETE FROM townhall_identity_moves")
        cursor.executemany(
            "INSERT INTO townhall_identity_moves (identity_id, member_id) VALUES (%s, %s)",
            list(moves.items()),
        )
        for table, column, key in (
            (Identity._meta.db_table, "member_id", "id"),
            (Activity._meta.db_table, "member_id", "identity_id"),
            (Activity._meta.db_table, "target_member_id", "target_identity_id"),
        ):
            cursor.execute(
                f"UPDATE {table} SET {column} = moves.member_id FROM townhall_identity_moves AS moves "
                f"WHERE {table}.{key} = moves.identity_id"
            )
        cursor.execute("DELETE FROM townhall_identity_moves")
