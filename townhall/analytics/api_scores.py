"""Scores and levels under `/api/v1` (docs/scoring.md, docs/api.md).

    GET /members/{id}/score       a member's score, love, reach, level, trend, "why", per source
    GET /scores/top               members best first, overall or on one source (?source=)
    GET /scores/levels            how many members hold each level (?source=)
    GET /scores/config            the published thresholds and knobs in use

Mounted by townhall.api behind the token authentication: read scope, people who manage
members. Values are what the last `townhall analyze` stored.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from townhall.analytics.score_selectors import level_counts, member_scores, ranked_scores
from townhall.analytics.scoring import scoring_config
from townhall.core.models import Member, MemberChannelScore
from townhall.core.schemas import ErrorOut

router = Router(tags=["scores"])


class ChannelScoreOut(Schema):
    source: str
    love: float
    reach: float
    score: float
    level: str
    pending_level: str = Field(description="A lower level waiting out the grace period, or ''.")
    is_superuser: bool


class MemberScoreOut(Schema):
    member_id: int
    name: str
    love: float = Field(description="The member's own decayed, weighted activity.")
    reach: float = Field(description="Interactions received plus audience.")
    score: float = Field(description="love + reach_weight × reach")
    level: str
    level_since: datetime | None
    pending_level: str
    pending_since: datetime | None
    is_superuser: bool
    trend: str = Field(description="rising, steady, fading, churn-risk or ''.")
    computed_at: datetime
    explanation: dict[str, Any] = Field(description="What counted most ('why this score').")
    channels: list[ChannelScoreOut]


class RankedOut(Schema):
    member_id: int
    name: str
    organization: str | None
    source: str | None = Field(description="The source ranked on; null for overall scores.")
    love: float
    reach: float
    score: float
    level: str
    is_superuser: bool


class RankedPage(Schema):
    count: int
    items: list[RankedOut]


class TopFilters(Schema):
    source: str = Field("", description="Rank on one source's scores; empty for overall.")
    level: str = Field("", description="Only members holding this level.")
    superusers: bool = Field(False, description="Only superusers.")
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0)


class LevelCount(Schema):
    level: str
    min_score: float
    members: int


class LevelsOut(Schema):
    source: str | None
    levels: list[LevelCount]


class ScoringConfigOut(Schema):
    half_life_days: float
    reach_weight: float
    audience_weight: float
    audience_days: int
    grace_days: int
    superuser_level: str
    levels: list[LevelCount]


def _channel_out(row: MemberChannelScore) -> dict[str, Any]:
    return {
        "source": row.source,
        "love": row.love,
        "reach": row.reach,
        "score": row.score,
        "level": row.level,
        "pending_level": row.pending_level,
        "is_superuser": row.is_superuser,
    }


@router.get(
    "/members/{member_id}/score",
    response={200: MemberScoreOut, 404: ErrorOut},
    summary="Get a member's score and levels",
    operation_id="get_member_score",
)
def get_member_score(request: HttpRequest, member_id: int) -> Any:
    """The member's overall score and level, its explanation, and per-source scores."""
    score, channels = member_scores(member_id)
    if score is None:
        if not Member.objects.filter(pk=member_id).exists():
            raise HttpError(404, "No member with this id.")
        raise HttpError(404, "No score yet for this member: run `townhall analyze`.")
    explanation = score.explanation
    if isinstance(explanation, str):  # stored as JSON text by the bulk writer
        explanation = json.loads(explanation)
    return {
        "member_id": member_id,
        "name": score.member.display_name,
        "love": score.love,
        "reach": score.reach,
        "score": score.score,
        "level": score.level,
        "level_since": score.level_since,
        "pending_level": score.pending_level,
        "pending_since": score.pending_since,
        "is_superuser": score.is_superuser,
        "trend": score.trend,
        "computed_at": score.computed_at,
        "explanation": explanation,
        "channels": [_channel_out(row) for row in channels],
    }


@router.get(
    "/scores/top",
    response={200: RankedPage},
    summary="Top members by score",
    operation_id="list_top_members",
)
def list_top_members(request: HttpRequest, filters: Query[TopFilters]) -> dict[str, Any]:
    """Members best first, overall or on one source, optionally one level or superusers."""
    rows = ranked_scores(source=filters.source, level=filters.level, superusers=filters.superusers)
    count = rows.count()
    page = list(rows[filters.offset : filters.offset + filters.limit])
    items = []
    for row in page:
        member = row.member
        items.append(
            {
                "member_id": member.pk,
                "name": member.display_name,
                "organization": member.organization.name if member.organization else None,
                "source": filters.source or None,
                "love": row.love,
                "reach": row.reach,
                "score": row.score,
                "level": row.level,
                "is_superuser": row.is_superuser,
            }
        )
    return {"count": count, "items": items}


@router.get(
    "/scores/levels",
    response={200: LevelsOut},
    summary="Members per level",
    operation_id="count_levels",
)
def count_levels(request: HttpRequest, source: str = "") -> dict[str, Any]:
    """How many members hold each level (lowest first), overall or on one source."""
    counts = level_counts(source=source)
    return {
        "source": source or None,
        "levels": [
            {"level": name, "min_score": minimum, "members": counts.get(name, 0)}
            for name, minimum in scoring_config().levels
        ],
    }


@router.get(
    "/scores/config",
    response={200: ScoringConfigOut},
    summary="Scoring settings in use",
    operation_id="get_scoring_config",
)
def get_scoring_config(request: HttpRequest) -> dict[str, Any]:
    """The published level thresholds and the knobs of the score formula."""
    config = scoring_config()
    return {
        "half_life_days": config.half_life_days,
        "reach_weight": config.reach_weight,
        "audience_weight": config.audience_weight,
        "audience_days": config.audience_days,
        "grace_days": config.grace_days,
        "superuser_level": config.superuser_level,
        "levels": [
            {"level": name, "min_score": minimum, "members": 0} for name, minimum in config.levels
        ],
    }
