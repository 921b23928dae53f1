"""Starting a topic."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from townhall.community.models import (
    TITLE_MAX,
    ArticleRevision,
    Board,
    IdeaStatus,
    Topic,
    TopicKind,
)
from townhall.community.pagecache import topic_changed
from townhall.community.permissions import can_start
from townhall.community.selectors import visible_boards
from townhall.community.services._common import (
    active_member,
    clean_body,
    notify_mentions,
    record,
    render_with_mentions,
    tags_for,
)
from townhall.core.models import Member


def clean_title(title: str) -> str:
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError("Give your topic a title.")
    if len(title) > TITLE_MAX:
        raise ValidationError(
            f"The title is {len(title)} characters long; keep it to {TITLE_MAX} and put the "
            "details in the text."
        )
    return title


@transaction.atomic
def create_topic(
    board: Board,
    *,
    kind: TopicKind | str,
    title: str,
    body: str,
    by: Member,
    tags: Sequence[str] = (),
    occurred_at: datetime | None = None,
) -> Topic:
    """Start a question, idea, discussion or article on `board`.

    The board must be readable by `by` and allow the kind; articles are for the team
    (employees, moderators). Records a `<kind>` activity (`topic:<id>`), notifies the
    people mentioned, and starts the board's first-response clock.
    """
    by = active_member(by)
    if not visible_boards(by).filter(pk=board.pk).exists():
        raise PermissionDenied("You cannot post on this board.")
    try:
        kind = TopicKind(kind)
    except ValueError:
        raise ValidationError(f"Unknown topic kind {kind!r}.") from None
    if not board.allows(kind):
        raise ValidationError(f"{board.name} does not take {kind.label.lower()}s.")
    if not can_start(kind, by):
        raise PermissionDenied("Knowledge-base articles are written by the team.")
    title = clean_title(title)
    body = clean_body(body, what="The text", required=kind == TopicKind.ARTICLE)
    html, mentioned = render_with_mentions(body)
    now = occurred_at or timezone.now()
    hours = board.first_response_hours
    topic = Topic.objects.create(
        board=board,
        kind=kind,
        title=title,
        author=by,
        body=body,
        body_html=html,
        created_at=now,
        updated_at=now,
        last_activity_at=now,
        response_due_at=now + timedelta(hours=hours)
        if hours and kind != TopicKind.ARTICLE
        else None,
        idea_status=IdeaStatus.NEW if kind == TopicKind.IDEA else "",
    )
    topic.tags.set(tags_for(tags))
    if kind == TopicKind.ARTICLE:
        ArticleRevision.objects.create(
            topic=topic, number=1, title=title, body=body, edited_by=by, created_at=now
        )
    record(
        by,
        kind.value,
        f"topic:{topic.pk}",
        topic,
        body=body,
        occurred_at=now,
        properties={"kind": kind.value},
    )
    notify_mentions(mentioned, topic, actor=by, reply=None)
    topic_changed(topic)
    return topic
