"""Reads for the review pages: a suggestion's two people, side by side."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Min, QuerySet

from townhall.core.models import Activity, Identity, Member
from townhall.identity.models import MergeSuggestion


@dataclass(frozen=True)
class Side:
    member: Member
    identities: list[Identity]
    activities: int
    first_seen: datetime | None
    last_seen: datetime | None
    sources: dict[str, int]


def pending_suggestions() -> QuerySet[MergeSuggestion]:
    return MergeSuggestion.objects.filter(status=MergeSuggestion.Status.PENDING).select_related(
        "member_low__organization", "member_high__organization"
    )


def side_of(member: Member) -> Side:
    identities = list(
        Identity.objects.filter(member=member).select_related("source").order_by("source__slug")
    )
    activities = Activity.objects.filter(member=member)
    span = activities.aggregate(first=Min("occurred_at"), last=Max("occurred_at"), n=Count("id"))
    sources = dict(
        activities.values_list("source__slug")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("source__slug", "n")
    )
    return Side(member, identities, span["n"], span["first"], span["last"], sources)
