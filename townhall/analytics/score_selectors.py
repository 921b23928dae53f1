"""Read-side queries over stored scores, shared by the leaderboard page and the API.

Scores are read from MemberScore / MemberChannelScore (written by the scores stage),
never recomputed on a request. Each function runs a fixed number of queries.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from townhall.core.models import MemberChannelScore, MemberScore


def ranked_scores(*, source: str = "", level: str = "", superusers: bool = False) -> QuerySet[Any]:
    """Scores best first: overall (MemberScore) or on one source (MemberChannelScore).

    Merged-away members are left out; ties go to the lower member id, so pages are stable.
    """
    rows: QuerySet[Any] = (
        MemberChannelScore.objects.filter(source=source) if source else MemberScore.objects.all()
    )
    rows = rows.filter(member__merged_into__isnull=True)
    if level:
        rows = rows.filter(level=level)
    if superusers:
        rows = rows.filter(is_superuser=True)
    return rows.select_related("member", "member__organization").order_by("-score", "member_id")


def level_counts(*, source: str = "") -> dict[str, int]:
    """How many members hold each level, overall or on one source (one query)."""
    rows: QuerySet[Any] = (
        MemberChannelScore.objects.filter(source=source) if source else MemberScore.objects.all()
    )
    return dict(
        rows.filter(member__merged_into__isnull=True)
        .values_list("level")
        .annotate(n=Count("pk"))
        .order_by()
    )


def scored_sources() -> list[str]:
    """Sources with per-source scores, alphabetically (one query)."""
    return list(
        MemberChannelScore.objects.values_list("source", flat=True).distinct().order_by("source")
    )


def member_scores(member_id: int) -> tuple[MemberScore | None, list[MemberChannelScore]]:
    """A member's overall score row (or None) and per-source rows, best first (two queries)."""
    score = MemberScore.objects.filter(member_id=member_id).first()
    channels = list(
        MemberChannelScore.objects.filter(member_id=member_id).order_by("-score", "source")
    )
    return score, channels
