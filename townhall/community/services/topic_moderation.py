"""Moderating topics as a whole: lock (no new replies), pin (first on its board), move to
another board, merge into another topic.

Each is written to the audit log. Lock, pin, move and merge are also recorded in the
activity stream as the moderator's action (kinds `topic_locked`, `topic_pinned`,
`topic_moved`, `topic_merged`, target: the topic's author): they change what every
reader sees. Unlocking and unpinning are audited only, as taking back a like is not
an activity either.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from townhall.accounts.models import AuditEvent
from townhall.accounts.services import record_audit
from townhall.community.models import (
    Board,
    ModerationState,
    Notification,
    Reply,
    Topic,
)
from townhall.community.pagecache import content_changed, topic_changed
from townhall.community.selectors import visible_boards
from townhall.community.services._common import (
    active_member,
    audit_data,
    record,
    render_with_mentions,
    require_visible,
)
from townhall.community.services.ideas import merge_votes
from townhall.community.services.moderation import require_moderator
from townhall.core.models import Member


def _topic(topic: Topic, by: Member) -> tuple[Member, Topic]:
    by = active_member(by)
    require_moderator(by)
    require_visible(topic, by)
    topic = (
        Topic.objects.select_for_update(of=("self",))
        .select_related("board", "board__parent", "author")
        .get(pk=topic.pk)
    )
    if topic.merged_into_id is not None:
        raise ValidationError("This topic was merged into another; moderate that one.")
    return by, topic


def _audit(by: Member, verb: str, topic: Topic, reason: str, **data: object) -> AuditEvent:
    # Every topic moderation changes the topic's page and its board's list.
    topic_changed(topic)
    return record_audit(
        by, verb, "community.topic", topic.pk, reason=reason, data=audit_data(topic, **data)
    )


def _activity(by: Member, kind: str, event: AuditEvent, topic: Topic) -> None:
    record(by, kind, f"moderation:{event.pk}", topic, target=topic.author)


@transaction.atomic
def lock_topic(topic: Topic, *, by: Member, reason: str = "") -> Topic:
    """Close a topic to new replies (moderators still reply); the page says it is locked."""
    by, topic = _topic(topic, by)
    if topic.locked_at is not None:
        raise ValidationError("This topic is already locked.")
    topic.locked_at = timezone.now()
    topic.save(update_fields=["locked_at"])
    _activity(by, "topic_locked", _audit(by, "lock", topic, reason), topic)
    return topic


@transaction.atomic
def unlock_topic(topic: Topic, *, by: Member, reason: str = "") -> Topic:
    """Open a locked topic to replies again."""
    by, topic = _topic(topic, by)
    if topic.locked_at is None:
        raise ValidationError("This topic is not locked.")
    topic.locked_at = None
    topic.save(update_fields=["locked_at"])
    _audit(by, "unlock", topic, reason)
    return topic


@transaction.atomic
def pin_topic(topic: Topic, *, by: Member, reason: str = "") -> Topic:
    """Show a topic first on its board (pinned topics: most recently pinned first)."""
    by, topic = _topic(topic, by)
    if topic.pinned_at is not None:
        raise ValidationError("This topic is already pinned.")
    topic.pinned_at = timezone.now()
    topic.save(update_fields=["pinned_at"])
    _activity(by, "topic_pinned", _audit(by, "pin", topic, reason), topic)
    return topic


@transaction.atomic
def unpin_topic(topic: Topic, *, by: Member, reason: str = "") -> Topic:
    """Let a pinned topic take its place by activity again."""
    by, topic = _topic(topic, by)
    if topic.pinned_at is None:
        raise ValidationError("This topic is not pinned.")
    topic.pinned_at = None
    topic.save(update_fields=["pinned_at"])
    _audit(by, "unpin", topic, reason)
    return topic


@transaction.atomic
def move_topic(topic: Topic, board: Board, *, by: Member, reason: str = "") -> Topic:
    """Move a topic to another board that takes its kind (moderators). Its due time for a
    first response stays as it was."""
    by, topic = _topic(topic, by)
    if board.pk == topic.board_id:
        raise ValidationError(f"The topic is already in {board.name}.")
    if not visible_boards(by).filter(pk=board.pk).exists():
        raise PermissionDenied("You cannot post on that board.")
    if not board.allows(topic.kind):
        raise ValidationError(
            f"{board.name} does not take {topic.get_kind_display().lower()}s; "
            "pick a board that does."
        )
    before = topic.board
    topic.board = board
    topic.save(update_fields=["board"])
    content_changed(boards=[before])  # the old board's list loses it
    event = _audit(by, "move", topic, reason, **{"from": before.slug, "to": board.slug})
    _activity(by, "topic_moved", event, topic)
    return topic


@transaction.atomic
def merge_topic(source: Topic, target: Topic, *, by: Member, reason: str = "") -> Topic:
    """Merge `source` into `target` (moderators): its replies move over, its opening post
    becomes a reply there (with the author and time it was written), votes of two ideas
    merge (one per member), notices follow, and `source` stays as a stub whose address
    redirects to `target`. Returns `target`.
    """
    by, source = _topic(source, by)
    if source.pk == target.pk:
        raise ValidationError("A topic cannot be merged into itself.")
    require_visible(target, by)
    target = (
        Topic.objects.select_for_update(of=("self",))
        .select_related("board", "board__parent", "author")
        .get(pk=target.pk)
    )
    if target.merged_into_id is not None:
        raise ValidationError("That topic was itself merged; merge into the one it points to.")
    body = f"**{source.title}**\n\n{source.body}".strip()
    html, _ = render_with_mentions(body)
    opening = Reply.objects.create(
        topic=target,
        author=source.author,
        body=body,
        body_html=html,
        created_at=source.created_at,
        moderation=source.moderation,
    )
    moved = Reply.objects.filter(topic=source).update(topic=target)
    Notification.objects.filter(topic=source).update(topic=target)
    if source.is_idea and target.is_idea:
        merge_votes(source, target)
    published = Reply.objects.filter(topic=target, moderation=ModerationState.VISIBLE)
    target.reply_count = published.count()
    latest = published.order_by("-created_at").values_list("created_at", flat=True).first()
    target.last_activity_at = max(filter(None, [target.last_activity_at, latest]))
    fields = ["reply_count", "last_activity_at"]
    if target.first_reply_at is None:
        first = published.filter(~Q(author=target.author_id)).aggregate(t=Min("created_at"))["t"]
        if first is not None:
            target.first_reply_at = first
            target.time_to_first_reply = max(first - target.created_at, timedelta(0))
            fields += ["first_reply_at", "time_to_first_reply"]
    target.save(update_fields=fields)
    source.merged_into = target
    source.reply_count = 0
    source.solution = None
    source.official_reply = None
    source.locked_at = source.locked_at or timezone.now()
    source.save(
        update_fields=["merged_into", "reply_count", "solution", "official_reply", "locked_at"]
    )
    event = _audit(
        by,
        "merge",
        source,
        reason,
        into=target.pk,
        into_title=target.title[:120],
        replies_moved=moved,
        opening_reply=opening.pk,
    )
    topic_changed(target)  # it gained the source's replies
    _activity(by, "topic_merged", event, target)
    return target
