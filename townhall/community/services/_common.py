"""Helpers the community verbs share: who acts, what they may see, activities, notices."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.text import slugify

from townhall.accounts.services import record_audit
from townhall.community.markdown import mention_names, render_markdown
from townhall.community.models import (
    BODY_MAX,
    Board,
    ModerationState,
    Notification,
    NotificationVerb,
    Reply,
    Tag,
    Topic,
    Visibility,
)
from townhall.community.models_moderation import Flag, FlagReason
from townhall.community.permissions import is_moderator
from townhall.community.selectors import can_see_topic
from townhall.community.services.email import email_after_commit
from townhall.community.spam import SpamVerdict
from townhall.core.models import Member
from townhall.core.services import record_activity

SOURCE = "community"


OPEN_VISIBILITIES = {Visibility.PUBLIC, Visibility.MEMBERS}


def board_is_open(board: Board) -> bool:
    """True when every signed-in member can read the board (and its parent)."""
    parent = board.parent if board.parent_id is not None else None
    return board.visibility in OPEN_VISIBILITIES and (
        parent is None or parent.visibility in OPEN_VISIBILITIES
    )


def active_member(by: Member | None) -> Member:
    if by is None:
        raise PermissionDenied("Sign in first.")
    if by.merged_into_id is not None:
        raise PermissionDenied("This member was merged into another; act as that member.")
    return by


def require_visible(topic: Topic, by: Member | None) -> None:
    """Acting on a topic one cannot read looks like acting on one that does not exist."""
    if not can_see_topic(topic, by):
        raise PermissionDenied("You cannot see this topic.")


def require_reply_visible(reply: Reply, by: Member | None) -> None:
    """A reply taken down (or held, for anyone but its author) cannot be acted on."""
    require_visible(reply.topic, by)
    if reply.moderation == ModerationState.VISIBLE or is_moderator(by):
        return
    if by is not None and reply.moderation == ModerationState.HELD and reply.author_id == by.pk:
        return
    raise PermissionDenied("You cannot see this reply.")


def target_of(content: Topic | Reply) -> tuple[str, int]:
    """How the audit log names a post: ("community.topic", id) or ("community.reply", id)."""
    return ("community.reply" if isinstance(content, Reply) else "community.topic", content.pk)


def audit_data(content: Topic | Reply, **extra: Any) -> dict[str, Any]:
    """The title and link the audit log page shows for a post, plus `extra`."""
    topic = content.topic if isinstance(content, Reply) else content
    anchor = f"#reply-{content.pk}" if isinstance(content, Reply) else ""
    return {"title": topic.title[:120], "url": f"{topic.get_absolute_url()}{anchor}", **extra}


def hold_post(content: Topic | Reply, verdict: SpamVerdict) -> Flag:
    """Keep a post back for review: an automatic spam flag carrying the score and its
    signals, and an audit entry by the system."""
    item = {"reply": content} if isinstance(content, Reply) else {"topic": content}
    flag = Flag.objects.create(reason=FlagReason.SPAM, data=verdict.as_data(), **item)
    kind, pk = target_of(content)
    record_audit(
        None, "hold", kind, pk, reason="spam score", data=audit_data(content, score=verdict.score)
    )
    return flag


def clean_body(body: str, *, what: str = "A post", required: bool = True) -> str:
    body = (body or "").strip()
    if required and not body:
        raise ValidationError(f"{what} cannot be empty.")
    if len(body) > BODY_MAX:
        raise ValidationError(
            f"{what} is {len(body):,} characters long; the limit is {BODY_MAX:,}. "
            "Split it into several posts or link to a longer document."
        )
    return body


def resolve_mentions(text: str, *, in_quotes: bool = False) -> dict[str, Member]:
    """Mentioned names → members: an exact (case-insensitive) display-name match, preferring
    people with a login; a name that stays ambiguous mentions nobody. Names inside block
    quotes only with `in_quotes` (they are linked, not notified)."""
    names = mention_names(text, in_quotes=in_quotes)[:20]
    found: dict[str, Member] = {}
    for name in names:
        candidates = list(
            Member.active.filter(display_name__iexact=name).order_by("user_id", "id")[:5]
        )
        with_login = [m for m in candidates if m.user_id is not None]
        pool = with_login or candidates
        if len(pool) == 1:
            found[name.lower()] = pool[0]
    return found


def render_with_mentions(text: str) -> tuple[str, dict[str, Member]]:
    """The post's HTML with every mention linked, and the people to notify: those
    mentioned outside block quotes (a quoted post's mentions were notified already)."""
    linked = resolve_mentions(text, in_quotes=True)
    html = render_markdown(
        text, {key: (m.pk, m.display_name or str(m)) for key, m in linked.items()}
    )
    outside = {name.lower() for name in mention_names(text, in_quotes=False)}
    return html, {key: m for key, m in linked.items() if key in outside}


def tags_for(names: list[str] | tuple[str, ...]) -> list[Tag]:
    """Tags by name, created on first use; at most 5, each at most 50 characters."""
    tags: dict[str, Tag] = {}
    for raw in names:
        name = " ".join(str(raw).split())[:50]
        slug = slugify(name)[:50]
        if not slug or slug in tags:
            continue
        tags[slug] = Tag.objects.get_or_create(slug=slug, defaults={"name": name})[0]
        if len(tags) == 5:
            break
    return list(tags.values())


def record(
    member: Member,
    kind: str,
    external_id: str,
    topic: Topic,
    *,
    target: Member | None = None,
    body: str = "",
    **extra: Any,
) -> None:
    """Record a member's action on `topic` in the activity stream.

    Member profiles show an activity's channel, title and body to every signed-in
    member, so an action on a board not every signed-in member can read (group,
    employees, or under such a parent) is recorded with none of them — no channel,
    title, body or link — and `properties` carry `{"board": <slug>, "restricted": true}`
    for the team's analytics (the API that shows properties is for community managers).
    On open boards the channel is the board slug.
    """
    is_open = board_is_open(topic.board)
    properties = dict(extra.pop("properties", None) or {})
    if not is_open:
        properties.update(board=topic.board.slug, restricted=True)
    record_activity(
        member,
        kind,
        external_id,
        source=SOURCE,
        channel=topic.board.slug if is_open else "",
        title=topic.title if is_open else "",
        url=topic.get_absolute_url() if is_open else "",
        body=body[:300] if is_open else "",
        conversation_id=f"topic:{topic.pk}",
        target_member=target if target is not None and target.pk != member.pk else None,
        properties=properties or None,
        **extra,
    )


def notify(
    recipient: Member,
    verb: NotificationVerb,
    topic: Topic,
    *,
    actor: Member | None,
    reply: Reply | None = None,
    detail: str = "",
) -> Notification | None:
    """Tell `recipient` about `topic`, unless they are the actor, have no login, or cannot
    read the topic (then they learn nothing about it). Email follows after commit, as the
    recipient prefers."""
    if actor is not None and recipient.pk == actor.pk:
        return None
    if recipient.user_id is None or recipient.merged_into_id is not None:
        return None
    if not can_see_topic(topic, recipient):
        return None
    notification = Notification.objects.create(
        recipient=recipient, verb=verb, topic=topic, reply=reply, actor=actor, detail=detail
    )
    email_after_commit([notification.pk])
    return notification


def notify_mentions(
    mentioned: dict[str, Member], topic: Topic, *, actor: Member, reply: Reply | None
) -> None:
    """A `mention` activity (target: the mentioned member) and a notice, once per post and person."""
    where = f"reply:{reply.pk}" if reply is not None else f"topic:{topic.pk}"
    for member in mentioned.values():
        if member.pk == actor.pk:
            continue
        already = Notification.objects.filter(
            recipient=member, verb=NotificationVerb.MENTION, topic=topic, reply=reply
        ).exists()
        record(actor, "mention", f"mention:{where}:{member.pk}", topic, target=member)
        if not already:
            notify(member, NotificationVerb.MENTION, topic, actor=actor, reply=reply)
