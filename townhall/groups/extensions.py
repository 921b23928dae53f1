"""Sections other apps add to a group page, without the groups app importing them.

The community app registers "Boards of this group" here at start-up; the group page
shows whatever the registered providers return. Values crossing the boundary are
frozen dataclasses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from townhall.core.models import Member


@dataclass(frozen=True)
class SectionLink:
    label: str
    url: str
    description: str = ""


@dataclass(frozen=True)
class GroupSection:
    title: str
    links: tuple[SectionLink, ...] = field(default_factory=tuple)
    empty_text: str = ""


SectionProvider = Callable[[int, "Member | None"], GroupSection | None]
_providers: list[SectionProvider] = []


def register_group_section(provider: SectionProvider) -> None:
    """Add a provider `(group_id, viewer) -> GroupSection | None` (idempotent)."""
    if provider not in _providers:
        _providers.append(provider)


def group_sections(group_id: int, viewer: Member | None) -> list[GroupSection]:
    return [s for s in (p(group_id, viewer) for p in _providers) if s is not None]
