"""Consumption signals: topic views (one per viewer and day, bots left out) and
"This solved my problem too" on solved questions."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from townhall.community.models import SolvedToo, Topic, TopicKind, TopicView
from townhall.community.services._common import active_member, record, require_visible
from townhall.core.models import Member

# User agents of crawlers, link previewers, monitors and scripts (matched anywhere, any case).
BOT_AGENTS = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|archiver|bingpreview|facebookexternalhit|embedly|"
    r"preview|headless|lighthouse|pingdom|uptime|monitor|curl/|wget/|python-requests|"
    r"python-urllib|httpx|aiohttp|go-http-client|java/|okhttp|libwww|scrapy|feedfetcher",
    re.IGNORECASE,
)
VIEW_BATCH = 2000


def is_bot_agent(user_agent: str) -> bool:
    """True for a missing user agent or one of a known crawler, previewer or script."""
    return not user_agent.strip() or bool(BOT_AGENTS.search(user_agent))


def viewer_key(
    *, member: Member | None, session_key: str = "", ip: str = "", user_agent: str = ""
) -> str:
    """Who is reading, for counting unique viewers: the member's id, or else a keyed hash
    of the visitor's session key (or of their address and user agent); never the address."""
    if member is not None:
        return f"m:{member.pk}"
    raw = f"s:{session_key}" if session_key else f"i:{ip}|{user_agent[:300]}"
    digest = hmac.new(settings.SECRET_KEY.encode(), raw.encode(), hashlib.sha256).hexdigest()
    return f"a:{digest[:32]}"


def record_topic_view(
    topic: Topic,
    *,
    key: str,
    member: Member | None = None,
    user_agent: str = "",
    now: datetime | None = None,
) -> bool:
    """Count one view of `topic` by the viewer `key` today (UTC); again the same day is a
    no-op. Bots (by user agent or member flag) and the topic's author are not counted.

    One INSERT that ignores a duplicate (skipped when the cache remembers this viewer's
    view of the topic today); a trigger adds one to `view_count`. The caller
    has already read the topic through `topic_for`, which checked the viewer may see it.
    Signed-in members' views reach the activity stream later, in a batch
    (`record_view_activities`), so the page does no more than this one statement.
    Returns False when the view was left out.
    """
    if is_bot_agent(user_agent) or (member is not None and member.is_bot):
        return False
    if member is not None and member.pk == topic.author_id:
        return False
    now = now or timezone.now()
    day = now.astimezone(UTC).date()
    # A repeat the same day changes nothing; remembering the first in the cache saves
    # the repeat's statement (the database still ignores a repeat that gets past it).
    seen = f"community:viewed:{topic.pk}:{day.isoformat()}:{key}"
    if cache.get(seen):
        return True
    TopicView.objects.bulk_create(
        [
            TopicView(
                topic_id=topic.pk,
                day=day,
                viewer_key=key,
                member=member,
                created_at=now,
            )
        ],
        ignore_conflicts=True,
    )
    cache.set(seen, True, 86_400)
    return True


def record_view_activities(*, limit: int = VIEW_BATCH) -> int:
    """Turn members' topic views not yet in the activity stream into `viewed` activities
    (`view:<topic>:<member>:<day>`, target: the topic's author); safe to run twice.
    Returns how many it recorded."""
    views = list(
        TopicView.objects.filter(member__isnull=False, activity_recorded=False)
        .select_related("member", "topic", "topic__board", "topic__board__parent", "topic__author")
        .order_by("id")[:limit]
    )
    for view in views:
        topic = view.topic
        with transaction.atomic():
            record(
                view.member,  # type: ignore[arg-type]
                "viewed",
                f"view:{topic.pk}:{view.member_id}:{view.day.isoformat()}",
                topic,
                target=topic.author,
                occurred_at=view.created_at,
            )
            TopicView.objects.filter(pk=view.pk).update(activity_recorded=True)
    return len(views)


def _solved_question(topic: Topic, *, lock: bool = False) -> Topic:
    rows = Topic.objects.select_for_update(of=("self",)) if lock else Topic.objects
    topic = rows.select_related(
        "board", "board__parent", "author", "solution", "solution__author"
    ).get(pk=topic.pk)
    if topic.kind != TopicKind.QUESTION or topic.solution is None:
        raise ValidationError("Only a solved question can have solved your problem too.")
    return topic


@transaction.atomic
def mark_solved_too(topic: Topic, *, by: Member) -> int:
    """Say a solved question's solution solved your problem too (once; again is a no-op).

    Not for the asker. Records a `solved-too` activity (`solved-too:<topic>:<member>`,
    target: the solution's author). Returns the question's count.
    """
    by = active_member(by)
    require_visible(topic, by)
    topic = _solved_question(topic, lock=True)
    if topic.author_id == by.pk:
        raise PermissionDenied("You asked this question; accept a solution instead.")
    try:
        with transaction.atomic():
            SolvedToo.objects.create(member=by, topic=topic)
    except IntegrityError:
        return topic.solved_too_count
    Topic.objects.filter(pk=topic.pk).update(solved_too_count=F("solved_too_count") + 1)
    assert topic.solution is not None
    record(
        by,
        "solved-too",
        f"solved-too:{topic.pk}:{by.pk}",
        topic,
        target=topic.solution.author,
        properties={"reply": topic.solution_id},
    )
    return topic.solved_too_count + 1


@transaction.atomic
def unmark_solved_too(topic: Topic, *, by: Member) -> int:
    """Take back "This solved my problem too"; the earlier activity stays (it happened)."""
    by = active_member(by)
    require_visible(topic, by)
    topic = Topic.objects.select_for_update(of=("self",)).get(pk=topic.pk)
    deleted, _ = SolvedToo.objects.filter(member=by, topic=topic).delete()
    if deleted:
        Topic.objects.filter(pk=topic.pk).update(solved_too_count=F("solved_too_count") - 1)
        return topic.solved_too_count - 1
    return topic.solved_too_count


def has_solved_too(topic: Topic, member: Member | None) -> bool:
    return member is not None and SolvedToo.objects.filter(member=member, topic=topic).exists()
