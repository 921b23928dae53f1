"""Read side of moderation: the queue (held posts and flagged posts, with context), flag
counts for the topic page, and a member's bans. Moderators see every board, so these
apply no board visibility; the views check the role first."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q

from townhall.community.models import ModerationState, Reply, Topic
from townhall.community.models_moderation import Ban, Flag, active_bans
from townhall.core.models import Member

QUEUE_FLAGS_MAX = 500


@dataclass
class QueueItem:
    """One post waiting for a moderator: the post, its topic, and its open flags."""

    topic: Topic
    reply: Reply | None
    flags: list[Flag] = field(default_factory=list)

    @property
    def post(self) -> Topic | Reply:
        return self.reply if self.reply is not None else self.topic

    @property
    def kind(self) -> str:
        return "reply" if self.reply is not None else "topic"

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.post.pk}"

    @property
    def held(self) -> bool:
        return self.post.moderation == ModerationState.HELD

    @property
    def spam(self) -> dict[str, object] | None:
        """The spam check's score and signals, when it held this post."""
        return next((f.data for f in self.flags if f.is_automatic and f.data), None)

    @property
    def reader_flags(self) -> list[Flag]:
        return [f for f in self.flags if not f.is_automatic]


@dataclass
class ModerationQueue:
    held: list[QueueItem]
    flagged: list[QueueItem]
    bans: list[Ban]


def moderation_queue() -> ModerationQueue:
    """Open flags grouped by post, oldest first: held posts (the spam check's), then posts
    readers flagged; and the bans in force. Three queries however long the queue."""
    flags = (
        Flag.objects.filter(resolved_at__isnull=True)
        .select_related(
            "member",
            "topic",
            "topic__author",
            "topic__board",
            "reply",
            "reply__author",
            "reply__topic",
            "reply__topic__board",
        )
        .order_by("created_at", "id")[:QUEUE_FLAGS_MAX]
    )
    items: dict[tuple[str, int], QueueItem] = {}
    for flag in flags:
        if flag.reply is not None:
            key = ("reply", flag.reply.pk)
            item = items.setdefault(key, QueueItem(topic=flag.reply.topic, reply=flag.reply))
        else:
            assert flag.topic is not None
            key = ("topic", flag.topic.pk)
            item = items.setdefault(key, QueueItem(topic=flag.topic, reply=None))
        item.flags.append(flag)
    held = [i for i in items.values() if i.held]
    flagged = [i for i in items.values() if not i.held]
    bans = list(active_bans().select_related("member", "created_by").order_by("-created_at"))
    return ModerationQueue(held=held, flagged=flagged, bans=bans)


def open_flag_counts(topic: Topic) -> dict[str, int]:
    """Open flags on the topic and its replies, keyed "topic" / "reply-<id>", in one query."""
    rows = (
        Flag.objects.filter(resolved_at__isnull=True)
        .filter(Q(topic=topic) | Q(reply__topic=topic))
        .values("topic_id", "reply_id")
        .annotate(n=Count("pk"))
    )
    return {("topic" if row["topic_id"] else f"reply-{row['reply_id']}"): row["n"] for row in rows}


def queue_size() -> int:
    """Posts with open flags (held ones included), for the navigation badge."""
    return (
        Flag.objects.filter(resolved_at__isnull=True)
        .values("topic_id", "reply_id")
        .distinct()
        .count()
    )


def bans_of(member: Member) -> list[Ban]:
    """Every ban of the member, newest first, with who gave and lifted it."""
    return list(
        Ban.objects.filter(member=member)
        .select_related("created_by", "lifted_by")
        .order_by("-created_at", "-id")
    )
