"""Exports: members with their identities, and activities in the import format.

Both stream: rows are read in chunks with their relations prefetched, so memory
stays flat however large the community is.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django.db.models import Prefetch, QuerySet

from townhall.core.models import Activity, Identity, Member, MemberChannelScore, MemberScore

CHUNK = 2000


def export_members(segment: str = "") -> QuerySet[Member]:
    """The members an export covers: every active member, or one segment's (by slug)."""
    members = Member.active.all()
    if segment:
        members = members.filter(segment_memberships__segment__slug=segment)
    return members


def member_rows(segment: str = "") -> Iterator[dict[str, Any]]:
    """One dict per active member (of `segment`, when given): id, name, email,
    organization, roles, identities, and scores.

    Scores are the last analysis' (`townhall analyze`): score, love, reach, level,
    is_superuser, trend, and `channels` (score and level on each source); empty without one.
    """
    identities = Prefetch(
        "identities",
        queryset=Identity.objects.select_related("source").order_by("source__slug", "external_id"),
    )
    channels = Prefetch("channel_scores", queryset=MemberChannelScore.objects.order_by("source"))
    members = (
        export_members(segment)
        .select_related("organization", "score")
        .prefetch_related(identities, channels)
        .order_by("id")
    )
    for member in members.iterator(chunk_size=CHUNK):
        try:
            score: MemberScore | None = member.score
        except MemberScore.DoesNotExist:
            score = None
        yield {
            "id": member.pk,
            "name": member.display_name,
            "email": member.primary_email,
            "organization": member.organization.name if member.organization else None,
            "role": member.role,
            "is_employee": member.is_employee,
            "is_bot": member.is_bot,
            "identities": [
                {
                    "source": identity.source.slug,
                    "external_id": identity.external_id,
                    "username": identity.username,
                    "email": identity.email,
                    "name": identity.name,
                }
                for identity in member.identities.all()
            ],
            "score": round(score.score, 2) if score else None,
            "love": round(score.love, 2) if score else None,
            "reach": round(score.reach, 2) if score else None,
            "level": score.level if score else "",
            "is_superuser": score.is_superuser if score else False,
            "trend": score.trend if score else "",
            "channels": [
                {
                    "source": channel.source,
                    "score": round(channel.score, 2),
                    "level": channel.level,
                    "is_superuser": channel.is_superuser,
                }
                for channel in member.channel_scores.all()
            ],
        }


def activity_rows() -> Iterator[dict[str, Any]]:
    """Every activity as an ActivityRecord mapping: an export can be imported again as is."""
    activities = Activity.objects.select_related(
        "source", "kind", "identity", "target_identity"
    ).order_by("id")
    for activity in activities.iterator(chunk_size=CHUNK):
        row: dict[str, Any] = {
            "source": activity.source.slug,
            "external_id": activity.external_id,
            "kind": activity.kind.slug,
            "occurred_at": activity.occurred_at.isoformat(),
            "actor": _person(activity.identity),
        }
        if activity.target_identity is not None:
            row["target"] = _person(activity.target_identity)
        for name, value in (
            ("channel", activity.channel),
            ("title", activity.title),
            ("url", activity.url),
            ("body", activity.body),
            ("conversation_id", activity.conversation_id),
            ("parent_id", activity.parent_external_id),
        ):
            if value:
                row[name] = value
        if activity.properties:
            row["properties"] = activity.properties
        yield row


def _person(identity: Identity) -> dict[str, Any]:
    person: dict[str, Any] = {}
    # Identities imported without an external id are keyed by email, else username;
    # write the external id only where the profile would not give back the same key.
    derived = f"email:{identity.email}" if identity.email else f"username:{identity.username}"
    if identity.external_id != derived:
        person["external_id"] = identity.external_id
    for name in ("username", "email", "name", "url", "avatar_url"):
        value = getattr(identity, name)
        if value:
            person[name] = value
    if identity.links:
        person["links"] = list(identity.links)
    if identity.is_bot:
        person["is_bot"] = True
    return person
