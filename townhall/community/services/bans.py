"""Banning members from the community space, for a time or for good, and lifting bans.

A banned member cannot post, reply, vote, like or flag (the posting verbs ask
`guards.require_not_banned`); they still read what their role lets them read. Bans are
audited, never recorded in the activity stream, and shown to moderators on the member's
profile.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from townhall.accounts.services import record_audit
from townhall.community.models_moderation import Ban, active_bans
from townhall.community.permissions import can_ban, is_moderator
from townhall.community.services._common import active_member
from townhall.core.models import Member


def _data(member: Member, **extra: object) -> dict[str, object]:
    return {"title": str(member)[:120], "url": f"/members/{member.pk}/", **extra}


@transaction.atomic
def ban_member(member: Member, *, reason: str, by: Member, until: datetime | None = None) -> Ban:
    """Ban `member` until `until` (None: permanently), with a reason they are shown.

    Moderators and above ban members of a lower role than theirs. A new ban replaces
    the ones in force (they are lifted), so the latest decision is the one that holds.
    """
    by = active_member(by)
    member = Member.objects.select_for_update().get(pk=member.pk)
    if not can_ban(by, member):
        if not is_moderator(by):
            raise PermissionDenied("Only moderators, community managers and admins ban members.")
        raise PermissionDenied("You can only ban members whose role is below yours.")
    if member.merged_into_id is not None:
        raise ValidationError(f"{member} was merged into another member; ban that member.")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Give a reason: the member is shown it, and the audit log keeps it.")
    now = timezone.now()
    if until is not None and until <= now:
        raise ValidationError(
            "A ban must end in the future; leave the end empty for a permanent ban."
        )
    active_bans(now).filter(member=member).update(lifted_at=now, lifted_by=by)
    ban = Ban.objects.create(
        member=member, reason=reason[:2000], created_by=by, created_at=now, expires_at=until
    )
    record_audit(
        by,
        "ban",
        "core.member",
        member.pk,
        reason=reason,
        data=_data(member, until=until.isoformat() if until else "permanent", ban=ban.pk),
    )
    return ban


@transaction.atomic
def unban_member(member: Member, *, by: Member, reason: str = "") -> int:
    """Lift every ban in force on `member` (moderators and above); returns how many."""
    by = active_member(by)
    if not is_moderator(by):
        raise PermissionDenied("Only moderators, community managers and admins lift bans.")
    now = timezone.now()
    lifted = active_bans(now).filter(member=member).update(lifted_at=now, lifted_by=by)
    if not lifted:
        raise ValidationError(f"{member} is not banned.")
    record_audit(by, "unban", "core.member", member.pk, reason=reason, data=_data(member))
    return lifted
