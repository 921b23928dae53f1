"""Read-side queries for groups, shared by pages and by other apps (community boards)."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from townhall.core.models import Member
from townhall.groups.models import (
    Decision,
    Group,
    GroupMembership,
    Invitation,
    JoinRequest,
    Privacy,
)
from townhall.groups.permissions import is_overseer


def group_ids_of(member: Member | None) -> QuerySet[GroupMembership, int]:
    """The ids of the groups `member` belongs to, as a lazy queryset (usable as a subquery)."""
    if member is None:
        return GroupMembership.objects.none().values_list("group_id", flat=True)
    return GroupMembership.objects.filter(member=member).values_list("group_id", flat=True)


def member_ids_of_group(group_id: int | None) -> QuerySet[GroupMembership, int]:
    """The ids of a group's members, as a lazy queryset (usable as a subquery)."""
    return GroupMembership.objects.filter(group_id=group_id).values_list("member_id", flat=True)


def visible_groups(viewer: Member | None) -> QuerySet[Group]:
    """Every group `viewer` may know exists: secret ones only for members and invitees."""
    groups = Group.objects.all()
    if is_overseer(viewer):
        return groups
    if viewer is None:
        return groups.exclude(privacy=Privacy.SECRET)
    invited = Invitation.objects.filter(member=viewer, status=Decision.PENDING).values("group_id")
    return groups.filter(
        ~Q(privacy=Privacy.SECRET) | Q(pk__in=group_ids_of(viewer)) | Q(pk__in=invited)
    )


def group_directory(viewer: Member | None) -> QuerySet[Group]:
    """Visible groups with their member counts, by name."""
    return visible_groups(viewer).annotate(member_count=Count("memberships")).order_by("name")


def visible_group(slug: str, viewer: Member | None) -> Group:
    """The group with `slug` if `viewer` may see it; raises Group.DoesNotExist otherwise
    (so a secret group looks exactly like one that does not exist)."""
    return visible_groups(viewer).annotate(member_count=Count("memberships")).get(slug=slug)


def membership_of(group: Group, member: Member | None) -> GroupMembership | None:
    if member is None:
        return None
    return GroupMembership.objects.filter(group=group, member=member).first()


def group_memberships(group: Group, *, limit: int = 100) -> list[GroupMembership]:
    """Admins first, then by join date, with each member loaded."""
    return list(
        GroupMembership.objects.filter(group=group)
        .select_related("member")
        .order_by("role", "joined_at", "id")[:limit]
    )


def pending_requests(group: Group) -> list[JoinRequest]:
    return list(
        JoinRequest.objects.filter(group=group, status=Decision.PENDING).select_related("member")
    )


def pending_request_of(group: Group, member: Member | None) -> JoinRequest | None:
    if member is None:
        return None
    return JoinRequest.objects.filter(group=group, member=member, status=Decision.PENDING).first()


def pending_invitation_of(group: Group, member: Member | None) -> Invitation | None:
    if member is None:
        return None
    return Invitation.objects.filter(group=group, member=member, status=Decision.PENDING).first()


def my_invitations(member: Member | None) -> list[Invitation]:
    if member is None:
        return []
    return list(
        Invitation.objects.filter(member=member, status=Decision.PENDING).select_related("group")
    )
