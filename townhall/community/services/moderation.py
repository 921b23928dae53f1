"""Moderating posts: readers flag topics and replies; moderators hide, delete (softly:
the row stays for the audit trail) or approve them, and dismiss flags.

Every moderator decision is written to the audit log (`accounts.record_audit`) and
resolves the item's open flags. None of these is recorded in the activity stream:
flags are private, and a take-down is not a contribution. Approving a held post
publishes it, which records the *author's* post activity then (at the time it was
written).
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from townhall.accounts.services import record_audit
from townhall.community.models import ModerationState, NotificationVerb, Reply, Topic
from townhall.community.models_moderation import FLAG_TEXT_MAX, Flag, FlagOutcome, FlagReason
from townhall.community.pagecache import topic_changed
from townhall.community.permissions import can_moderate
from townhall.community.services._common import (
    SOURCE,
    active_member,
    audit_data,
    board_is_open,
    notify,
    require_reply_visible,
    require_visible,
    target_of,
)
from townhall.community.services.guards import require_not_banned
from townhall.community.services.replies import publish_reply
from townhall.community.services.topics import publish_topic
from townhall.core.models import Member

Post = Topic | Reply


def require_moderator(by: Member) -> None:
    if not can_moderate(by):
        raise PermissionDenied("Only moderators, community managers and admins moderate.")


def _locked(content: Post) -> tuple[Post, Topic]:
    """The post and its topic, both locked for update, with what the verbs need."""
    if isinstance(content, Reply):
        reply = (
            Reply.objects.select_for_update(of=("self",))
            .select_related("author")
            .get(pk=content.pk)
        )
        topic = (
            Topic.objects.select_for_update(of=("self",))
            .select_related("board", "board__parent", "author")
            .get(pk=reply.topic_id)
        )
        reply.topic = topic
        return reply, topic
    topic = (
        Topic.objects.select_for_update(of=("self",))
        .select_related("board", "board__parent", "author")
        .get(pk=content.pk)
    )
    return topic, topic


def _flags_on(content: Post) -> object:
    field = "reply" if isinstance(content, Reply) else "topic"
    return Flag.objects.filter(**{field: content.pk}, resolved_at__isnull=True)


def _resolve_flags(content: Post, outcome: FlagOutcome, by: Member) -> int:
    return _flags_on(content).update(  # type: ignore[attr-defined]
        resolved_at=timezone.now(), resolved_by=by, outcome=outcome
    )


@transaction.atomic
def flag(content: Post, *, reason: FlagReason | str, by: Member, text: str = "") -> Flag:
    """Report a topic or reply to the moderators (signed-in readers; not one's own post).

    One open flag per member per item; `other` needs a few words. Not recorded in the
    activity stream: flagging is private.
    """
    by = active_member(by)
    require_not_banned(by)
    if isinstance(content, Reply):
        content = Reply.objects.select_related("topic", "topic__board").get(pk=content.pk)
        require_reply_visible(content, by)
    else:
        require_visible(content, by)
    try:
        reason = FlagReason(reason)
    except ValueError:
        raise ValidationError(
            f"Pick a reason: {', '.join(label.lower() for label in FlagReason.labels)}."
        ) from None
    text = (text or "").strip()
    if reason == FlagReason.OTHER and not text:
        raise ValidationError("Say in a few words what is wrong with this post.")
    if len(text) > FLAG_TEXT_MAX:
        raise ValidationError(f"Keep the note to {FLAG_TEXT_MAX:,} characters.")
    if content.author_id == by.pk:
        raise ValidationError("You cannot flag your own post; edit or ask a moderator instead.")
    item = {"reply": content} if isinstance(content, Reply) else {"topic": content}
    try:
        with transaction.atomic():
            return Flag.objects.create(member=by, reason=reason, text=text, **item)
    except IntegrityError:
        raise ValidationError(
            "You have already flagged this post; a moderator will look at it."
        ) from None


@transaction.atomic
def _set_state(
    content: Post, state: ModerationState, *, by: Member, reason: str, verb: str
) -> Post:
    by = active_member(by)
    require_moderator(by)
    require_visible(content.topic if isinstance(content, Reply) else content, by)
    content, topic = _locked(content)
    before = content.moderation
    if before == state:
        raise ValidationError(f"This post is already {state.label.lower()}.")
    if state != ModerationState.VISIBLE and not (reason or "").strip():
        raise ValidationError("Give a reason: the author may ask, and the audit log keeps it.")
    content.moderation = state
    content.save(update_fields=["moderation"])
    solution = (
        _solution_follows(content, topic, before, state) if isinstance(content, Reply) else {}
    )
    _activity_text_follows(content, topic, before, state)
    if isinstance(content, Reply):
        if before == ModerationState.HELD and state == ModerationState.VISIBLE:
            publish_reply(content, topic)
        elif before == ModerationState.VISIBLE:
            Topic.objects.filter(pk=topic.pk).update(reply_count=F("reply_count") - 1)
        elif state == ModerationState.VISIBLE:
            Topic.objects.filter(pk=topic.pk).update(reply_count=F("reply_count") + 1)
    elif before == ModerationState.HELD and state == ModerationState.VISIBLE:
        publish_topic(topic)
    if before == ModerationState.HELD and state == ModerationState.VISIBLE:
        notify(
            content.author,
            NotificationVerb.APPROVED,
            topic,
            actor=by,
            reply=content if isinstance(content, Reply) else None,
        )
    topic_changed(topic)  # shown or taken down: the page and the board's counts change
    outcome = FlagOutcome.DISMISSED if state == ModerationState.VISIBLE else FlagOutcome.UPHELD
    resolved = _resolve_flags(content, outcome, by)
    kind, pk = target_of(content)
    record_audit(
        by,
        verb,
        kind,
        pk,
        reason=reason,
        data=audit_data(
            content, before=before, after=state.value, flags_resolved=resolved, **solution
        ),
    )
    return content


def _activity_text_follows(
    content: Post, topic: Topic, before: str, state: ModerationState
) -> None:
    """Taken down, a post's words leave the activity stream (profile timelines, the API,
    exports): a reply's body; a topic's title and body, and its title on every activity
    that links to it. Restored, they come back. The activities stay: they happened."""
    from townhall.core.services import rewrite_activities

    shown_before = before == ModerationState.VISIBLE
    shown_now = state == ModerationState.VISIBLE
    if shown_before == shown_now or not board_is_open(topic.board):
        return  # restricted boards' activities carry no words at all (see `record`)
    if isinstance(content, Reply):
        body = content.body[:300] if shown_now else ""
        rewrite_activities(SOURCE, external_ids=[f"reply:{content.pk}"], body=body)
        return
    title = topic.title if shown_now else ""
    rewrite_activities(SOURCE, url=topic.get_absolute_url(), title=title)
    rewrite_activities(
        SOURCE, external_ids=[f"topic:{topic.pk}"], body=topic.body[:300] if shown_now else ""
    )


def _solution_follows(
    reply: Reply, topic: Topic, before: str, state: ModerationState
) -> dict[str, object]:
    """A question whose accepted solution is taken down is no longer solved; restored, the
    solution comes back (unless another was accepted meanwhile). Returns what the audit
    entry keeps so a later restore knows."""
    from townhall.accounts.models import AuditEvent
    from townhall.community.services.reputation import sync_reputation

    if before == ModerationState.VISIBLE and topic.solution_id == reply.pk:
        solved_at = topic.solved_at
        Topic.objects.filter(pk=topic.pk).update(
            solution=None, solved_at=None, time_to_solution=None
        )
        sync_reputation([topic.pk])  # the solution's points go back while it is down
        return {"was_solution": True, "solved_at": solved_at.isoformat() if solved_at else None}
    if state == ModerationState.VISIBLE and topic.solution_id is None:
        taken_down = (
            AuditEvent.objects.filter(target_type="community.reply", target_id=str(reply.pk))
            .exclude(verb="approve")
            .order_by("-created_at", "-id")
            .values_list("data", flat=True)
            .first()
        )
        if taken_down and taken_down.get("was_solution"):
            solved_at = (
                datetime.fromisoformat(taken_down["solved_at"])
                if taken_down.get("solved_at")
                else timezone.now()
            )
            Topic.objects.filter(pk=topic.pk).update(
                solution=reply, solved_at=solved_at, time_to_solution=solved_at - topic.created_at
            )
            sync_reputation([topic.pk])
            return {"solution_restored": True}
    return {}


def hide(content: Post, *, reason: str, by: Member) -> Post:
    """Hide a topic or reply (moderators): gone from lists, pages and notifications for
    everyone but moderators; open flags on it are upheld. A reason is required."""
    return _set_state(content, ModerationState.HIDDEN, by=by, reason=reason, verb="hide")


def delete_post(content: Post, *, reason: str, by: Member) -> Post:
    """Delete a topic or reply (moderators) softly: the row stays for the audit trail and
    a moderator may still restore it. A reason is required."""
    return _set_state(content, ModerationState.DELETED, by=by, reason=reason, verb="delete")


def approve(content: Post, *, by: Member, reason: str = "") -> Post:
    """Publish a held post, or restore a hidden or deleted one (moderators); open flags on
    it are dismissed. A held post's author is told it was approved."""
    return _set_state(content, ModerationState.VISIBLE, by=by, reason=reason, verb="approve")


@transaction.atomic
def dismiss_flags(content: Post, *, by: Member, reason: str = "") -> int:
    """Close the open flags on a post and leave it as it is (moderators); returns how many."""
    by = active_member(by)
    require_moderator(by)
    require_visible(content.topic if isinstance(content, Reply) else content, by)
    resolved = _resolve_flags(content, FlagOutcome.DISMISSED, by)
    if not resolved:
        raise ValidationError("This post has no open flags.")
    kind, pk = target_of(content)
    record_audit(
        by,
        "resolve_flags",
        kind,
        pk,
        reason=reason,
        data=audit_data(content, outcome=FlagOutcome.DISMISSED.value, flags_resolved=resolved),
    )
    return resolved
