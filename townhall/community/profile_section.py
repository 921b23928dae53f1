"""Adds the member's ban status to their profile page, for moderators only."""

from __future__ import annotations

from django.utils import timezone

from townhall.core.extensions import ProfileSection, register_profile_section
from townhall.core.models import Member


def moderation_section(member: Member, viewer: Member | None) -> ProfileSection | None:
    from townhall.community.permissions import can_moderate
    from townhall.community.services.guards import active_ban_for

    if not can_moderate(viewer):
        return None
    ban = active_ban_for(member)
    links = (("Ban, lift a ban, see the history", f"/community/members/{member.pk}/ban/"),)
    if ban is None:
        return ProfileSection(title="Community moderation", lines=("Not banned.",), links=links)
    until = (
        "permanently"
        if ban.expires_at is None
        else f"until {timezone.localtime(ban.expires_at):%d %b %Y, %H:%M}"
    )
    return ProfileSection(
        title="Community moderation",
        lines=(f"Banned {until}.", f"Reason: {ban.reason}"),
        links=links,
        warning=True,
    )


def register() -> None:
    register_profile_section(moderation_section)
