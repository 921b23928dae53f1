"""Replying, editing a reply (history kept), and the team's official response."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from townhall.community.models import (
    ModerationState,
    NotificationVerb,
    Reply,
    ReplyRevision,
    Topic,
)
from townhall.community.pagecache import topic_changed
from townhall.community.permissions import (
    can_edit_reply,
    can_mark_official,
    is_moderator,
    is_team,
)
from townhall.community.services._common import (
    active_member,
    clean_body,
    hold_post,
    notify,
    notify_mentions,
    record,
    render_with_mentions,
    require_reply_visible,
    require_visible,
    resolve_mentions,
)
from townhall.community.services.guards import (
    assess_spam,
    check_posting_limits,
    limits,
    require_not_banned,
)
from townhall.community.services.subscriptions import follow_quietly, notify_topic_followers
from townhall.core.models import Member


def _locked_topic(topic: Topic) -> Topic:
    return (
        Topic.objects.select_for_update(of=("self",))
        .select_related("board", "board__parent", "author")
        .get(pk=topic.pk)
    )


@transaction.atomic
def create_reply(
    topic: Topic,
    *,
    body: str,
    by: Member,
    occurred_at: datetime | None = None,
    official_comment: bool = False,
    status_change: str = "",
) -> Reply:
    """Reply to `topic`: Markdown rendered and sanitized, a `reply` activity with the
    topic's author as target, a notice to the author and to the people mentioned.

    Refused on a locked topic (moderators and the team's official comments excepted) and
    for banned members; a new member's live reply must fit the first-day limits, and a
    reply the spam check scores too high is held for review: stored, but not counted,
    recorded or notified until a moderator approves it.
    The first reply by someone other than the author stops the first-response clock.
    """
    by = active_member(by)
    require_not_banned(by)
    require_visible(topic, by)
    topic = _locked_topic(topic)
    if topic.locked_at is not None and not (official_comment or is_moderator(by)):
        raise ValidationError("This topic is locked: it takes no new replies.")
    if topic.merged_into_id is not None:
        raise ValidationError("This topic was merged into another; reply there.")
    body = clean_body(body, what="A reply")
    live = occurred_at is None
    now = occurred_at or timezone.now()
    verdict = None
    if live:
        check_posting_limits(by, what="reply", text=body, now=now)
        verdict = assess_spam(by, body, now)
    held = verdict is not None and verdict.held(limits().hold_score)
    html, mentioned = render_with_mentions(body)
    reply = Reply.objects.create(
        topic=topic,
        author=by,
        body=body,
        body_html=html,
        created_at=now,
        is_official_comment=official_comment,
        status_change=status_change,
        moderation=ModerationState.HELD if held else ModerationState.VISIBLE,
    )
    if held:
        assert verdict is not None
        hold_post(reply, verdict)
    else:
        publish_reply(reply, topic, mentioned=mentioned)
    return reply


def publish_reply(
    reply: Reply, topic: Topic, *, mentioned: dict[str, Member] | None = None
) -> None:
    """What publishing a reply does: the topic's counters and first-response clock, the
    `reply` activity, the notices. `topic` must be locked by the caller (select_for_update).
    Runs when the reply is posted, or when a moderator approves a held reply."""
    if mentioned is None:
        mentioned = resolve_mentions(reply.body)
    by, now = reply.author, reply.created_at
    topic.reply_count = F("reply_count") + 1
    topic.last_activity_at = max(now, topic.last_activity_at)
    fields = ["reply_count", "last_activity_at"]
    if topic.first_reply_at is None and by.pk != topic.author_id:
        topic.first_reply_at = now
        topic.time_to_first_reply = max(now - topic.created_at, timedelta(0))
        fields += ["first_reply_at", "time_to_first_reply"]
    topic.save(update_fields=fields)
    topic.refresh_from_db(fields=["reply_count"])
    record(
        by,
        "reply",
        f"reply:{reply.pk}",
        topic,
        target=topic.author,
        body=reply.body,
        occurred_at=now,
        parent_id=f"topic:{topic.pk}",
    )
    if not reply.is_official_comment:
        notify(topic.author, NotificationVerb.REPLY, topic, actor=by, reply=reply)
    notify_mentions(mentioned, topic, actor=by, reply=reply)
    follow_quietly(topic, by)
    if not reply.is_official_comment:  # status notes tell followers in set_idea_status
        told = [topic.author_id, *(m.pk for m in mentioned.values())]
        notify_topic_followers(reply, actor=by, exclude=told)
    topic_changed(topic)


@transaction.atomic
def edit_reply(reply: Reply, *, body: str, by: Member) -> Reply:
    """Change a reply's text (its author or a moderator); the old text is kept as a revision."""
    by = active_member(by)
    reply = (
        Reply.objects.select_for_update(of=("self",))
        .select_related("topic", "topic__board")
        .get(pk=reply.pk)
    )
    require_reply_visible(reply, by)
    require_not_banned(by)
    if not can_edit_reply(reply, by):
        raise PermissionDenied("Only the author or a moderator can edit this reply.")
    body = clean_body(body, what="A reply")
    if body == reply.body:
        return reply
    html, mentioned = render_with_mentions(body)
    ReplyRevision.objects.create(reply=reply, body=reply.body, edited_by=by)
    reply.body, reply.body_html, reply.edited_at = body, html, timezone.now()
    reply.save(update_fields=["body", "body_html", "edited_at"])
    notify_mentions(mentioned, reply.topic, actor=reply.author, reply=reply)
    topic_changed(reply.topic, listing=False)
    return reply


@transaction.atomic
def mark_official_response(reply: Reply, *, by: Member) -> Topic:
    """Pin an employee's reply as the company's official response (not the solution)."""
    by = active_member(by)
    reply = Reply.objects.select_related("author", "topic").get(pk=reply.pk)
    require_reply_visible(reply, by)
    if not is_team(by):
        raise PermissionDenied("Only employees and moderators mark official responses.")
    if not reply.is_published:
        raise ValidationError("Only a published reply can be the official response.")
    if not can_mark_official(reply, by):
        raise ValidationError("Only an employee's reply can be the official response.")
    topic = _locked_topic(reply.topic)
    if topic.official_reply_id == reply.pk:
        return topic
    topic.official_reply = reply
    topic.save(update_fields=["official_reply"])
    record(by, "official_response", f"official:{topic.pk}:{reply.pk}", topic, target=topic.author)
    notify(topic.author, NotificationVerb.OFFICIAL, topic, actor=by, reply=reply)
    topic_changed(topic, listing=False)
    return topic


@transaction.atomic
def clear_official_response(topic: Topic, *, by: Member) -> Topic:
    """Unpin the official response."""
    by = active_member(by)
    require_visible(topic, by)
    if not is_team(by):
        raise PermissionDenied("Only employees and moderators change the official response.")
    topic = _locked_topic(topic)
    topic.official_reply = None
    topic.save(update_fields=["official_reply"])
    topic_changed(topic, listing=False)
    return topic
