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
    ModerationState,
    Topic,
    TopicKind,
)
from townhall.community.pagecache import topic_changed
from townhall.community.permissions import can_start
from townhall.community.selectors import visible_boards
from townhall.community.services._common import (
    active_member,
    clean_body,
    hold_post,
    notify_mentions,
    record,
    render_with_mentions,
    resolve_mentions,
    tags_for,
)
from townhall.community.services.badges import check_badges
from townhall.community.services.guards import (
    assess_spam,
    check_posting_limits,
    limits,
    require_not_banned,
)
from townhall.community.services.subscriptions import (
    follow_quietly,
    notify_board_and_tag_followers,
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
    (employees, moderators); banned members cannot post. A new member's live post must
    fit the first-day limits, and a post the spam check scores too high is held for
    review (stored, shown to its author and moderators only) instead of published.
    Publishing records a `<kind>` activity (`topic:<id>`) and notifies the people
    mentioned. Starts the board's first-response clock.
    """
    by = active_member(by)
    require_not_banned(by)
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
    live = occurred_at is None
    now = occurred_at or timezone.now()
    verdict = None
    if live:
        check_posting_limits(by, what="topic", text=f"{title}\n\n{body}", now=now)
        verdict = assess_spam(by, f"{title}\n\n{body}", now)
    held = verdict is not None and verdict.held(limits().hold_score)
    html, mentioned = render_with_mentions(body)
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
        moderation=ModerationState.HELD if held else ModerationState.VISIBLE,
    )
    topic.tags.set(tags_for(tags))
    if kind == TopicKind.ARTICLE:
        ArticleRevision.objects.create(
            topic=topic, number=1, title=title, body=body, edited_by=by, created_at=now
        )
    if held:
        assert verdict is not None
        hold_post(topic, verdict)
    else:
        publish_topic(topic, mentioned=mentioned)
    return topic


def publish_topic(topic: Topic, *, mentioned: dict[str, Member] | None = None) -> None:
    """What publishing a topic does: its activity and the mention notices. Runs when it
    is posted, or when a moderator approves a held topic."""
    if mentioned is None:
        mentioned = resolve_mentions(topic.body)
    record(
        topic.author,
        topic.kind,
        f"topic:{topic.pk}",
        topic,
        body=topic.body,
        occurred_at=topic.created_at,
        properties={"kind": topic.kind},
    )
    by = topic.author
    notify_mentions(mentioned, topic, actor=by, reply=None)
    follow_quietly(topic, by)
    notify_board_and_tag_followers(topic, actor=by, exclude=[m.pk for m in mentioned.values()])
    if topic.kind == TopicKind.ARTICLE:
        check_badges(by, ["articles"], topic=topic)
    topic_changed(topic)
