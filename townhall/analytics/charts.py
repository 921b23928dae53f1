"""The dashboard's charts as Vega-Lite specs, built with Altair from the stored datasets.

Each chart names the dataset it draws (so the page links its CSV), has a title that says
what it shows and labelled axes (docs/dashboard.md). Specs embed their rows: the
datasets are small, and a chart then needs no second request. vega-embed, served from
static/vendor, draws them in the browser.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import altair as alt

from townhall.analytics.health import Dataset
from townhall.analytics.pipelines.health import ALL_SOURCES

WIDTH = "container"
HEIGHT = 260


@dataclass(frozen=True)
class Chart:
    """One chart on the dashboard: a stable id, its dataset, a title and a spec builder."""

    id: str
    dataset: str
    title: str
    description: str
    build: Callable[[Dataset], alt.TopLevelMixin]

    def spec(self, dataset: Dataset) -> dict[str, Any]:
        """The Vega-Lite spec (a plain dict, validated by Altair against the schema)."""
        chart = self.build(dataset)
        spec: dict[str, Any] = chart.to_dict()
        return spec


def _data(dataset: Dataset) -> alt.Data:
    return alt.Data(values=dataset.rows)


def _active_members(dataset: Dataset) -> alt.TopLevelMixin:
    grain = alt.param(
        name="grain",
        value="month",
        bind=alt.binding_select(options=["day", "week", "month"], name="Period "),
    )
    return (
        alt.Chart(_data(dataset))
        .mark_line(point=True)
        .encode(
            x=alt.X("period:T", title="Period", scale=alt.Scale(type="utc")),
            y=alt.Y("members:Q", title="Active members"),
            color=alt.Color("source:N", title="Source"),
            tooltip=[
                alt.Tooltip("period:T", title="Period", format="%Y-%m-%d", formatType="utc"),
                alt.Tooltip("source:N", title="Source"),
                alt.Tooltip("members:Q", title="Active members"),
            ],
        )
        .add_params(grain)
        .transform_filter(alt.datum.grain == grain)
        .properties(width=WIDTH, height=HEIGHT, title="Active members per period and source")
    )


def _new_returning(dataset: Dataset) -> alt.TopLevelMixin:
    return (
        alt.Chart(_data(dataset))
        .transform_fold(["new", "returning"], as_=["kind", "count"])
        .mark_bar()
        .encode(
            x=alt.X("utcyearmonth(month):O", title="Month"),
            y=alt.Y("count:Q", title="Active members", stack="zero"),
            color=alt.Color("kind:N", title="Members", sort=["new", "returning"]),
            tooltip=[
                alt.Tooltip("utcyearmonth(month):T", title="Month"),
                alt.Tooltip("kind:N", title="Members"),
                alt.Tooltip("count:Q", title="Count"),
            ],
        )
        .properties(width=WIDTH, height=HEIGHT, title="New and returning members per month")
    )


def _retention(dataset: Dataset) -> alt.TopLevelMixin:
    # Cells only: percentage labels crowd two years of cohorts; the tooltip and the
    # table under the chart carry the exact numbers.
    return (
        alt.Chart(_data(dataset))
        .mark_rect()
        .encode(
            x=alt.X("age:O", title="Months since joining"),
            y=alt.Y("utcyearmonth(cohort):O", title="Join month (cohort)"),
            color=alt.Color(
                "share:Q", title="Share active", scale=alt.Scale(domain=[0, 1], scheme="blues")
            ),
            tooltip=[
                alt.Tooltip("utcyearmonth(cohort):O", title="Cohort"),
                alt.Tooltip("age:O", title="Months since joining"),
                alt.Tooltip("active:Q", title="Active"),
                alt.Tooltip("cohort_size:Q", title="Cohort size"),
                alt.Tooltip("share:Q", title="Share", format=".0%"),
            ],
        )
        .properties(width=WIDTH, title="Share of each join-month cohort active k months later")
    )


def _response_time(dataset: Dataset) -> alt.TopLevelMixin:
    return (
        alt.Chart(_data(dataset))
        .mark_line(point=True)
        .encode(
            x=alt.X("utcyearmonth(month):T", title="Month asked"),
            y=alt.Y("median_hours:Q", title="Median hours to first reply"),
            tooltip=[
                alt.Tooltip("utcyearmonth(month):T", title="Month"),
                alt.Tooltip("questions:Q", title="Questions"),
                alt.Tooltip("answered:Q", title="Answered"),
                alt.Tooltip("median_hours:Q", title="Median hours", format=".1f"),
                alt.Tooltip("mean_hours:Q", title="Mean hours", format=".1f"),
            ],
        )
        .properties(
            width=WIDTH, height=HEIGHT, title="Median time to a first reply on community questions"
        )
    )


def _solved_rate(dataset: Dataset) -> alt.TopLevelMixin:
    return (
        alt.Chart(_data(dataset))
        .mark_bar()
        .encode(
            x=alt.X("utcyearmonth(month):O", title="Month asked"),
            y=alt.Y(
                "solved_rate:Q",
                title="Questions solved",
                axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1]),
            ),
            tooltip=[
                alt.Tooltip("utcyearmonth(month):T", title="Month"),
                alt.Tooltip("questions:Q", title="Questions"),
                alt.Tooltip("solved:Q", title="Solved"),
                alt.Tooltip("solved_rate:Q", title="Solved rate", format=".0%"),
            ],
        )
        .properties(width=WIDTH, height=HEIGHT, title="Share of community questions solved")
    )


def _top_contributors(dataset: Dataset) -> alt.TopLevelMixin:
    sources = sorted({str(row["source"]) for row in dataset.rows}) or [""]
    source = alt.param(
        name="source",
        value=sources[0],
        bind=alt.binding_select(options=sources, name="Source "),
    )
    return (
        alt.Chart(_data(dataset))
        .mark_bar()
        .encode(
            y=alt.Y("display_name:N", title="Member", sort="-x"),
            x=alt.X("love:Q", title="Love (decayed, weighted activity)"),
            tooltip=[
                alt.Tooltip("rank:Q", title="Rank"),
                alt.Tooltip("display_name:N", title="Member"),
                alt.Tooltip("love:Q", title="Love", format=".1f"),
                alt.Tooltip("activities:Q", title="Activities"),
            ],
        )
        .add_params(source)
        .transform_filter(alt.datum.source == source)
        .properties(width=WIDTH, height=HEIGHT, title="Top contributors on a source")
    )


def _level_distribution(dataset: Dataset) -> alt.TopLevelMixin:
    levels = [
        row["level"]
        for row in sorted(
            {(r["level_rank"], r["level"]): r for r in dataset.rows}.values(),
            key=lambda r: r["level_rank"],
        )
    ]
    return (
        alt.Chart(_data(dataset))
        .mark_bar()
        .encode(
            x=alt.X("utcyearmonth(month):O", title="Month"),
            y=alt.Y("members:Q", title="Members", stack="zero"),
            color=alt.Color("level:N", title="Level", sort=levels),
            order=alt.Order("level_rank:Q"),
            tooltip=[
                alt.Tooltip("utcyearmonth(month):T", title="Month"),
                alt.Tooltip("level:N", title="Level"),
                alt.Tooltip("members:Q", title="Members"),
            ],
        )
        .properties(width=WIDTH, height=HEIGHT, title="Members per level at each month's end")
    )


CHARTS: list[Chart] = [
    Chart(
        "active-members",
        "active_members",
        "Active members",
        "Distinct members with at least one activity, per source and over all sources.",
        _active_members,
    ),
    Chart(
        "new-returning",
        "new_returning",
        "New and returning members",
        "New: their first activity ever was that month.",
        _new_returning,
    ),
    Chart(
        "retention",
        "retention",
        "Retention by cohort",
        "Each row is the members who joined in one month; each cell the share of them "
        "active k months later.",
        _retention,
    ),
    Chart(
        "response-time",
        "community_response",
        "Response time",
        "Hours from a question on the community space to its first reply by someone else.",
        _response_time,
    ),
    Chart(
        "solved-rate",
        "community_response",
        "Solved rate",
        "Share of the month's community questions with an accepted solution.",
        _solved_rate,
    ),
    Chart(
        "top-contributors",
        "top_contributors",
        "Top contributors per source",
        "The ten members with the most love on each source (docs/scoring.md).",
        _top_contributors,
    ),
    Chart(
        "levels",
        "level_distribution",
        "Level distribution over time",
        "Members per level, from the score each had at the end of the month.",
        _level_distribution,
    ),
]

# Columns shown in each chart's table (its accessible twin), in order, with headers.
TABLE_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "active-members": [
        ("grain", "Period"),
        ("period", "Starting"),
        ("source", "Source"),
        ("members", "Active members"),
    ],
    "new-returning": [
        ("month", "Month"),
        ("active", "Active"),
        ("new", "New"),
        ("returning", "Returning"),
    ],
    "retention": [
        ("cohort", "Cohort"),
        ("age", "Months since joining"),
        ("cohort_size", "Cohort size"),
        ("active", "Active"),
        ("share", "Share"),
    ],
    "response-time": [
        ("month", "Month asked"),
        ("questions", "Questions"),
        ("answered", "Answered"),
        ("median_hours", "Median hours"),
        ("mean_hours", "Mean hours"),
    ],
    "solved-rate": [
        ("month", "Month asked"),
        ("questions", "Questions"),
        ("solved", "Solved"),
        ("solved_rate", "Solved rate"),
    ],
    "top-contributors": [
        ("source", "Source"),
        ("rank", "Rank"),
        ("display_name", "Member"),
        ("love", "Love"),
        ("activities", "Activities"),
    ],
    "levels": [("month", "Month"), ("level", "Level"), ("members", "Members")],
}

__all__ = ["ALL_SOURCES", "CHARTS", "TABLE_COLUMNS", "Chart"]
