"""Following topics, boards and tags, and telling followers about new replies and topics.

Authors follow their topics and repliers the topics they reply to, automatically.
Followers hear about a new reply (topic followers) or a new topic (board and tag
followers) unless they are the actor, were already told about it (as the author or a
mentioned person), or cannot read the board: readers are picked in one query by
`selectors.readers_of`, the same rules as `visible_boards`.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q

from townhall.community.models import (
    Board,
    Notification,
    NotificationVerb,
    Reply,
    Subscription,
    Tag,
    Topic,
)
from townhall.community.selectors import can_see_topic, readers_of, visible_boards
from townhall.community.services._common import active_member
from townhall.community.services.email import email_after_commit
from townhall.core.models import Member

Target = Topic | Board | Tag


def _field(target: Target) -> dict[str, Target]:
    if isinstance(target, Topic):
        return {"topic": target}
    if isinstance(target, Board):
        return {"board": target}
    if isinstance(target, Tag):
        return {"tag": target}
    raise ValidationError("Follow a topic, a board or a tag.")


def _require_readable(target: Target, by: Member) -> None:
    if isinstance(target, Topic) and not can_see_topic(target, by):
        raise PermissionDenied("You cannot see this topic.")
    if isinstance(target, Board) and not visible_boards(by).filter(pk=target.pk).exists():
        raise PermissionDenied("You cannot see this board.")


@transaction.atomic
def follow(target: Target, *, by: Member) -> Subscription:
    """Follow a topic, a board or a tag (again is a no-op). Tags are open to everyone;
    what a tag follower hears about is still limited to boards they can read."""
    by = active_member(by)
    field = _field(target)
    _require_readable(target, by)
    try:
        with transaction.atomic():
            return Subscription.objects.create(member=by, **field)  # type: ignore[arg-type]
    except IntegrityError:
        return Subscription.objects.get(member=by, **field)  # type: ignore[arg-type]


@transaction.atomic
def unfollow(target: Target, *, by: Member) -> bool:
    """Stop following; True when the member was following."""
    by = active_member(by)
    deleted, _ = Subscription.objects.filter(member=by, **_field(target)).delete()  # type: ignore[arg-type]
    return bool(deleted)


def follow_quietly(topic: Topic, member: Member) -> None:
    """The automatic follow of authors and repliers (no checks: they just posted there)."""
    try:
        with transaction.atomic():
            Subscription.objects.get_or_create(member=member, topic=topic)
    except IntegrityError:
        pass


def _fan_out(
    topic: Topic,
    followers: Iterable[int],
    verb: NotificationVerb,
    *,
    actor: Member,
    reply: Reply | None,
    exclude: Iterable[int],
) -> list[Notification]:
    skip = {actor.pk, *exclude}
    candidates = [pk for pk in set(followers) if pk not in skip]
    if not candidates:
        return []
    board = topic.board
    recipients = readers_of(board, Member.objects.filter(pk__in=candidates, user__isnull=False))
    created = Notification.objects.bulk_create(
        [
            Notification(recipient_id=pk, verb=verb, topic=topic, reply=reply, actor=actor)
            for pk in recipients.values_list("pk", flat=True)
        ]
    )
    email_after_commit([n.pk for n in created if n.pk is not None])
    return created


def notify_topic_followers(
    reply: Reply, *, actor: Member, exclude: Iterable[int] = ()
) -> list[Notification]:
    """Tell the topic's followers about a new reply (one query for followers, one for who
    may read the board, one insert)."""
    topic = reply.topic
    followers = Subscription.objects.filter(topic=topic).values_list("member_id", flat=True)
    return _fan_out(
        topic,
        followers,
        NotificationVerb.FOLLOWED_REPLY,
        actor=actor,
        reply=reply,
        exclude=exclude,
    )


def notify_board_and_tag_followers(
    topic: Topic, *, actor: Member, exclude: Iterable[int] = ()
) -> list[Notification]:
    """Tell followers of the topic's board (or its parent) and of its tags about a new topic."""
    board = topic.board
    boards = [board.pk] + ([board.parent_id] if board.parent_id else [])
    tag_ids = list(topic.tags.values_list("pk", flat=True))
    followers = Subscription.objects.filter(
        Q(board_id__in=boards) | Q(tag_id__in=tag_ids)
    ).values_list("member_id", flat=True)
    return _fan_out(
        topic, followers, NotificationVerb.FOLLOWED_TOPIC, actor=actor, reply=None, exclude=exclude
    )
