"""ROI endpoints: the stored report (`townhall roi report` computes it)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.errors import HttpError

from townhall.roi.report import load_report

router = Router(tags=["roi"])


@router.get(
    "/roi/report",
    summary="The ROI report: findings with their evidence level, outcomes per cohort",
)
def get_report(request: HttpRequest) -> dict[str, Any]:
    report = load_report()
    if report is None:
        raise HttpError(
            404, "No ROI report yet: run `townhall roi report` after importing CRM data."
        )
    return report


@router.get("/roi/findings", summary="The findings only, optionally of one topic")
def get_findings(request: HttpRequest, topic: str | None = None) -> list[dict[str, Any]]:
    report = load_report()
    if report is None:
        raise HttpError(
            404, "No ROI report yet: run `townhall roi report` after importing CRM data."
        )
    return [f for f in report["findings"] if topic is None or f["topic"] == topic]
