"""Signed-in members' topic pages from a shared skeleton.

Two members with the same rights on a topic see the same page but for a few parts: the
account menu and the bell, their like, vote, follow, "was this helpful" and "solved my
problem too" controls, the replies they wrote or liked, and their CSRF token. So the
first signed-in view of a topic version renders the whole page with those parts marked
(`townhall/web/personal.py`), keeps the *skeleton* in the cache, and every later view by
a member with the same rights fills in only their parts:

- the key holds the versions of the topic, its board and the board's parent (bumped by
  the verbs on every change, as for the signed-out page cache), and the rights the
  shared text depends on: role, employee, whether the viewer asked the topic, superuser
  and staff flags of the login;
- the replies are kept one by one as a member who neither wrote nor liked them sees
  them; the viewer's own and liked replies are rendered for them (from the reply
  fragment cache) and put in their place;
- never from the skeleton: moderators (flags and moderation controls on every post),
  a topic that is not published, a viewer with a held or removed reply on it (only they
  see it), htmx requests, requests with flash messages waiting, and any page when the
  page cache is off (`TOWNHALL_PAGE_CACHE_SECONDS=0`).

A view then costs the two state queries of `selectors.viewer_topic_state`, the bell's
count, and a few small template parts, however many replies the topic has.
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import SafeString, mark_safe

from townhall.community import fragments, selectors
from townhall.community.forms_moderation import FlagForm
from townhall.community.models import ModerationState, Reply, Topic
from townhall.community.permissions import can_accept_solution, can_moderate, is_team
from townhall.core.models import Member
from townhall.web import personal

KEY_PREFIX = "community:member-topic:v1:"
TEMPLATE = "community/topic.html"
HIT_HEADER = "X-Townhall-Cache"
_Kept = TypeVar("_Kept")
# Stands in for "a signed-in member who wrote none of the replies": truthy, no one's id.
_NOBODY = -1


@dataclass
class Entry:
    """What the cache keeps per topic version and rights: the page's skeleton, each
    reply as most members see it (in order), and the topic as the page read it."""

    skeleton: personal.Skeleton
    replies: list[tuple[int, str]]
    topic: Topic
    # The first moment a reply's "3 hours ago" may read differently (then: render again).
    fresh_until: datetime | None


def usable(request: HttpRequest, viewer: Member) -> bool:
    """True when this signed-in request may be served from (and fill) a skeleton."""
    if settings.COMMUNITY_PAGE_CACHE_SECONDS <= 0 or request.method not in {"GET", "HEAD"}:
        return False
    if request.headers.get("HX-Request") or can_moderate(viewer):
        return False
    return len(get_messages(request)) == 0


def key_for(
    topic_id: int, state: selectors.ViewerTopicState, viewer: Member, user: Any
) -> str | None:
    """The skeleton's cache key for this viewer, or None when their page is their own."""
    if state.moderation != ModerationState.VISIBLE or state.own_unpublished:
        return None
    return skeleton_key(
        KEY_PREFIX, (topic_id, *state.versions, state.author_id == viewer.pk), viewer, user
    )


def skeleton_key(prefix: str, page: tuple[Any, ...], viewer: Member, user: Any) -> str:
    """A skeleton's cache key: what the page depends on plus the rights every skeleton's
    shared text depends on (site name and colour, role, employee, login flags)."""
    parts = (
        settings.SITE_NAME,
        settings.BRAND_COLOR,
        *page,
        viewer.role,
        viewer.is_employee,
        bool(getattr(user, "is_superuser", False)),
        bool(getattr(user, "is_staff", False)),
    )
    text = "|".join(str(part) for part in parts)
    return prefix + hashlib.sha256(text.encode()).hexdigest()


def load(key: str) -> Entry | None:
    """The kept topic skeleton, unless there is none or a relative time in it has aged."""
    return load_fresh(key, Entry)


def load_fresh(key: str, kind: type[_Kept]) -> _Kept | None:
    """The cached `kind` under `key` unless missing or past its `fresh_until`."""
    entry = cache.get(key)
    if not isinstance(entry, kind):
        return None
    fresh_until = getattr(entry, "fresh_until", None)
    if fresh_until is not None and timezone.now() >= fresh_until:
        return None
    return entry


def respond(request: HttpRequest, html: str, outcome: str) -> HttpResponse:
    """A page made from a skeleton, with the visitor's CSRF token, marked `outcome`."""
    response = HttpResponse(fragments.with_token(request, html))
    response[HIT_HEADER] = outcome
    patch_vary_headers(response, ["Cookie"])
    return response


def render_and_keep(
    request: HttpRequest, key: str, context: dict[str, Any], replies: list[Reply]
) -> HttpResponse:
    """Render the page for this viewer with its personal parts marked, keep the
    skeleton under `key`, and answer with the page."""
    context = {
        **context,
        personal.CAPTURE: True,
        "csrf_token": fragments.CSRF_PLACEHOLDER,
        "replies_html": _joined(fragments.reply_chunks(request, replies, context)),
    }
    now = timezone.now()
    html = render_to_string(TEMPLATE, context, request)
    skeleton, parts = personal.split(html)
    # Each reply as a member who neither wrote nor liked it sees it.
    generic = [copy.copy(reply) for reply in replies]
    for reply in generic:
        reply.liked = False  # type: ignore[attr-defined]
        reply.can_like = True  # type: ignore[attr-defined]
    chunks = fragments.reply_chunks(request, generic, {**context, "viewer_id": _NOBODY})
    entry = Entry(
        skeleton=skeleton,
        replies=[(reply.pk, chunk) for reply, chunk in zip(replies, chunks, strict=True)],
        topic=context["topic"],
        fresh_until=min(
            (fragments.next_change(reply.created_at, now) for reply in replies), default=None
        ),
    )
    cache.set(key, entry, settings.COMMUNITY_PAGE_CACHE_SECONDS)
    return respond(request, personal.join(skeleton, parts), "member-miss")


def serve(
    request: HttpRequest, entry: Entry, state: selectors.ViewerTopicState, viewer: Member
) -> HttpResponse:
    """The page for `viewer` from a kept skeleton: only their parts are rendered."""
    topic = entry.topic
    # The entry is this request's own copy (the cache hands out copies): the live
    # follow state and view count go on it.
    topic.followed = state.followed  # type: ignore[attr-defined]
    topic.view_count = state.view_count
    team = is_team(viewer)
    context: dict[str, Any] = {
        "nav": "community",
        "section": "boards",
        "is_team": team,
        "can_moderate": False,
        "is_moderator": False,
        "topic": topic,
        "viewer_id": viewer.pk,
        "data": SimpleNamespace(
            voted=state.voted, liked_topic=state.liked_topic, feedback=state.feedback
        ),
        "topic_likeable": topic.author_id != viewer.pk,
        "can_solved_too": viewer.pk != topic.author_id,
        "solved_too": viewer.pk != topic.author_id and state.solved_too,
        "can_accept": can_accept_solution(topic, viewer),
        # The reply form (and so each post's Quote button) is in the shared text: every
        # member of a skeleton's kind has it unless the topic is locked (a new version).
        "can_reply": not topic.is_locked,
        "flag_form": FlagForm(),
        "csrf_token": fragments.CSRF_PLACEHOLDER,
    }
    context["replies_html"] = _joined(_replies(request, entry, state, viewer, context))
    return respond(request, personal.fill(request, entry.skeleton, context), "member-hit")


def _joined(chunks: list[str]) -> SafeString:
    # Each chunk came out of the template engine, escaped there.
    return mark_safe("".join(chunks))  # noqa: S308


def _replies(
    request: HttpRequest,
    entry: Entry,
    state: selectors.ViewerTopicState,
    viewer: Member,
    context: dict[str, Any],
) -> list[str]:
    """The kept replies, with the viewer's own and liked ones rendered for them."""
    chunks = dict(entry.replies)
    theirs = (state.own_reply_ids | state.liked_reply_ids) & chunks.keys()
    if theirs:
        replies = [
            selectors.decorate_reply(reply, viewer, liked=reply.pk in state.liked_reply_ids)
            for reply in selectors.replies_by_id(entry.topic, theirs, viewer)
        ]
        chunks.update(
            zip(
                (reply.pk for reply in replies),
                fragments.reply_chunks(request, replies, context),
                strict=True,
            )
        )
    return [chunks[reply_id] for reply_id, _ in entry.replies]
