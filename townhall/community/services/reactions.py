"""Likes on topics and replies: one per member, never on one's own post."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from townhall.community.models import Like, Reply, Topic
from townhall.community.pagecache import topic_changed
from townhall.community.services._common import (
    active_member,
    record,
    require_reply_visible,
    require_visible,
)
from townhall.community.services.guards import require_not_banned
from townhall.community.services.reputation import sync_reputation
from townhall.core.models import Member


def _target(content: Topic | Reply) -> tuple[Topic, dict[str, object], str]:
    if isinstance(content, Reply):
        reply = Reply.objects.select_related(
            "author", "topic", "topic__board", "topic__board__parent"
        ).get(pk=content.pk)
        return reply.topic, {"reply": reply}, f"reply:{reply.pk}"
    topic = Topic.objects.select_related("author", "board", "board__parent").get(pk=content.pk)
    return topic, {"topic": topic}, f"topic:{topic.pk}"


@transaction.atomic
def like(content: Topic | Reply, *, by: Member) -> int:
    """Like a topic or a reply (again is a no-op); returns its like count. Banned
    members cannot; only published posts take likes.

    Records a `like` activity (`like:<topic|reply>:<id>:<member>`, target: the author).
    """
    by = active_member(by)
    require_not_banned(by)
    topic, target, key = _target(content)
    require_visible(topic, by)
    item = next(iter(target.values()))
    if isinstance(item, Reply):
        require_reply_visible(item, by)
    if not item.is_published:  # type: ignore[attr-defined]
        raise ValidationError("Only published posts can be liked.")
    author = item.author  # type: ignore[attr-defined]
    if author.pk == by.pk:
        raise ValidationError("You cannot like your own post.")
    model = type(item)
    try:
        with transaction.atomic():
            Like.objects.create(member=by, **target)  # type: ignore[arg-type]
    except IntegrityError:
        return model.objects.get(pk=item.pk).like_count  # type: ignore[attr-defined]
    model.objects.filter(pk=item.pk).update(like_count=F("like_count") + 1)  # type: ignore[attr-defined]
    record(by, "like", f"like:{key}:{by.pk}", topic, target=author)
    sync_reputation([topic.pk])
    # A topic's likes show in its board's list; a reply's only on the topic page.
    topic_changed(topic, listing=model is Topic)
    return model.objects.get(pk=item.pk).like_count  # type: ignore[attr-defined]


@transaction.atomic
def unlike(content: Topic | Reply, *, by: Member) -> int:
    """Take a like back; returns the like count."""
    by = active_member(by)
    topic, target, _ = _target(content)
    require_visible(topic, by)
    item = next(iter(target.values()))
    model = type(item)
    deleted, _ = Like.objects.filter(member=by, **target).delete()  # type: ignore[arg-type]
    if deleted:
        model.objects.filter(pk=item.pk).update(like_count=F("like_count") - 1)  # type: ignore[attr-defined]
        sync_reputation([topic.pk])
        topic_changed(topic, listing=model is Topic)
    return model.objects.get(pk=item.pk).like_count  # type: ignore[attr-defined]
