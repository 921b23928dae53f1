"""`record_activity()`: how native places (the community space, events) add to the stream.

Native places already know the Member; they call this inside their own transaction,
so the activity lands or rolls back with the action that caused it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from townhall.core.models import (
    BODY_EXCERPT_MAX,
    Activity,
    ActivityKind,
    Identity,
    Member,
    Source,
)
from townhall.core.records import SLUG_RE, InvalidRecord

NATIVE_SOURCE = "community"


def native_source() -> Source:
    source, _ = Source.objects.get_or_create(
        slug=NATIVE_SOURCE, defaults={"name": "Community space", "connector": "native"}
    )
    return source


def native_identity(member: Member) -> Identity:
    """The member's account in the native community space, created on first use."""
    identity, _ = Identity.objects.get_or_create(
        source=native_source(),
        external_id=f"member:{member.pk}",
        defaults={
            "member": member,
            "name": member.display_name,
            "email": member.primary_email,
            "is_bot": member.is_bot,
        },
    )
    return identity


def ensure_native_member(user: User, *, name: str = "") -> Member:
    """The Member behind a login, created with its native identity if the login is new."""
    member = Member.objects.filter(user=user).first()
    if member is None:
        email = (getattr(user, "email", "") or "").lower()
        member = Member.objects.create(
            user=user, display_name=name or email.split("@")[0], primary_email=email
        )
    native_identity(member)
    return member


def kind_for(slug: str) -> ActivityKind:
    """The ActivityKind for a slug, registered with a neutral weight if new."""
    kind, _ = ActivityKind.objects.get_or_create(
        slug=slug, defaults={"name": slug.replace("_", " ")}
    )
    return kind


def record_activity(
    member: Member,
    kind: str,
    external_id: str,
    *,
    occurred_at: datetime | None = None,
    source: str = NATIVE_SOURCE,
    channel: str = "",
    title: str = "",
    url: str = "",
    body: str = "",
    conversation_id: str = "",
    parent_id: str = "",
    target_member: Member | None = None,
    properties: dict[str, Any] | None = None,
) -> Activity:
    """Record that `member` did `kind`; idempotent on (source, external_id).

    Runs in the caller's transaction (a savepoint inside it), so a rolled-back action
    leaves no activity behind. Returns the stored activity (the earlier one if the same
    external id was already recorded).
    """
    if not SLUG_RE.match(kind):
        raise InvalidRecord(f"`kind` {kind!r} must be a lower-case slug")
    occurred_at = occurred_at or timezone.now()
    if timezone.is_naive(occurred_at):
        raise InvalidRecord("`occurred_at` must be timezone-aware")
    with transaction.atomic():
        source_row = (
            native_source()
            if source == NATIVE_SOURCE
            else Source.objects.get_or_create(slug=source)[0]
        )
        identity = native_identity(member)
        target_identity = native_identity(target_member) if target_member else None
        activity, _ = Activity.objects.get_or_create(
            source=source_row,
            external_id=external_id,
            defaults={
                "kind": kind_for(kind),
                "occurred_at": occurred_at,
                "member": identity.member,
                "identity": identity,
                "channel": channel,
                "title": title[:500],
                "url": url,
                "body": body[:BODY_EXCERPT_MAX],
                "conversation_id": conversation_id,
                "parent_external_id": parent_id,
                "target_identity": target_identity,
                "target_member": target_identity.member if target_identity else None,
                "properties": properties or {},
            },
        )
    return activity


def rewrite_activities(
    source: str,
    *,
    external_ids: list[str] | None = None,
    url: str = "",
    title: str | None = None,
    body: str | None = None,
) -> int:
    """Change the title and/or body recorded for some of a source's activities — those
    with the given external ids, or (with `url`) every one that links to that page.

    For the app that recorded them: content taken down by moderation is blanked in the
    activity stream (timelines, the API, exports), and written back when restored. The
    activities themselves stay: what people did still happened. Returns how many changed.
    """
    if external_ids is None and not url:
        raise ValueError("Say which activities: external_ids or url.")
    values: dict[str, str] = {}
    if title is not None:
        values["title"] = title[:500]
    if body is not None:
        values["body"] = body[:BODY_EXCERPT_MAX]
    if not values:
        return 0
    rows = Activity.objects.filter(source__slug=source)
    rows = (
        rows.filter(external_id__in=external_ids)
        if external_ids is not None
        else rows.filter(url=url)
    )
    return rows.update(**values)
