"""Who may see and run a group. Services ask these before they change anything."""

from __future__ import annotations

from townhall.core.models import Member, Role
from townhall.groups.models import Group, GroupMembership, GroupRole, Privacy

# Moderators and above see every group (they look after all content); community
# managers and above also run every group as if they were its admin.
OVERSEER_ROLE = Role.MODERATOR
MANAGER_ROLE = Role.COMMUNITY_MANAGER


def is_overseer(member: Member | None) -> bool:
    return member is not None and member.has_role(OVERSEER_ROLE)


def can_create_group(member: Member | None) -> bool:
    """Community managers and admins create groups."""
    return member is not None and member.has_role(MANAGER_ROLE)


def is_group_member(group: Group, member: Member | None) -> bool:
    if member is None:
        return False
    return GroupMembership.objects.filter(group=group, member=member).exists()


def is_group_admin(group: Group, member: Member | None) -> bool:
    if member is None:
        return False
    return GroupMembership.objects.filter(group=group, member=member, role=GroupRole.ADMIN).exists()


def can_manage_group(group: Group, member: Member | None) -> bool:
    """Group admins, and community managers for every group: approve, decline, invite."""
    if member is None:
        return False
    return member.has_role(MANAGER_ROLE) or is_group_admin(group, member)


def can_see_group(group: Group, member: Member | None) -> bool:
    """Public and private groups are listed for everyone; a secret one only for its
    members, the people invited to it, and overseers."""
    if group.privacy != Privacy.SECRET or is_overseer(member):
        return True
    if member is None:
        return False
    return (
        is_group_member(group, member)
        or group.invitations.filter(member=member, status="pending").exists()
    )
