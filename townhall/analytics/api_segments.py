"""Segments under `/api/v1` (docs/segments.md, docs/api.md).

    GET  /segments                     every segment with its member count
    POST /segments                     create one from a definition (write token); evaluated now
    GET  /segments/{slug}              one segment with its definition
    GET  /segments/{slug}/members      its members, `limit` at a time, by id
    POST /segments/{slug}/evaluate     re-evaluate it now (write token)

Mounted by townhall.api behind the token authentication: people who manage members;
reads take a read token, writes a write token.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import HttpError

from townhall.accounts.permissions import member_for
from townhall.analytics.segments import evaluate_segment_now
from townhall.core.models import Member, Segment
from townhall.core.schemas import ErrorOut
from townhall.core.services.segments import create_segment

router = Router(tags=["segments"])
MAX_LIMIT = 1000


class SegmentOut(Schema):
    slug: str
    name: str
    description: str
    member_count: int = Field(description="Members at the last evaluation.")
    evaluated_at: datetime | None
    created_at: datetime
    updated_at: datetime


class SegmentDetailOut(SegmentOut):
    definition: dict[str, Any] = Field(description="The filter (docs/segments.md).")


class SegmentList(Schema):
    count: int
    results: list[SegmentOut]


class SegmentIn(Schema):
    name: str = Field(min_length=1, max_length=255)
    slug: str = Field(default="", max_length=64, description="Derived from the name when empty.")
    description: str = ""
    definition: dict[str, Any] = Field(description="The filter (docs/segments.md).")


class SegmentMemberOut(Schema):
    id: int
    name: str
    email: str
    organization: str | None
    is_employee: bool
    score: float | None
    level: str


class SegmentMemberPage(Schema):
    count: int
    next: str | None
    results: list[SegmentMemberOut]


class MembersQuery(Schema):
    limit: int = Field(default=100, ge=1, le=MAX_LIMIT)
    after: int = Field(
        default=0, ge=0, description="Return members with a larger id (keyset paging)."
    )


class EvaluatedOut(Schema):
    members: int
    added: int
    removed: int


_ERRORS = {401: ErrorOut, 403: ErrorOut}


def _segment_out(segment: Segment) -> dict[str, Any]:
    return {
        "slug": segment.slug,
        "name": segment.name,
        "description": segment.description,
        "member_count": segment.member_count,
        "evaluated_at": segment.evaluated_at,
        "created_at": segment.created_at,
        "updated_at": segment.updated_at,
        "definition": segment.definition,
    }


@router.get(
    "/segments",
    response={200: SegmentList, **_ERRORS},
    summary="List segments",
    operation_id="list_segments",
)
def list_segments(request: HttpRequest) -> dict[str, Any]:
    """Every segment, by name."""
    segments = [_segment_out(s) for s in Segment.objects.order_by("name")]
    return {"count": len(segments), "results": segments}


@router.post(
    "/segments",
    response={201: SegmentDetailOut, 400: ErrorOut, **_ERRORS},
    summary="Create a segment",
    operation_id="create_segment",
)
def post_segment(request: HttpRequest, body: SegmentIn) -> Status[dict[str, Any]]:
    """Save a segment and evaluate it; 400 says which part of the definition is wrong."""
    try:
        segment = create_segment(
            name=body.name,
            slug=body.slug,
            description=body.description,
            definition=body.definition,
            by=member_for(request.auth.user),  # type: ignore[attr-defined]
        )
    except ValidationError as error:
        raise HttpError(400, "; ".join(error.messages)) from None
    evaluate_segment_now(segment)
    segment.refresh_from_db()
    return Status(201, _segment_out(segment))


@router.get(
    "/segments/{slug}",
    response={200: SegmentDetailOut, 404: ErrorOut, **_ERRORS},
    summary="Get a segment",
    operation_id="get_segment",
)
def get_segment(request: HttpRequest, slug: str) -> dict[str, Any]:
    """One segment with its definition."""
    return _segment_out(get_object_or_404(Segment, slug=slug))


@router.get(
    "/segments/{slug}/members",
    response={200: SegmentMemberPage, 404: ErrorOut, **_ERRORS},
    summary="List a segment's members",
    operation_id="list_segment_members",
)
def list_segment_members(
    request: HttpRequest, slug: str, query: Query[MembersQuery]
) -> dict[str, Any]:
    """The segment's members by id, `limit` at a time; follow `next` for the rest."""
    segment = get_object_or_404(Segment, slug=slug)
    members = (
        Member.objects.filter(segment_memberships__segment=segment, pk__gt=query.after)
        .select_related("organization", "score")
        .order_by("pk")
    )
    page = list(members[: query.limit + 1])
    more = len(page) > query.limit
    page = page[: query.limit]
    results = []
    for member in page:
        score = getattr(member, "score", None)
        results.append(
            {
                "id": member.pk,
                "name": member.display_name,
                "email": member.primary_email,
                "organization": member.organization.name if member.organization else None,
                "is_employee": member.is_employee,
                "score": score.score if score else None,
                "level": score.level if score else "",
            }
        )
    next_url = None
    if more and page:
        next_url = request.build_absolute_uri(
            f"{request.path}?limit={query.limit}&after={page[-1].pk}"
        )
    return {"count": segment.member_count, "next": next_url, "results": results}


@router.post(
    "/segments/{slug}/evaluate",
    response={200: EvaluatedOut, 404: ErrorOut, **_ERRORS},
    summary="Re-evaluate a segment now",
    operation_id="evaluate_segment",
)
def evaluate(request: HttpRequest, slug: str) -> dict[str, Any]:
    """Evaluate the segment now and write its memberships (what changed is returned)."""
    segment = get_object_or_404(Segment, slug=slug)
    written = evaluate_segment_now(segment)
    return {"members": written.members, "added": written.added, "removed": written.removed}
