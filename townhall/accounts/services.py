"""Account verbs: linking a login to a Member, roles, the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from townhall.accounts.models import AuditEvent
from townhall.accounts.permissions import is_superuser, member_for
from townhall.core.models import Member, Role
from townhall.core.services.record import ensure_native_member


@transaction.atomic
def attach_member(user: User, *, name: str = "") -> object:
    """Give a new login its Member (and community identity), creating them once."""
    return ensure_native_member(user, name=name)


@transaction.atomic
def set_role(
    member: Member, role: Role | str, *, by: AbstractBaseUser | AnonymousUser | Member
) -> Member:
    """Give `member` the role `role`; only an admin or a Django superuser may.

    `by` is the acting login (a view's `request.user`) or the acting Member. Raises
    PermissionDenied when `by` may not hand out roles, ValueError for an unknown role,
    and ValidationError for a merged member or when it would leave the community
    without an admin (a superuser may still do that: they can always appoint one).
    """
    role = Role(role)
    actor_is_superuser = not isinstance(by, Member) and is_superuser(by)
    actor = by if isinstance(by, Member) else member_for(by)
    if not actor_is_superuser and (
        actor is None or actor.merged_into_id is not None or not actor.has_role(Role.ADMIN)
    ):
        raise PermissionDenied("Only an admin can change a member's role.")

    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.merged_into_id is not None:
        raise ValidationError(
            f"{member} was merged into member {member.merged_into_id}; "
            "change the role of that member instead."
        )
    if member.role == role:
        return member
    if member.role == Role.ADMIN and not actor_is_superuser:
        # Locked rows keep two admins from demoting each other at the same moment.
        other_admins = list(
            Member.active.select_for_update()
            .filter(role=Role.ADMIN)
            .exclude(pk=member.pk)
            .values_list("pk", flat=True)[:1]
        )
        if not other_admins:
            raise ValidationError(f"{member} is the only admin; make someone else an admin first.")
    previous = member.role
    member.role = role
    member.save(update_fields=["role"])
    record_audit(
        actor,
        "set_role",
        "core.member",
        member.pk,
        data={"from": previous, "to": role.value, "by_superuser": actor_is_superuser},
    )
    return member


def record_audit(
    actor: Member | None,
    verb: str,
    target_type: str,
    target_id: int | str,
    *,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Write one entry in the audit log (moderation, bans, role changes…).

    Call it inside the action's own transaction, so the entry lands or rolls back with
    the action it describes. `data` holds plain JSON values (before/after, a title, a
    link for the log page under the key `url`).
    """
    return AuditEvent.objects.create(
        actor=actor,
        verb=verb[:32],
        target_type=target_type[:40],
        target_id=str(target_id)[:40],
        reason=(reason or "").strip()[:2000],
        data=data or {},
    )
