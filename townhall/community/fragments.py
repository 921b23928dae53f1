"""Cached reply fragments: a topic's replies rendered once, then served from the cache.

Rendering a reply (`community/_reply.html`: avatar, badges, the body, the like, accept,
flag and moderation controls) costs about a third of a millisecond in Django's template
engine, so a topic with 200 replies spent most of a signed-in page view there. Each
reply's HTML is cached under a key made of *everything the template reads*:

- the reply's own state (body, edit time, moderation, likes, status note), its author as
  shown (name, picture, employee, role, bot, MVP), and where the topic stands towards it
  (solution, official response, asked by the same person);
- the age bucket its "3 hours ago" falls in (seconds under a minute, minutes under an
  hour, hours under a week, days after), so the relative time is never stale;
- what the viewer may do with it (signed in, liked it, may like, may accept a solution,
  may reply — the Quote button —, team, its author, moderator, open flags — and the
  page address moderators return to).

So a change to any of them is a new key: nothing needs invalidating, and two members
with the same rights share fragments. The CSRF token is the one per-visitor value: the
fragments hold a placeholder, replaced with the visitor's token on the way out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import get_template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

TEMPLATE = "community/_reply.html"
TIMEOUT = 3600
# Rendered where {% csrf_token %} puts the token; swapped for the visitor's own.
CSRF_PLACEHOLDER = "csrf-placeholder-3d9f1c"


# naturaltime's finest unit by age: seconds under a minute, minutes under an hour,
# hours under a week ("3 days, 4 hours ago"), days after ("4 weeks, 1 day ago"; months
# and years change at whole days from the moment too).
_UNITS = ((60, 1), (3600, 60), (7 * 86400, 3600))
_DAY = 86400


def _unit(seconds: int) -> int:
    return next((unit for limit, unit in _UNITS if seconds < limit), _DAY)


def age_bucket(created: datetime, now: datetime) -> int:
    """A number that changes exactly when `naturaltime` of `created` may change."""
    seconds = int((now - created).total_seconds())
    unit = _unit(seconds)
    return unit * 10**9 + seconds // unit


def next_change(created: datetime, now: datetime) -> datetime:
    """The moment `age_bucket(created, ·)` next changes after `now`."""
    seconds = int((now - created).total_seconds())
    unit = _unit(seconds)
    return created + timedelta(seconds=(seconds // unit + 1) * unit)


def _signature(reply: Any, context: dict[str, Any], now: datetime, path: str) -> tuple[Any, ...]:
    author = reply.author
    topic = context["topic"]
    viewer_id = context.get("viewer_id")
    can_moderate = bool(context.get("can_moderate"))
    return (
        reply.pk,
        reply.body_html,
        reply.edited_at,
        reply.moderation,
        reply.like_count,
        reply.is_official_comment,
        reply.status_change,
        reply.created_at,
        age_bucket(reply.created_at, now),
        author.pk,
        str(author),
        author.avatar_url,
        author.is_employee,
        author.role,
        author.is_bot,
        bool(getattr(reply, "author_mvp", False)),
        topic.pk,
        topic.solution_id == reply.pk,
        topic.official_reply_id == reply.pk,
        topic.author_id == reply.author_id,
        bool(viewer_id),
        bool(getattr(reply, "liked", False)),
        bool(getattr(reply, "can_like", False)),
        bool(context.get("can_accept")),
        bool(context.get("can_reply")),
        bool(context.get("is_team")),
        viewer_id is not None and reply.author_id == viewer_id,
        bool(context.get("is_moderator")),
        context.get("flag_form") is not None,
        can_moderate,
        getattr(reply, "open_flags", 0),
        path if can_moderate else "",
    )


def _key(signature: tuple[Any, ...]) -> str:
    digest = hashlib.blake2b(repr(signature).encode(), digest_size=16).hexdigest()
    return f"community:reply:{signature[0]}:{digest}"


def reply_chunks(
    request: HttpRequest, replies: Iterable[Any], context: dict[str, Any]
) -> list[str]:
    """Each reply's HTML, from the cache where it is there, rendered (and cached) where
    not; the CSRF token still the placeholder (`with_token` puts the visitor's in).

    `context` is the topic page's context (topic, viewer_id, can_accept, is_team,
    is_moderator, flag_form, can_moderate); the site-wide values the template reads come
    from the request's context processors only once, for the misses.
    """
    replies = list(replies)
    if not replies:
        return []
    now = timezone.now()
    path = request.get_full_path()
    keys = [_key(_signature(reply, context, now, path)) for reply in replies]
    found = cache.get_many(keys)
    missing = {key: reply for key, reply in zip(keys, replies, strict=True) if key not in found}
    if missing:
        template = get_template(TEMPLATE)
        from django.conf import settings

        shared = {
            **context,
            "request": request,
            "csrf_token": CSRF_PLACEHOLDER,
            "SITE_NAME": getattr(settings, "SITE_NAME", "Townhall"),
        }
        rendered = {
            key: template.render({**shared, "reply": reply}) for key, reply in missing.items()
        }
        cache.set_many(rendered, TIMEOUT)
        found.update(rendered)
    return [found[key] for key in keys]


def with_token(request: HttpRequest, html: str) -> SafeString:
    """`html` (rendered by the template engine) with the visitor's CSRF token in place
    of the placeholder."""
    if CSRF_PLACEHOLDER in html:
        # Only pages with forms ask for the token: a signed-out visitor's page sets no
        # CSRF cookie, so it stays cacheable as before.
        html = html.replace(CSRF_PLACEHOLDER, get_token(request))
    # The HTML came through the template engine (escaped there); the token is ours.
    return mark_safe(html)  # noqa: S308


def render_replies(
    request: HttpRequest, replies: Iterable[Any], context: dict[str, Any]
) -> SafeString:
    """The replies' HTML for this visitor (see `reply_chunks`)."""
    return with_token(request, "".join(reply_chunks(request, replies, context)))
