"""Creating boards (community managers); the back office edits them afterwards."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import slugify

from townhall.community.models import ALL_KINDS, Board, Visibility
from townhall.community.pagecache import content_changed
from townhall.community.services._common import active_member
from townhall.core.models import Member, Role
from townhall.groups.models import Group


@transaction.atomic
def create_board(
    *,
    name: str,
    by: Member,
    slug: str = "",
    description: str = "",
    parent: Board | None = None,
    visibility: Visibility | str = Visibility.PUBLIC,
    group: Group | None = None,
    kinds: Sequence[str] = tuple(ALL_KINDS),
    first_response_hours: int | None = 24,
    position: int = 0,
) -> Board:
    """Create a board (community managers and admins); validated like the back office does."""
    by = active_member(by)
    if not by.has_role(Role.COMMUNITY_MANAGER):
        raise PermissionDenied("Only community managers and admins create boards.")
    board = Board(
        name=name.strip()[:120],
        slug=slugify(slug or name)[:64],
        description=description,
        parent=parent,
        visibility=Visibility(visibility),
        group=group,
        allowed_kinds=list(kinds),
        first_response_hours=first_response_hours,
        position=position,
    )
    if Board.objects.filter(slug=board.slug).exists():
        raise ValidationError(f"A board with the address {board.slug!r} already exists.")
    board.full_clean()
    board.save()
    content_changed(boards=[board])  # the parent's page lists its sub-boards
    return board
