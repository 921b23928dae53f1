"""Sections other apps add to a member's profile page, without the page's app importing
them (the community app adds its moderation status for moderators).

Providers are registered at start-up (an AppConfig.ready); values crossing the boundary
are frozen dataclasses of plain text and links.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from townhall.core.models import Member


@dataclass(frozen=True)
class ProfileSection:
    title: str
    lines: tuple[str, ...] = field(default_factory=tuple)
    links: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (label, url)
    warning: bool = False


ProfileProvider = Callable[[Member, "Member | None"], ProfileSection | None]
_providers: list[ProfileProvider] = []


def register_profile_section(provider: ProfileProvider) -> None:
    """Add a provider `(member, viewer) -> ProfileSection | None` (idempotent)."""
    if provider not in _providers:
        _providers.append(provider)


def profile_sections(member: Member, viewer: Member | None) -> list[ProfileSection]:
    return [s for s in (p(member, viewer) for p in _providers) if s is not None]
