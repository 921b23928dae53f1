"""Votes on ideas and the team's status workflow (with duplicates merged into the original)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from townhall.community.models import (
    IdeaStatus,
    NotificationVerb,
    Topic,
    TopicKind,
    Vote,
)
from townhall.community.pagecache import topic_changed
from townhall.community.permissions import can_set_idea_status
from townhall.community.selectors import can_see_topic
from townhall.community.services._common import active_member, notify, record, require_visible
from townhall.community.services.guards import require_not_banned
from townhall.community.services.replies import create_reply
from townhall.community.services.reputation import sync_reputation
from townhall.community.services.subscriptions import notify_topic_followers
from townhall.core.models import Member


def _idea(topic: Topic, *, lock: bool = False) -> Topic:
    rows = Topic.objects.select_for_update(of=("self",)) if lock else Topic.objects
    topic = rows.select_related("board", "board__parent", "author").get(pk=topic.pk)
    if topic.kind != TopicKind.IDEA:
        raise ValidationError("Only ideas take votes and statuses.")
    return topic


@transaction.atomic
def vote(topic: Topic, *, by: Member) -> Topic:
    """Give idea `topic` the member's one vote (again is a no-op); only while it is open,
    and not for banned members.

    Records a `vote` activity (`vote:<topic>:<member>`, target: the idea's author).
    """
    by = active_member(by)
    require_not_banned(by)
    require_visible(topic, by)
    topic = _idea(topic, lock=True)
    if not topic.accepts_votes:
        raise ValidationError(
            f"This idea is {topic.get_idea_status_display().lower()}: voting is closed."
        )
    try:
        with transaction.atomic():
            Vote.objects.create(member=by, topic=topic)
    except IntegrityError:
        return topic
    Topic.objects.filter(pk=topic.pk).update(vote_count=F("vote_count") + 1)
    topic.refresh_from_db(fields=["vote_count"])
    record(by, "vote", f"vote:{topic.pk}:{by.pk}", topic, target=topic.author)
    sync_reputation([topic.pk])
    topic_changed(topic)
    return topic


@transaction.atomic
def unvote(topic: Topic, *, by: Member) -> Topic:
    """Take the member's vote back (the stream keeps the earlier `vote` activity)."""
    by = active_member(by)
    require_visible(topic, by)
    topic = _idea(topic, lock=True)
    deleted, _ = Vote.objects.filter(member=by, topic=topic).delete()
    if deleted:
        Topic.objects.filter(pk=topic.pk).update(vote_count=F("vote_count") - 1)
        topic.refresh_from_db(fields=["vote_count"])
        sync_reputation([topic.pk])
        topic_changed(topic)
    return topic


def merge_votes(duplicate: Topic, original: Topic) -> None:
    """Move the duplicate's votes to the original; a member who voted for both keeps one."""
    already = Vote.objects.filter(topic=original).values("member_id")
    Vote.objects.filter(topic=duplicate).exclude(member_id__in=already).update(topic=original)
    Vote.objects.filter(topic=duplicate).delete()
    for idea in (duplicate, original):
        Topic.objects.filter(pk=idea.pk).update(vote_count=Vote.objects.filter(topic=idea).count())


@transaction.atomic
def set_idea_status(
    topic: Topic,
    status: IdeaStatus | str,
    *,
    comment: str,
    by: Member,
    duplicate_of: Topic | None = None,
) -> Topic:
    """Move an idea through new → under review → planned → in progress → shipped, or to
    declined or duplicate. Employees and moderators only; `comment` is required and is
    posted as an official comment; voters and the author are notified.

    For `duplicate`, `duplicate_of` names the original idea and the votes move there.
    """
    by = active_member(by)
    require_visible(topic, by)
    if not can_set_idea_status(by):
        raise PermissionDenied("Only employees and moderators change an idea's status.")
    topic = _idea(topic, lock=True)
    try:
        status = IdeaStatus(status)
    except ValueError:
        raise ValidationError(f"Unknown idea status {status!r}.") from None
    if not (comment or "").strip():
        raise ValidationError("Say why: every status change carries an official comment.")
    original = None
    if status == IdeaStatus.DUPLICATE:
        if duplicate_of is None:
            raise ValidationError("Name the original idea this one duplicates.")
        original = _idea(duplicate_of, lock=True)
        if original.pk == topic.pk:
            raise ValidationError("An idea cannot duplicate itself.")
        if original.idea_status == IdeaStatus.DUPLICATE:
            raise ValidationError("That idea is itself a duplicate; name its original instead.")
        if not can_see_topic(original, by):
            raise PermissionDenied("You cannot see that idea.")
    if status == topic.idea_status and status != IdeaStatus.DUPLICATE:
        raise ValidationError(f"This idea is already {status.label.lower()}.")
    voters = list(
        Member.objects.filter(pk__in=Vote.objects.filter(topic=topic).values("member_id"))
    )
    note = create_reply(
        topic, body=comment, by=by, official_comment=True, status_change=status.value
    )
    topic.refresh_from_db()
    topic.idea_status = status
    topic.duplicate_of = original
    topic.save(update_fields=["idea_status", "duplicate_of"])
    if original is not None:
        merge_votes(topic, original)
        topic.refresh_from_db(fields=["vote_count"])
    record(
        by,
        "idea_status",
        f"idea_status:{topic.pk}:{note.pk}",
        topic,
        target=topic.author,
        properties={"status": status.value},
    )
    told = {topic.author.pk: topic.author, **{v.pk: v for v in voters}}
    for person in told.values():
        notify(person, NotificationVerb.IDEA_STATUS, topic, actor=by, reply=note)
    notify_topic_followers(note, actor=by, exclude=list(told))
    # Shipping earns the author points; moved votes follow the original idea.
    sync_reputation([topic.pk] + ([original.pk] if original is not None else []))
    topic_changed(topic)
    if original is not None:
        topic_changed(original)
    return topic
