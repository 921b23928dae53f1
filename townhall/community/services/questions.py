"""Accepting (and withdrawing) the solution of a question."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from townhall.community.models import NotificationVerb, Reply, Topic, TopicKind
from townhall.community.pagecache import topic_changed
from townhall.community.permissions import can_accept_solution
from townhall.community.services._common import active_member, notify, record, require_visible
from townhall.community.services.reputation import sync_reputation
from townhall.core.models import Member


@transaction.atomic
def accept_solution(
    topic: Topic, reply: Reply, *, by: Member, occurred_at: datetime | None = None
) -> Topic:
    """Mark `reply` as the solution of question `topic` (the asker, an employee or a moderator).

    `occurred_at` back-dates the acceptance (imports from another platform, the demo);
    it is never earlier than the reply itself.

    Stores when it was solved and the time to solution, records a `solution`
    activity (`solution:<topic>:<reply>`, target: the answerer) and tells the answerer.
    Accepting another reply replaces the solution.
    """
    by = active_member(by)
    require_visible(topic, by)
    topic = (
        Topic.objects.select_for_update(of=("self",))
        .select_related("board", "board__parent", "author")
        .get(pk=topic.pk)
    )
    if topic.kind != TopicKind.QUESTION:
        raise ValidationError("Only questions have solutions.")
    if not can_accept_solution(topic, by):
        raise PermissionDenied("Only the asker, an employee or a moderator accepts a solution.")
    reply = Reply.objects.select_related("author").get(pk=reply.pk)
    if reply.topic_id != topic.pk:
        raise ValidationError("That reply belongs to another topic.")
    if not reply.is_published:
        raise ValidationError("Only a published reply can be the solution.")
    if reply.is_official_comment and reply.status_change:
        raise ValidationError("A status note cannot be the solution.")
    if topic.solution_id == reply.pk:
        return topic
    now = max(occurred_at, reply.created_at) if occurred_at else timezone.now()
    topic.solution = reply
    topic.solved_at = now
    topic.time_to_solution = max(now - topic.created_at, timedelta(0))
    topic.last_activity_at = max(now, topic.last_activity_at)
    topic.save(update_fields=["solution", "solved_at", "time_to_solution", "last_activity_at"])
    record(
        by,
        "solution",
        f"solution:{topic.pk}:{reply.pk}",
        topic,
        target=reply.author,
        occurred_at=now,
        properties={"reply": reply.pk},
    )
    notify(reply.author, NotificationVerb.SOLUTION, topic, actor=by, reply=reply)
    sync_reputation([topic.pk])  # a replaced solution's points go back
    topic_changed(topic)
    return topic


@transaction.atomic
def unaccept_solution(topic: Topic, *, by: Member) -> Topic:
    """Withdraw the accepted solution; the question is unsolved again."""
    by = active_member(by)
    require_visible(topic, by)
    topic = Topic.objects.select_for_update(of=("self",)).get(pk=topic.pk)
    if not can_accept_solution(topic, by):
        raise PermissionDenied("Only the asker, an employee or a moderator changes the solution.")
    topic.solution = None
    topic.solved_at = None
    topic.time_to_solution = None
    topic.save(update_fields=["solution", "solved_at", "time_to_solution"])
    sync_reputation([topic.pk])
    topic_changed(topic)
    return topic
