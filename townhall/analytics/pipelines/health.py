"""Community health: who is active, who comes back, how fast questions get answered.

Inputs: `tables.activities` by non-bot actors (`actor_is_bot` false) up to `tables.as_of`;
`tables.members` for names; the scoring configuration for decay and levels. Periods are
UTC calendar days, ISO weeks (starting Monday) and calendar months. A member's *first
activity* is their earliest non-bot activity on any source; it defines their join month.

Outputs (one registered pipeline each; all small, one row per period, cohort or level):

active_members      (grain, period, source, members)
    distinct members with at least one activity in the period, per source and overall
    (source "(all)"); grain "day" for the last DAYS days, "week" for the last WEEKS
    weeks, "month" for the last MONTHS months.
new_returning       (month, active, new, returning)
    new = active members whose first activity falls in that month; returning = the rest.
retention           (cohort, age, cohort_size, active, share)
    cohort = join month; age k = months since it (0 = the join month);
    share = members of the cohort active in month cohort + k ÷ cohort size.
community_response  (month, questions, answered, solved, solved_rate, median_hours, mean_hours)
    questions asked on the community space (source "community", kind "question", one per
    conversation "topic:<id>"), by the month they were asked; answered = a "reply" by
    someone other than the asker in the same conversation; hours = from the question to
    that first reply; solved = a "solution" activity in the conversation.
top_contributors    (source, rank, member_id, display_name, love, activities)
    the TOP members per source by love on that source (the scores' decayed, weighted
    count of their own activities, scores.py), ties broken by member id.
level_distribution  (month, level, level_rank, members)
    the level each member's score earned at the end of each of the last LEVEL_MONTHS
    months (the current month: at as_of), counting members with an activity by then;
    scores are recomputed at each month end with the same formulas (scores.py, levels.py).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import ibis
import ibis.expr.types as ir

from townhall.analytics.pipelines import register
from townhall.analytics.pipelines.levels import level_table
from townhall.analytics.pipelines.scores import LOVE, contributions, epoch_seconds, score_table
from townhall.analytics.scoring import ScoringConfig, scoring_config
from townhall.analytics.tables import Tables

ALL_SOURCES = "(all)"  # not a valid source slug, so it cannot collide with one
DAYS = 90
WEEKS = 52
MONTHS = 36
TOP = 10
LEVEL_MONTHS = 6

COMMUNITY = "community"
QUESTION_KINDS = ("question",)
REPLY_KINDS = ("reply",)
SOLUTION_KINDS = ("solution",)


def _as_of(tables: Tables) -> ir.TimestampScalar:
    return ibis.literal(tables.as_of, type="timestamp('UTC')")


def human_activities(tables: Tables) -> ir.Table:
    """Activities by people (not bots), up to as_of."""
    a = tables.activities
    return a.filter(~a.actor_is_bot, a.occurred_at <= _as_of(tables))


def _month(value: ir.TimestampValue) -> ir.DateValue:
    return value.date().truncate("M")


def _months_back(as_of: datetime, months: int) -> date:
    """The first day of the month `months` − 1 months before as_of's month."""
    index = as_of.year * 12 + as_of.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1)


def _month_index(value: ir.DateValue) -> ir.IntegerValue:
    return value.year().cast("int64") * 12 + value.month().cast("int64")


def first_activity(tables: Tables) -> ir.Table:
    """(member_id, first_at, cohort): each active member's first activity and join month."""
    a = human_activities(tables)
    first = a.group_by("member_id").agg(first_at=a.occurred_at.min())
    return first.mutate(cohort=_month(first.first_at))


def _distinct_counts(rows: ir.Table, grain: str) -> ir.Table:
    """Distinct members per (period, source) and per period over every source."""
    by_source = rows.group_by(["period", "source"]).agg(members=rows.member_id.nunique())
    overall = rows.group_by("period").agg(members=rows.member_id.nunique())
    overall = overall.mutate(source=ibis.literal(ALL_SOURCES)).select(by_source.columns)
    both = by_source.union(overall)
    return both.mutate(grain=ibis.literal(grain)).select(
        "grain", "period", "source", members=both.members.cast("int64")
    )


@register("health_active_members")
def active_members(tables: Tables) -> ir.Table:
    """(grain, period, source, members): distinct active members per day, week and month."""
    a = human_activities(tables)
    day = a.occurred_at.date()
    base = a.select("member_id", "source", day=day).distinct()
    as_of_day = tables.as_of.astimezone(UTC).date()
    since_day = ibis.literal(as_of_day) - ibis.interval(days=DAYS - 1)
    # Week windows start on a Monday so the oldest week is complete.
    since_week = ibis.literal(as_of_day).truncate("W") - ibis.interval(days=7 * (WEEKS - 1))
    since_month = ibis.literal(_months_back(tables.as_of, MONTHS))
    days = base.filter(base.day >= since_day).select("member_id", "source", period=base.day)
    weeks = base.filter(base.day >= since_week).select(
        "member_id", "source", period=base.day.truncate("W")
    )
    months = base.filter(base.day >= since_month).select(
        "member_id", "source", period=base.day.truncate("M")
    )
    return (
        _distinct_counts(days, "day")
        .union(_distinct_counts(weeks, "week"))
        .union(_distinct_counts(months, "month"))
    )


def _monthly_active(tables: Tables) -> ir.Table:
    """(member_id, month, cohort): each month a member was active, with their join month."""
    a = human_activities(tables)
    monthly = a.select("member_id", month=_month(a.occurred_at)).distinct()
    first = first_activity(tables)
    joined = monthly.inner_join(first, monthly.member_id == first.member_id)
    return joined.select(monthly.member_id, monthly.month, first.cohort)


@register("health_new_returning")
def new_returning(tables: Tables) -> ir.Table:
    """(month, active, new, returning): active members split by whether they joined that month."""
    rows = _monthly_active(tables)
    rows = rows.filter(rows.month >= ibis.literal(_months_back(tables.as_of, MONTHS)))
    is_new = (rows.month == rows.cohort).cast("int64")
    counts = rows.group_by("month").agg(active=rows.count(), new=is_new.sum())
    return counts.select(
        "month",
        active=counts.active.cast("int64"),
        new=counts.new.cast("int64"),
        returning=(counts.active - counts.new).cast("int64"),
    )


@register("health_retention")
def retention(tables: Tables) -> ir.Table:
    """(cohort, age, cohort_size, active, share): the share of each join-month cohort active k months later."""
    rows = _monthly_active(tables)
    rows = rows.filter(rows.cohort >= ibis.literal(_months_back(tables.as_of, MONTHS)))
    rows = rows.mutate(age=_month_index(rows.month) - _month_index(rows.cohort))
    active = rows.group_by(["cohort", "age"]).agg(active=rows.count())
    sizes = rows.filter(rows.age == 0).group_by("cohort").agg(cohort_size=ibis._.count())
    joined = active.inner_join(sizes, active.cohort == sizes.cohort)
    return joined.select(
        active.cohort,
        age=active.age.cast("int64"),
        cohort_size=sizes.cohort_size.cast("int64"),
        active=active.active.cast("int64"),
        share=active.active.cast("float64") / sizes.cohort_size.cast("float64"),
    )


def question_outcomes(tables: Tables) -> ir.Table:
    """(conversation_id, asker, asked_at, first_reply_at, solved): one row per community question."""
    a = human_activities(tables)
    a = a.filter(a.source == COMMUNITY, a.conversation_id != "")
    asked = a.filter(a.kind.isin(QUESTION_KINDS))
    # One question per conversation: the earliest (a re-import cannot make it two).
    first = ibis.window(
        group_by=asked.conversation_id, order_by=[asked.occurred_at, asked.activity_id]
    )
    asked = asked.mutate(n=ibis.row_number().over(first))
    asked = asked.filter(asked.n == 0).select(
        "conversation_id", asker=asked.member_id, asked_at=asked.occurred_at
    )
    replies = a.filter(a.kind.isin(REPLY_KINDS))
    answered = replies.inner_join(asked, replies.conversation_id == asked.conversation_id).filter(
        replies.member_id != asked.asker, replies.occurred_at >= asked.asked_at
    )
    first_reply = answered.group_by(answered.conversation_id).agg(
        first_reply_at=answered.occurred_at.min()
    )
    solutions = a.filter(a.kind.isin(SOLUTION_KINDS)).select("conversation_id").distinct()
    solutions = solutions.mutate(solved=ibis.literal(True))
    rows = asked.left_join(first_reply, asked.conversation_id == first_reply.conversation_id)
    rows = rows.select(asked, first_reply.first_reply_at)
    rows = rows.left_join(solutions, rows.conversation_id == solutions.conversation_id)
    return rows.select(
        rows.conversation_id,
        rows.asker,
        rows.asked_at,
        rows.first_reply_at,
        solved=solutions.solved.fill_null(False),
    )


@register("health_community_response")
def community_response(tables: Tables) -> ir.Table:
    """(month, questions, answered, solved, solved_rate, median_hours, mean_hours) per month asked."""
    q = question_outcomes(tables)
    hours = (epoch_seconds(tables, q.first_reply_at) - epoch_seconds(tables, q.asked_at)) / 3600.0
    q = q.mutate(month=_month(q.asked_at), hours=hours)
    q = q.filter(q.month >= ibis.literal(_months_back(tables.as_of, MONTHS)))
    counts = q.group_by("month").agg(
        questions=q.count(),
        answered=q.first_reply_at.notnull().cast("int64").sum(),
        solved=q.solved.cast("int64").sum(),
        median_hours=q.hours.median(),
        mean_hours=q.hours.mean(),
    )
    return counts.select(
        "month",
        questions=counts.questions.cast("int64"),
        answered=counts.answered.cast("int64"),
        solved=counts.solved.cast("int64"),
        solved_rate=counts.solved.cast("float64") / counts.questions.cast("float64"),
        median_hours=counts.median_hours,
        mean_hours=counts.mean_hours,
    )


@register("health_top_contributors")
def top_contributors(tables: Tables, config: ScoringConfig | None = None) -> ir.Table:
    """(source, rank, member_id, display_name, love, activities): the top members by love per source."""
    config = config or scoring_config()
    parts = contributions(tables, config)
    parts = parts.filter(parts.role == LOVE)
    per_source = parts.group_by(["source", "member_id"]).agg(
        love=parts.points.sum(), activities=parts.n.sum()
    )
    window = ibis.window(
        group_by=per_source.source, order_by=[per_source.love.desc(), per_source.member_id]
    )
    ranked = per_source.mutate(rank=(ibis.row_number().over(window) + 1).cast("int64"))
    ranked = ranked.filter(ranked.rank <= TOP)
    members = tables.members
    named = ranked.left_join(members, ranked.member_id == members.member_id)
    return named.select(
        ranked.source,
        ranked.rank,
        ranked.member_id,
        display_name=members.display_name.fill_null(""),
        love=ranked.love,
        activities=ranked.activities.cast("int64"),
    )


def month_ends(as_of: datetime, months: int = LEVEL_MONTHS) -> list[tuple[date, datetime]]:
    """(month, moment) for the last `months` months, oldest first: each month's end, the
    current month's at as_of."""
    out = []
    for back in range(months - 1, -1, -1):
        start = _months_back(as_of, back + 1)
        index = start.year * 12 + start.month  # the next month's index (0-based month + 1)
        end = datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)
        out.append((start, min(end, as_of.astimezone(UTC))))
    return out


@register("health_level_distribution")
def level_distribution(
    tables: Tables, config: ScoringConfig | None = None, months: int = LEVEL_MONTHS
) -> ir.Table:
    """(month, level, level_rank, members): members per level at each of the last month ends."""
    config = config or scoring_config()
    ranks = {name: rank for rank, (name, _) in enumerate(config.levels)}
    parts: list[ir.Table] = []
    for month, moment in month_ends(tables.as_of, months):
        at = replace(tables, as_of=moment)
        levels = level_table(score_table(at, config), config)
        first = first_activity(at)
        known = levels.inner_join(first, levels.member_id == first.member_id)
        counts = known.group_by(known.level).agg(members=known.count())
        parts.append(counts.mutate(month=ibis.literal(month)))
    table = parts[0]
    for part in parts[1:]:
        table = table.union(part)
    rank = ibis.cases(
        *[(table.level == name, ibis.literal(r, type="int64")) for name, r in ranks.items()],
        else_=ibis.literal(-1, type="int64"),
    )
    return table.select("month", "level", level_rank=rank, members=table.members.cast("int64"))
