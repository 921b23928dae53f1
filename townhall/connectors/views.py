"""The Sources page: every connector, every connection's last sync, recent import runs."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from townhall.connectors import registry
from townhall.connectors.models import Connection
from townhall.connectors.services import capabilities_of
from townhall.core.models import ImportRun, Member, Role


def _check_team(request: HttpRequest) -> None:
    if not request.user.is_authenticated:
        raise PermissionDenied("Sign in to see the sources.")
    member = Member.objects.filter(user=request.user).first()
    if not (request.user.is_superuser or (member and member.has_role(Role.COMMUNITY_MANAGER))):
        raise PermissionDenied("The sources page is for community managers and admins.")


@login_required
def sources(request: HttpRequest) -> HttpResponse:
    _check_team(request)
    connections = list(Connection.objects.all())
    last_runs = {}
    for run in ImportRun.objects.filter(origin__in=[c.origin for c in connections]).order_by(
        "origin", "-id"
    ):
        last_runs.setdefault(run.origin, run)
    rows = [{"connection": c, "run": last_runs.get(c.origin)} for c in connections]
    connectors = [
        {
            "name": s.name,
            "label": s.label,
            "slug": s.default_source,
            "capabilities": capabilities_of(s),
            "summary": (s.__doc__ or s.label).strip().splitlines()[0],
        }
        for s in registry.all_sources()
    ]
    runs = ImportRun.objects.order_by("-started_at", "-id")[:50]
    context = {"connections": rows, "connectors": connectors, "runs": runs, "nav": "sources"}
    return render(request, "connectors/sources.html", context)
