"""The community-health dashboard (/analytics/) and its datasets as CSV.

The page reads the datasets the `health` stage stored (townhall/analytics/health.py): no
query waits on the analytics engine. Each chart is a Vega-Lite spec (charts.py) drawn by
vega-embed from static/vendor, with a CSV link, an SVG download button and the same
numbers in a table below it, so the page says everything without JavaScript too.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from townhall.accounts.permissions import can_manage_members
from townhall.analytics.charts import CHARTS, TABLE_COLUMNS
from townhall.analytics.health import DATASETS, Dataset, read_dataset
from townhall.analytics.pipelines.health import ALL_SOURCES


@dataclass(frozen=True)
class Headline:
    label: str
    value: str
    detail: str = ""


def _require_manager(request: HttpRequest) -> None:
    if not can_manage_members(request.user):
        raise PermissionDenied("The analytics dashboard is for community managers and admins.")


@require_GET
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Headline figures, then one chart per health dataset with its table and downloads."""
    _require_manager(request)
    datasets = {name: read_dataset(name) for name in DATASETS}
    charts = [
        {
            "id": chart.id,
            "title": chart.title,
            "description": chart.description,
            "dataset": chart.dataset,
            "spec": chart.spec(datasets[chart.dataset]),
            "spec_id": f"spec-{chart.id}",
            "headers": [header for _, header in TABLE_COLUMNS[chart.id]],
            "rows": [
                [_cell(column, row.get(column)) for column, _ in TABLE_COLUMNS[chart.id]]
                for row in datasets[chart.dataset].rows
            ],
        }
        for chart in CHARTS
    ]
    as_of = max((d.as_of for d in datasets.values() if d.as_of is not None), default=None)
    context: dict[str, Any] = {
        "nav": "analytics",
        "as_of": as_of,
        "headlines": headlines(datasets),
        "charts": charts,
    }
    return render(request, "analytics/dashboard.html", context)


@require_GET
@login_required
def dataset_csv(request: HttpRequest, name: str) -> HttpResponse:
    """One stored dataset as CSV (every column, as stored)."""
    _require_manager(request)
    if name not in DATASETS:
        raise Http404("No such dataset.")
    dataset = read_dataset(name)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="townhall-{name}.csv"'
    writer = csv.writer(response)
    writer.writerow(dataset.columns)
    for row in dataset.rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in dataset.columns])
    return response


def headlines(datasets: dict[str, Dataset]) -> list[Headline]:
    """The big numbers: active members this month vs last, new members, solved rate."""
    monthly = sorted(
        (r["period"], r["members"])
        for r in datasets["active_members"].rows
        if r["grain"] == "month" and r["source"] == ALL_SOURCES
    )
    out: list[Headline] = []
    this_month = _this_month(datasets)
    if this_month is None:
        return out
    by_month = dict(monthly)
    current = int(by_month.get(this_month.isoformat(), 0))
    previous = int(by_month.get(_previous_month(this_month).isoformat(), 0))
    change = current - previous
    out.append(
        Headline(
            "Active members this month",
            f"{current:,}",
            f"{'+' if change >= 0 else '−'}{abs(change):,} on last month ({previous:,})",
        )
    )
    new = {r["month"]: r for r in datasets["new_returning"].rows}.get(this_month.isoformat())
    out.append(
        Headline(
            "New members this month",
            f"{int(new['new']) if new else 0:,}",
            f"{int(new['returning']) if new else 0:,} returning",
        )
    )
    # Solved rate over the last three months: one month alone is often a handful of questions.
    recent = {
        m.isoformat()
        for m in (
            this_month,
            _previous_month(this_month),
            _previous_month(_previous_month(this_month)),
        )
    }
    questions = [r for r in datasets["community_response"].rows if r["month"] in recent]
    asked = sum(int(r["questions"]) for r in questions)
    solved = sum(int(r["solved"]) for r in questions)
    out.append(
        Headline(
            "Questions solved (3 months)",
            f"{solved / asked:.0%}" if asked else "—",
            f"{solved:,} of {asked:,} community questions",
        )
    )
    return out


def _this_month(datasets: dict[str, Dataset]) -> date | None:
    as_of = max((d.as_of for d in datasets.values() if d.as_of is not None), default=None)
    return None if as_of is None else as_of.date().replace(day=1)


def _previous_month(month: date) -> date:
    return (month.replace(day=1) - timedelta(days=1)).replace(day=1)


def _cell(column: str, value: Any) -> str:
    """A table cell: shares as percentages, hours and love to one decimal, empty for none."""
    if value is None:
        return "—"
    if column in ("share", "solved_rate"):
        return f"{float(value):.0%}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


urlpatterns = [
    path("", dashboard, name="dashboard"),
    path("data/<slug:name>.csv", dataset_csv, name="dataset_csv"),
]
