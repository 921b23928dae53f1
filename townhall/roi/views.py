"""The ROI report pages: overview, sales, retention, support — from the stored report."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from townhall.core.models import Member, Role
from townhall.roi.report import EVIDENCE, TOPICS, charts_for, load_report


def can_see_roi(member: Member | None) -> bool:
    """Community managers and admins see what the community is worth."""
    if member is None:
        return False
    return member.has_role(Role.COMMUNITY_MANAGER) or bool(member.user and member.user.is_superuser)


def _check(request: HttpRequest) -> None:
    if not request.user.is_authenticated:
        raise PermissionDenied("Sign in to see the ROI report.")
    member = Member.objects.filter(user=request.user).select_related("user").first()
    if not can_see_roi(member) and not request.user.is_superuser:
        raise PermissionDenied("Only community managers and admins see the ROI report.")


def report_context(report: dict | None, topic: str | None) -> dict:
    """What the report templates need (shared with the HTML export)."""
    if report is None:
        return {"report": None, "topics": TOPICS, "topic": topic}
    topics = [topic] if topic else list(TOPICS)
    sections = [
        {
            "key": key,
            "title": TOPICS[key],
            "findings": [f for f in report["findings"] if f["topic"] == key],
            "charts": [
                {"id": f"chart-{key}-{n}", "spec": spec}
                for n, spec in enumerate(charts_for(report, key), start=1)
            ],
        }
        for key in topics
    ]
    cohorts = [
        {"deal": deal, "renewal": renewal, "ticket": ticket}
        for deal, renewal, ticket in zip(
            report["outcomes"]["deals"],
            report["outcomes"]["renewals"],
            report["outcomes"]["tickets"],
            strict=False,
        )
    ]
    return {
        "report": report,
        "sections": sections,
        "topics": TOPICS,
        "topic": topic,
        "evidence": EVIDENCE,
        "cohorts": cohorts,
        "chart_specs": [chart for section in sections for chart in section["charts"]],
        "title": TOPICS[topic] if topic else "What the community is worth",
    }


@login_required
def overview(request: HttpRequest, topic: str | None = None) -> HttpResponse:
    _check(request)
    if topic is not None and topic not in TOPICS:
        raise Http404("No such part of the report")
    context = report_context(load_report(), topic)
    return render(request, "roi/report.html", {**context, "nav": "roi", "export": False})
