"""Adds "Boards of this group" to group pages (the groups app cannot import this one)."""

from __future__ import annotations

from townhall.core.models import Member
from townhall.groups.extensions import GroupSection, SectionLink, register_group_section


def boards_section(group_id: int, viewer: Member | None) -> GroupSection:
    from townhall.community.selectors import visible_boards

    boards = visible_boards(viewer).filter(group_id=group_id).order_by("position", "name")
    return GroupSection(
        title="Boards",
        links=tuple(
            SectionLink(b.name, f"/community/b/{b.slug}/", b.description[:120]) for b in boards
        ),
        empty_text="Only members see this group's boards, or it has none yet.",
    )


def register() -> None:
    register_group_section(boards_section)
