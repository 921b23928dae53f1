"""The self-service signal: a member writing a question opens a suggested similar
question, then leaves without posting — the community answered them before they asked.

The new-question form carries a signed draft token. Opening a suggestion from it creates
(or extends) a DraftSession that expires `COMMUNITY_DEFLECTION_WINDOW_MINUTES` after the
latest open; posting a question closes it. `record_deflections` (a periodic task and
`townhall community deflections`) records each expired draft once as a `self-served`
activity whose target is the author of the suggestion opened last.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from townhall.community.models import (
    Board,
    DraftSession,
    DraftState,
    SuggestionOpen,
    Topic,
    TopicKind,
)
from townhall.community.services._common import active_member, record, require_visible
from townhall.core.models import Member

SALT = "townhall.community.draft"
DRAFT_BATCH = 500


def deflection_window() -> timedelta:
    return timedelta(minutes=settings.COMMUNITY_DEFLECTION_WINDOW_MINUTES)


def new_draft_token(member: Member) -> str:
    """A token for one new-question form, signed for `member` (nobody else can use it)."""
    return signing.dumps([member.pk, uuid.uuid4().hex], salt=SALT, compress=False)


def draft_id(token: str, member: Member) -> str | None:
    """The draft's id inside a token signed for `member`; None for anything else."""
    try:
        member_id, key = signing.loads(token or "", salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return str(key)[:40] if member_id == member.pk else None


@transaction.atomic
def open_suggestion(
    token: str,
    suggestion: Topic,
    *,
    by: Member,
    board: Board | None = None,
    now: datetime | None = None,
) -> DraftSession | None:
    """Note that the member opened `suggestion` from the draft `token`; the draft now
    expires one window after this open. Returns None (and changes nothing) for a token
    that is not theirs, a draft already closed, or a topic that is not a question."""
    by = active_member(by)
    key = draft_id(token, by)
    if key is None:
        return None
    require_visible(suggestion, by)
    if suggestion.kind != TopicKind.QUESTION:
        return None
    now = now or timezone.now()
    draft, _ = DraftSession.objects.select_for_update().get_or_create(
        token=key,
        defaults={"member": by, "board": board, "created_at": now, "expires_at": now},
    )
    if draft.state != DraftState.OPEN:
        return None
    SuggestionOpen.objects.update_or_create(
        draft=draft, topic=suggestion, defaults={"opened_at": now}
    )
    draft.expires_at = now + deflection_window()
    draft.save(update_fields=["expires_at"])
    return draft


@transaction.atomic
def close_draft(token: str, *, by: Member, topic: Topic, now: datetime | None = None) -> bool:
    """The member posted from the draft: it was not a deflection. True if a draft closed."""
    key = draft_id(token, by)
    if key is None:
        return False
    return bool(
        DraftSession.objects.filter(token=key, member=by, state=DraftState.OPEN).update(
            state=DraftState.POSTED, posted_topic=topic, resolved_at=now or timezone.now()
        )
    )


def _resolve(draft_pk: int, now: datetime) -> str:
    with transaction.atomic():
        draft = (
            DraftSession.objects.select_for_update(of=("self",))
            .select_related("member")
            .get(pk=draft_pk)
        )
        if draft.state != DraftState.OPEN or draft.expires_at > now:
            return ""
        posted = (
            Topic.objects.filter(
                author=draft.member,
                kind=TopicKind.QUESTION,
                created_at__gte=draft.created_at,
                created_at__lte=draft.expires_at,
            )
            .order_by("created_at")
            .first()
        )
        draft.resolved_at = now
        if posted is not None:  # posted from another form or tab
            draft.state, draft.posted_topic = DraftState.POSTED, posted
            draft.save(update_fields=["state", "posted_topic", "resolved_at"])
            return "posted"
        opens = list(draft.opens.order_by("-opened_at", "-id").values_list("topic_id", "opened_at"))
        draft.state = DraftState.SELF_SERVED
        draft.save(update_fields=["state", "resolved_at"])
        if not opens:
            return "empty"
        last = (
            Topic.objects.select_related("board", "board__parent", "author")
            .filter(pk=opens[0][0])
            .first()
        )
        if last is None:
            return "empty"
        record(
            draft.member,
            "self-served",
            f"self-served:{draft.token}",
            last,
            target=last.author,
            occurred_at=opens[0][1],
            properties={"opened": [topic_id for topic_id, _ in opens]},
        )
        return "self_served"


def record_deflections(*, now: datetime | None = None, limit: int = DRAFT_BATCH) -> dict[str, int]:
    """Close every draft whose window has passed: `self_served` (one `self-served`
    activity, `self-served:<draft>`, target: the last opened question's author) unless
    the member posted a question in the meantime. Safe to run twice and concurrently."""
    now = now or timezone.now()
    counts = {"self_served": 0, "posted": 0, "empty": 0}
    due = DraftSession.objects.filter(state=DraftState.OPEN, expires_at__lte=now).order_by(
        "expires_at", "id"
    )
    for pk in list(due.values_list("pk", flat=True)[:limit]):
        outcome = _resolve(pk, now)
        if outcome:
            counts[outcome] += 1
    return counts
