"""What the community views share: the acting member, refusals as messages, lookups."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest

from townhall.accounts.permissions import member_for
from townhall.accounts.services import attach_member
from townhall.community import selectors
from townhall.community.models import Board, Reply, Topic
from townhall.core.models import Member

T = TypeVar("T")


def acting_member(request: HttpRequest) -> Member:
    """The signed-in person's Member, created for a login that has none yet."""
    member = member_for(request.user)
    if member is None:
        member = attach_member(request.user)  # type: ignore[arg-type]
    assert isinstance(member, Member)
    return member


def attempt(request: HttpRequest, action: Callable[[], T], success: str = "") -> T | None:
    """Run a verb; a refusal becomes an error message on the next page, not a crash."""
    try:
        result = action()
    except (PermissionDenied, ValidationError) as error:
        text = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        messages.error(request, text or "You cannot do that here.")
        return None
    if success:
        messages.success(request, success)
    return result


def board_or_404(slug: str, viewer: Member | None) -> Board:
    try:
        return selectors.board_for(slug, viewer)
    except Board.DoesNotExist:
        raise Http404("No such board.") from None


def topic_or_404(topic_id: int, viewer: Member | None) -> Topic:
    try:
        return selectors.topic_for(topic_id, viewer)
    except Topic.DoesNotExist:
        raise Http404("No such topic.") from None


def reply_or_404(reply_id: int, viewer: Member | None) -> Reply:
    try:
        return selectors.reply_for(reply_id, viewer)
    except Reply.DoesNotExist:
        raise Http404("No such reply.") from None


def is_htmx(request: HttpRequest) -> bool:
    htmx: Any = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request
