"""The levels page: members ranked by engagement score, overall or per source (managers only).

/analytics/members/ lists members best first with their level, love, reach and trend; a
tab per source ranks on that source's scores; filters narrow to one level or to
superusers. Everything is read from the stored scores (no analysis on a request).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from townhall.accounts.permissions import can_manage_members
from townhall.analytics.score_selectors import level_counts, ranked_scores, scored_sources
from townhall.analytics.scoring import scoring_config

PAGE_SIZE = 50


@require_GET
@login_required
def levels_page(request: HttpRequest) -> HttpResponse:
    """Members ranked by score with level counts; per-source tabs; level and superuser filters."""
    if not can_manage_members(request.user):
        raise PermissionDenied("The levels page is for community managers and admins.")
    config = scoring_config()
    sources = scored_sources()
    source = request.GET.get("source", "").strip()[:64]
    source = source if source in sources else ""
    level = request.GET.get("level", "").strip()[:32]
    level = level if level in config.level_names else ""
    superusers = request.GET.get("superusers") == "1"
    rows = ranked_scores(source=source, level=level, superusers=superusers)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    counts = level_counts(source=source)
    total = sum(counts.values())
    context: dict[str, Any] = {
        "nav": "levels",
        "page": page,
        "rank_offset": page.start_index() - 1 if page.paginator.count else 0,
        "source": source,
        "sources": sources,
        "level": level,
        "superusers": superusers,
        "levels": [
            {
                "name": name,
                "min_score": minimum,
                "members": counts.get(name, 0),
                "share": round(100 * counts.get(name, 0) / total) if total else 0,
            }
            for name, minimum in reversed(config.levels)
        ],
        "superuser_level": config.superuser_level,
        "grace_days": config.grace_days,
        "half_life_days": config.half_life_days,
    }
    return render(request, "analytics/members.html", context)


urlpatterns = [path("members/", levels_page, name="levels")]
