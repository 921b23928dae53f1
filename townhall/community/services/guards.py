"""Checks the posting verbs run before anything is written: bans, the limits for new
members, and the spam score. Employees and moderators are never limited or scored.

Limits and the spam check apply to live posts only: a post given an explicit
`occurred_at` (the demo, imports of past conversations) is not being typed by someone
right now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils import timezone

from townhall.community.models import ModerationState, Reply, Topic
from townhall.community.models_moderation import Ban, active_bans
from townhall.community.permissions import is_team
from townhall.community.spam import SpamVerdict, count_links, score_post
from townhall.core.models import Member


def when(moment: datetime, now: datetime) -> str:
    """ "at 14:05 UTC (in 3 min)" — a time people can act on."""
    seconds = max(int((moment - now).total_seconds()), 1)
    if seconds < 120:
        wait = f"{seconds} s"
    elif seconds < 2 * 3600:
        wait = f"{seconds // 60} min"
    else:
        wait = f"{seconds // 3600} h"
    local = timezone.localtime(moment)
    return f"at {local:%H:%M} {local.tzname()} on {local:%d %b} (in {wait})"


def active_ban_for(member: Member, now: datetime | None = None) -> Ban | None:
    """The ban in force on `member`, the one ending last (permanent first)."""
    bans = list(active_bans(now).filter(member=member))
    if not bans:
        return None
    return max(bans, key=lambda b: (b.expires_at is None, b.expires_at or b.created_at))


def require_not_banned(by: Member) -> None:
    """Banned members cannot post, reply, vote, like or flag."""
    ban = active_ban_for(by)
    if ban is None:
        return
    now = timezone.now()
    until = "permanently" if ban.expires_at is None else f"until {when(ban.expires_at, now)}"
    raise PermissionDenied(
        f"You are banned from taking part {until}. Reason: {ban.reason}. "
        "Write to the community team if you think this is a mistake."
    )


@dataclass(frozen=True)
class Limits:
    hours: int
    max_topics: int
    max_replies: int
    max_links: int
    interval: int
    hold_score: int


def limits() -> Limits:
    """The limits in force (from settings, read at call time so tests can change them)."""
    return Limits(
        hours=settings.COMMUNITY_NEW_MEMBER_HOURS,
        max_topics=settings.COMMUNITY_NEW_MEMBER_MAX_TOPICS,
        max_replies=settings.COMMUNITY_NEW_MEMBER_MAX_REPLIES,
        max_links=settings.COMMUNITY_NEW_MEMBER_MAX_LINKS,
        interval=settings.COMMUNITY_NEW_MEMBER_POST_INTERVAL,
        hold_score=settings.COMMUNITY_SPAM_HOLD_SCORE,
    )


def is_new_member(member: Member, now: datetime, hours: int) -> bool:
    return hours > 0 and member.created_at > now - timedelta(hours=hours)


def check_posting_limits(by: Member, *, what: str, text: str, now: datetime) -> None:
    """Refuse a new member's post over the first-day limits, saying when they can post.

    `what` is "topic" or "reply". Counts every post they made (held ones too).
    """
    rules = limits()
    if is_team(by) or not is_new_member(by, now, rules.hours):
        return
    day_ends = by.created_at + timedelta(hours=rules.hours)
    links = count_links(text)
    if links > rules.max_links:
        raise ValidationError(
            f"New members can put at most {rules.max_links} link"
            f"{'s' if rules.max_links != 1 else ''} in a post; this one has {links}. "
            f"Remove some, or post them {when(day_ends, now)}."
        )
    # Everything they posted in the last `hours`: since they joined, whatever the clock says.
    since = Q(created_at__gte=now - timedelta(hours=rules.hours))
    if what == "topic":
        made = Topic.objects.filter(since, author=by).count()
        if made >= rules.max_topics:
            raise ValidationError(
                f"New members can start {rules.max_topics} topics on their first day; "
                f"you can start another {when(day_ends, now)}."
            )
    else:
        made = Reply.objects.filter(since, author=by).count()
        if made >= rules.max_replies:
            raise ValidationError(
                f"New members can post {rules.max_replies} replies on their first day; "
                f"you can reply again {when(day_ends, now)}."
            )
    if rules.interval > 0:
        last_topic = Topic.objects.filter(author=by).order_by("-created_at").first()
        last_reply = Reply.objects.filter(author=by).order_by("-created_at").first()
        times = [p.created_at for p in (last_topic, last_reply) if p is not None]
        if times and max(times) > now - timedelta(seconds=rules.interval):
            ready = max(times) + timedelta(seconds=rules.interval)
            raise ValidationError(
                f"New members wait {rules.interval} seconds between posts; "
                f"you can post again {when(ready, now)}."
            )


def assess_spam(by: Member, text: str, now: datetime) -> SpamVerdict | None:
    """The spam verdict for a live post by `by`; None for the team (never held)."""
    rules = limits()
    if rules.hold_score <= 0 or is_team(by):
        return None
    day = now - timedelta(days=1)
    recent = [
        f"{title}\n\n{body}".strip()
        for title, body in Topic.objects.filter(author=by, created_at__gte=day).values_list(
            "title", "body"
        )[:20]
    ]
    recent += list(
        Reply.objects.filter(author=by, created_at__gte=day).values_list("body", flat=True)[:20]
    )
    # Repeats are compared body to body as well, so a reposted reply text is caught too.
    recent += list(
        Topic.objects.filter(author=by, created_at__gte=day).values_list("body", flat=True)[:20]
    )
    published = Q(moderation=ModerationState.VISIBLE)
    first = (
        not Topic.objects.filter(published, author=by).exists()
        and not Reply.objects.filter(published, author=by).exists()
    )
    return score_post(
        text,
        is_new_account=is_new_member(by, now, rules.hours),
        is_first_post=first,
        recent_texts=recent,
    )
