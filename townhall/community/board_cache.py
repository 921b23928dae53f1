"""Signed-in members' board pages from a shared skeleton (as topic_cache.py for topics).

A board page lists the same 25 topics to every member who can read the same boards:
only the account menu, the bell and the follow buttons are theirs. The skeleton is
kept per board version (its own and its parent's: the verbs bump them when a listed
topic changes), filters and page, and per what decides the list and the page's shared
text: the viewer's role, employee flag, login flags, and which sub-boards they can
read. Never from a skeleton: moderators, a viewer with a held or removed topic on the
board (only they see it listed), htmx requests, requests with flash messages waiting.
A skeleton is used until a topic row's "… ago" would read differently.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from townhall.community import fragments, topic_cache
from townhall.community.models import Board, ModerationState, Topic
from townhall.core.models import Member
from townhall.web import personal

KEY_PREFIX = "community:member-board:v1:"
TEMPLATE = "community/board.html"


@dataclass
class Entry:
    skeleton: personal.Skeleton
    fresh_until: datetime | None
    # The board's tags (does the tag filtered on belong here: then its follow button shows).
    tag_slugs: list[str]


def key_for(
    board: Board,
    parts: tuple[Any, ...],
    viewer: Member,
    user: Any,
    children: list[Board],
) -> str | None:
    """The skeleton's key for this viewer, or None when their list is their own (a topic
    of theirs on the board or a sub-board is held or removed)."""
    boards = [board.pk, *(child.pk for child in children)]
    if (
        Topic.objects.filter(board__in=boards, author=viewer)
        .exclude(moderation=ModerationState.VISIBLE)
        .exists()
    ):
        return None
    return topic_cache.skeleton_key(
        KEY_PREFIX, (*parts, tuple(sorted(child.pk for child in children))), viewer, user
    )


def load(key: str) -> Entry | None:
    """The kept board skeleton, unless there is none or a relative time in it has aged."""
    return topic_cache.load_fresh(key, Entry)


def render_and_keep(request: HttpRequest, key: str, context: dict[str, Any]) -> HttpResponse:
    """Render the page for this viewer with its personal parts marked, keep the skeleton."""
    now = timezone.now()
    context = {**context, personal.CAPTURE: True, "csrf_token": fragments.CSRF_PLACEHOLDER}
    html = render_to_string(TEMPLATE, context, request)
    skeleton, parts = personal.split(html)
    rows = context["page"].object_list
    fresh_until = min(
        (fragments.next_change(topic.last_activity_at, now) for topic in rows), default=None
    )
    entry = Entry(skeleton, fresh_until, list(context["tag_slugs"]))
    cache.set(key, entry, settings.COMMUNITY_PAGE_CACHE_SECONDS)
    return topic_cache.respond(request, personal.join(skeleton, parts), "member-miss")


def serve(request: HttpRequest, entry: Entry, context: dict[str, Any]) -> HttpResponse:
    """The page for this viewer from a kept skeleton: only their parts are rendered."""
    context = {**context, "csrf_token": fragments.CSRF_PLACEHOLDER}
    return topic_cache.respond(
        request, personal.fill(request, entry.skeleton, context), "member-hit"
    )
