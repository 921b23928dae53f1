"""Reputation: points for what others do with a member's contributions, kept as a ledger.

What earns points is read from the database itself (likes, accepted solutions, votes,
shipped ideas, "helpful" answers), never from the verb that just ran: the verbs call
`sync_reputation(topic ids)`, which compares what the topic *should* have earned with
the ledger and writes the difference (a new award, or a reversal with the opposite
points). So an unlike, a withdrawn or replaced solution, votes moved by a duplicate
merge, or an article answer changed from yes to no all take points back the same way,
and `rebuild_reputation()` derives the same ledger from scratch.

Nothing is earned for one's own content (liking it is refused anyway; accepting one's
own reply as the solution or shipping one's own idea earns nothing).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import F, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from townhall.community.models import (
    ArticleFeedback,
    IdeaStatus,
    Like,
    Reply,
    ReputationAction,
    ReputationEvent,
    ReputationTotal,
    Topic,
    TopicKind,
    Vote,
)

DEFAULT_POINTS: dict[str, int] = {
    ReputationAction.REPLY_LIKED: 2,
    ReputationAction.TOPIC_LIKED: 2,
    ReputationAction.SOLUTION_ACCEPTED: 15,
    ReputationAction.IDEA_VOTED: 2,
    ReputationAction.IDEA_SHIPPED: 25,
    ReputationAction.ARTICLE_HELPFUL: 3,
}


def points_table() -> dict[str, int]:
    """Points per action: the defaults, overridden by `TOWNHALL_REPUTATION_POINTS`."""
    overrides = getattr(settings, "REPUTATION_POINTS", {}) or {}
    unknown = sorted(set(overrides) - set(DEFAULT_POINTS))
    if unknown:
        raise ImproperlyConfigured(
            f"TOWNHALL_REPUTATION_POINTS names unknown actions {unknown}; "
            f"use {sorted(DEFAULT_POINTS)}."
        )
    return {**{str(k): v for k, v in DEFAULT_POINTS.items()}, **overrides}


@dataclass(frozen=True)
class Rank:
    name: str
    points: int
    description: str


RANKS: list[Rank] = [
    Rank("Newcomer", 0, "Everyone starts here."),
    Rank("Contributor", 25, "A few answers or ideas others found useful."),
    Rank("Regular", 100, "Helps others week after week."),
    Rank("Expert", 300, "Their answers solve problems; people look for their name."),
    Rank("Guide", 750, "Shapes the community: many solutions, shipped ideas, articles."),
    Rank("Legend", 2000, "A pillar of the community."),
]


def rank_for(points: int) -> Rank:
    """The highest rank whose threshold the points reach."""
    reached = RANKS[0]
    for rank in RANKS:
        if points >= rank.points:
            reached = rank
    return reached


def next_rank(points: int) -> Rank | None:
    return next((rank for rank in RANKS if rank.points > points), None)


@dataclass(frozen=True)
class Award:
    """Points a member should hold for one thing others did with their content."""

    key: str
    member_id: int
    actor_id: int | None
    action: str
    board_id: int
    topic_id: int
    at: datetime | None


def _within(rows: QuerySet, field: str, topic_ids: list[int] | None) -> QuerySet:
    return rows if topic_ids is None else rows.filter(**{f"{field}__in": topic_ids})


def expected_awards(topic_ids: list[int] | None = None) -> dict[str, Award]:
    """Every award the current state of these topics (all topics for None) earns, by key:
    five queries however many topics."""
    awards: dict[str, Award] = {}

    def add(
        key: str,
        member: int,
        actor: int | None,
        action: str,
        board: int,
        topic: int,
        at: datetime | None,
    ) -> None:
        if member != actor:  # nothing for one's own content
            awards[key] = Award(key, member, actor, action, board, topic, at)

    likes = _within(Like.objects.filter(topic__isnull=False), "topic_id", topic_ids)
    for topic, liker, at, author, board in likes.values_list(
        "topic_id", "member_id", "created_at", "topic__author_id", "topic__board_id"
    ):
        add(f"like:topic:{topic}:{liker}", author, liker, "topic_liked", board, topic, at)
    likes = _within(Like.objects.filter(reply__isnull=False), "reply__topic_id", topic_ids)
    for reply, liker, at, author, topic, board in likes.values_list(
        "reply_id",
        "member_id",
        "created_at",
        "reply__author_id",
        "reply__topic_id",
        "reply__topic__board_id",
    ):
        add(f"like:reply:{reply}:{liker}", author, liker, "reply_liked", board, topic, at)
    shipper = Reply.objects.filter(topic=OuterRef("pk"), status_change=IdeaStatus.SHIPPED)
    topics = _within(Topic.objects.all(), "pk", topic_ids)
    for pk, kind, author, board, reply, answerer, solved_at, status, by, shipped_at in (
        topics.filter(
            Q(kind=TopicKind.QUESTION, solution__isnull=False)
            | Q(kind=TopicKind.IDEA, idea_status=IdeaStatus.SHIPPED)
        )
        .annotate(
            shipped_by=Subquery(shipper.order_by("-created_at", "-id").values("author_id")[:1]),
            shipped_at=Subquery(shipper.order_by("-created_at", "-id").values("created_at")[:1]),
        )
        .values_list(
            "pk",
            "kind",
            "author_id",
            "board_id",
            "solution_id",
            "solution__author_id",
            "solved_at",
            "idea_status",
            "shipped_by",
            "shipped_at",
        )
    ):
        if kind == TopicKind.QUESTION:
            # The asker stands as the actor (the team may accept for them); the asker's own
            # reply as the solution earns nothing.
            add(
                f"solution:{pk}:{reply}",
                answerer,
                author,
                "solution_accepted",
                board,
                pk,
                solved_at,
            )
        elif status == IdeaStatus.SHIPPED:
            add(f"shipped:{pk}", author, by, "idea_shipped", board, pk, shipped_at)
    votes = _within(Vote.objects.all(), "topic_id", topic_ids)
    for topic, voter, at, author, board in votes.values_list(
        "topic_id", "member_id", "created_at", "topic__author_id", "topic__board_id"
    ):
        add(f"vote:{topic}:{voter}", author, voter, "idea_voted", board, topic, at)
    helpful = _within(ArticleFeedback.objects.filter(helpful=True), "topic_id", topic_ids)
    for topic, reader, at, author, board in helpful.values_list(
        "topic_id", "member_id", "created_at", "topic__author_id", "topic__board_id"
    ):
        add(f"helpful:{topic}:{reader}", author, reader, "article_helpful", board, topic, at)
    return awards


def _apply_totals(events: Iterable[ReputationEvent]) -> None:
    deltas: dict[int, int] = defaultdict(int)
    for event in events:
        deltas[event.member_id] += event.points
    for member_id, delta in deltas.items():
        if delta:
            ReputationTotal.objects.get_or_create(member_id=member_id)
            ReputationTotal.objects.filter(member_id=member_id).update(points=F("points") + delta)


@transaction.atomic
def sync_reputation(topic_ids: Iterable[int]) -> list[ReputationEvent]:
    """Bring the ledger of these topics in line with what they earn now: award what is
    missing, reverse what is no longer deserved; then check badges. Returns the new rows."""
    ids = sorted({int(pk) for pk in topic_ids})
    if not ids:
        return []
    # Two verbs on one topic at once must not both award the same like.
    list(Topic.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))
    expected = expected_awards(ids)
    # By key alone: a topic moved to another board keeps one row per award.
    held = {
        row["key"]: row
        for row in ReputationEvent.objects.filter(topic_id__in=ids)
        .values("key")
        .annotate(
            net=Sum("points"),
            member=Max("member_id"),
            act=Max("action"),
            board=Max("board_id"),
            top=Max("topic_id"),
        )
        .order_by()
    }
    points = points_table()
    now = timezone.now()
    new: list[ReputationEvent] = []
    for key, award in expected.items():
        if held.get(key, {}).get("net", 0) > 0 or not points.get(award.action):
            continue
        new.append(
            ReputationEvent(
                member_id=award.member_id,
                actor_id=award.actor_id,
                action=award.action,
                key=key,
                points=points[award.action],
                board_id=award.board_id,
                topic_id=award.topic_id,
                created_at=now,
            )
        )
    for key, row in held.items():
        if key not in expected and row["net"]:
            new.append(
                ReputationEvent(
                    member_id=row["member"],
                    action=row["act"],
                    key=key,
                    points=-row["net"],
                    board_id=row["board"],
                    topic_id=row["top"],
                    created_at=now,
                )
            )
    ReputationEvent.objects.bulk_create(new)
    _apply_totals(new)
    from townhall.community.services.badges import check_badges_after

    check_badges_after([event for event in new if event.points > 0])
    return new


@dataclass(frozen=True)
class RebuildSummary:
    events: int
    members: int
    points: int
    badges: int


@transaction.atomic
def rebuild_reputation() -> RebuildSummary:
    """Throw the ledger away and derive it again from the database with today's points
    table, dated when each action happened; totals follow. Badges already earned stay;
    missing ones are awarded without a notification."""
    points = points_table()
    ReputationEvent.objects.all().delete()
    ReputationTotal.objects.all().delete()
    events = [
        ReputationEvent(
            member_id=a.member_id,
            actor_id=a.actor_id,
            action=a.action,
            key=a.key,
            points=points[a.action],
            board_id=a.board_id,
            topic_id=a.topic_id,
            created_at=a.at or timezone.now(),
        )
        for a in expected_awards(None).values()
        if points.get(a.action)
    ]
    ReputationEvent.objects.bulk_create(events, batch_size=1000)
    totals = ReputationEvent.objects.values("member_id").annotate(total=Sum("points")).order_by()
    ReputationTotal.objects.bulk_create(
        [ReputationTotal(member_id=row["member_id"], points=row["total"]) for row in totals],
        batch_size=1000,
    )
    from townhall.community.services.badges import award_missing_badges

    badges = award_missing_badges()
    return RebuildSummary(
        events=len(events),
        members=ReputationTotal.objects.count(),
        points=sum(e.points for e in events),
        badges=badges,
    )
