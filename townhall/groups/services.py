"""Group verbs: create, join, leave, request, approve, decline, invite.

Every verb takes the acting Member as `by`, checks that they may act, runs in a
transaction and records the member's action in the activity stream (source
`community`, channel `group:<slug>`). Refusals raise PermissionDenied (not allowed)
or ValidationError (allowed in general, but not in this state).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from townhall.core.models import Member
from townhall.core.services import record_activity
from townhall.groups.models import (
    Decision,
    Group,
    GroupMembership,
    GroupRole,
    Invitation,
    JoinRequest,
    Privacy,
)
from townhall.groups.permissions import (
    can_create_group,
    can_manage_group,
    can_see_group,
)


def _active(member: Member | None) -> Member:
    if member is None:
        raise PermissionDenied("Sign in first.")
    if member.merged_into_id is not None:
        raise PermissionDenied("This member was merged into another; act as that member.")
    return member


def _add_member(
    group: Group, member: Member, role: GroupRole = GroupRole.MEMBER
) -> GroupMembership:
    membership, created = GroupMembership.objects.get_or_create(
        group=group, member=member, defaults={"role": role}
    )
    if created:
        record_activity(
            member,
            "group_join",
            f"group_membership:{membership.pk}",
            occurred_at=membership.joined_at,
            channel=f"group:{group.slug}",
            title=group.name,
            url=f"/groups/{group.slug}/",
        )
    return membership


@transaction.atomic
def create_group(
    *, name: str, privacy: Privacy | str, by: Member, slug: str = "", description: str = ""
) -> Group:
    """Create a group with `by` as its first admin; community managers and admins only."""
    by = _active(by)
    if not can_create_group(by):
        raise PermissionDenied("Only community managers and admins create groups.")
    name = name.strip()
    if not name:
        raise ValidationError("A group needs a name.")
    privacy = Privacy(privacy)
    slug = slugify(slug or name)[:64]
    if not slug:
        raise ValidationError("Give the group a name with letters or digits in it.")
    if Group.objects.filter(slug=slug).exists():
        raise ValidationError(
            f"A group with the address {slug!r} already exists; pick another name."
        )
    group = Group.objects.create(
        name=name[:120],
        slug=slug,
        description=description.strip()[:2000],
        privacy=privacy,
        created_by=by,
    )
    _add_member(group, by, GroupRole.ADMIN)
    return group


@transaction.atomic
def join_group(group: Group, *, by: Member) -> GroupMembership:
    """Join a public group at once (or any group `by` holds a pending invitation to).

    A private group needs a join request; a secret one an invitation.
    """
    by = _active(by)
    if not can_see_group(group, by):
        raise PermissionDenied("This group is invitation only.")
    existing = GroupMembership.objects.filter(group=group, member=by).first()
    if existing:
        return existing
    invitation = Invitation.objects.filter(group=group, member=by, status=Decision.PENDING).first()
    if invitation is not None:
        return accept_invitation(invitation, by=by)
    if group.privacy == Privacy.PRIVATE:
        raise ValidationError("This group is private: ask to join and a group admin will decide.")
    if group.privacy == Privacy.SECRET:
        raise PermissionDenied("This group is invitation only.")
    return _add_member(group, by)


@transaction.atomic
def leave_group(group: Group, *, by: Member) -> None:
    """Leave a group; its last admin must hand over to someone else first."""
    by = _active(by)
    Group.objects.select_for_update().filter(pk=group.pk).first()  # one leaver at a time
    membership = GroupMembership.objects.filter(group=group, member=by).first()
    if membership is None:
        return
    if membership.role == GroupRole.ADMIN:
        others = GroupMembership.objects.filter(group=group, role=GroupRole.ADMIN).exclude(
            pk=membership.pk
        )
        if not others.exists() and GroupMembership.objects.filter(group=group).count() > 1:
            raise ValidationError(
                "You are this group's only admin: make another member an admin before you leave."
            )
    membership.delete()


@transaction.atomic
def request_to_join(group: Group, *, by: Member, message: str = "") -> JoinRequest:
    """Ask to join a private group; returns the pending request (the same one if asked twice)."""
    by = _active(by)
    if not can_see_group(group, by) or group.privacy == Privacy.SECRET:
        raise PermissionDenied("This group is invitation only.")
    if group.privacy == Privacy.PUBLIC:
        raise ValidationError("This group is public: join it directly.")
    if GroupMembership.objects.filter(group=group, member=by).exists():
        raise ValidationError("You are already a member of this group.")
    pending = JoinRequest.objects.filter(group=group, member=by, status=Decision.PENDING).first()
    if pending:
        return pending
    try:
        with transaction.atomic():
            return JoinRequest.objects.create(group=group, member=by, message=message.strip()[:500])
    except IntegrityError:  # a double click raced us
        return JoinRequest.objects.get(group=group, member=by, status=Decision.PENDING)


def _decide(join_request: JoinRequest, decision: Decision, by: Member) -> JoinRequest:
    by = _active(by)
    join_request = (
        JoinRequest.objects.select_for_update().select_related("group").get(pk=join_request.pk)
    )
    if not can_manage_group(join_request.group, by):
        raise PermissionDenied("Only this group's admins decide on requests to join.")
    if join_request.status != Decision.PENDING:
        raise ValidationError(f"This request was already {join_request.status}.")
    join_request.status = decision
    join_request.decided_at = timezone.now()
    join_request.decided_by = by
    join_request.save(update_fields=["status", "decided_at", "decided_by"])
    return join_request


@transaction.atomic
def approve_request(join_request: JoinRequest, *, by: Member) -> GroupMembership:
    """A group admin lets the requester in."""
    join_request = _decide(join_request, Decision.APPROVED, by)
    return _add_member(join_request.group, join_request.member)


@transaction.atomic
def decline_request(join_request: JoinRequest, *, by: Member) -> JoinRequest:
    """A group admin turns the request down; the requester may ask again later."""
    return _decide(join_request, Decision.DECLINED, by)


@transaction.atomic
def invite_to_group(group: Group, member: Member, *, by: Member) -> Invitation:
    """A group admin invites `member` (the way into a secret group); idempotent while pending."""
    by = _active(by)
    if not can_manage_group(group, by):
        raise PermissionDenied("Only this group's admins send invitations.")
    if member.merged_into_id is not None:
        raise ValidationError("That member was merged into another; invite that member instead.")
    if GroupMembership.objects.filter(group=group, member=member).exists():
        raise ValidationError(f"{member} is already a member of this group.")
    invitation, _ = Invitation.objects.get_or_create(
        group=group, member=member, status=Decision.PENDING, defaults={"invited_by": by}
    )
    return invitation


@transaction.atomic
def accept_invitation(invitation: Invitation, *, by: Member) -> GroupMembership:
    """The invited member accepts and joins."""
    by = _active(by)
    invitation = (
        Invitation.objects.select_for_update().select_related("group").get(pk=invitation.pk)
    )
    if invitation.member_id != by.pk:
        raise PermissionDenied("This invitation is for someone else.")
    if invitation.status != Decision.PENDING:
        raise ValidationError(f"This invitation was already {invitation.status}.")
    invitation.status = Decision.APPROVED
    invitation.decided_at = timezone.now()
    invitation.save(update_fields=["status", "decided_at"])
    return _add_member(invitation.group, by)


@transaction.atomic
def decline_invitation(invitation: Invitation, *, by: Member) -> Invitation:
    """The invited member says no; the group stays hidden from them."""
    by = _active(by)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.member_id != by.pk:
        raise PermissionDenied("This invitation is for someone else.")
    if invitation.status != Decision.PENDING:
        raise ValidationError(f"This invitation was already {invitation.status}.")
    invitation.status = Decision.DECLINED
    invitation.decided_at = timezone.now()
    invitation.save(update_fields=["status", "decided_at"])
    return invitation


@transaction.atomic
def set_group_role(
    group: Group, member: Member, role: GroupRole | str, *, by: Member
) -> GroupMembership:
    """Make a group member an admin (or back); group admins and community managers only."""
    by = _active(by)
    if not can_manage_group(group, by):
        raise PermissionDenied("Only this group's admins hand out the admin role.")
    role = GroupRole(role)
    membership = (
        GroupMembership.objects.select_for_update().filter(group=group, member=member).first()
    )
    if membership is None:
        raise ValidationError(f"{member} is not a member of this group.")
    if membership.role == GroupRole.ADMIN and role != GroupRole.ADMIN:
        others = GroupMembership.objects.filter(group=group, role=GroupRole.ADMIN).exclude(
            pk=membership.pk
        )
        if not others.exists():
            raise ValidationError("A group keeps at least one admin.")
    membership.role = role
    membership.save(update_fields=["role"])
    return membership
