"""Read side of reputation and subscriptions: leaderboards, the reputation page, and the
member's own dashboard. Each is a fixed number of queries however many rows it shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from townhall.community.models import (
    Board,
    EmailMode,
    EmailPreference,
    MemberBadge,
    Mvp,
    Notification,
    ReputationEvent,
    ReputationTotal,
    Subscription,
    Topic,
)
from townhall.community.selectors import notifications_for, visible_boards, visible_topics
from townhall.community.services.badges import BADGES, BY_SLUG, Badge
from townhall.community.services.reputation import Rank, next_rank, rank_for
from townhall.core.models import Member

PERIODS = {"30d": 30, "all": None}
LEADERBOARD_SIZE = 25


def active_mvps() -> QuerySet[Mvp]:
    return Mvp.objects.filter(revoked_at__isnull=True)


def is_mvp_subquery(member_field: str = "member_id") -> Exists:
    """For annotations: whether the member in `member_field` is an MVP now."""
    return Exists(active_mvps().filter(member_id=OuterRef(member_field)))


@dataclass(frozen=True)
class LeaderRow:
    position: int
    member_id: int
    name: str
    points: int
    total: int
    is_mvp: bool

    @property
    def rank(self) -> Rank:
        return rank_for(self.total)


def leaderboard(
    *,
    board: Board | None = None,
    days: int | None = 30,
    limit: int = LEADERBOARD_SIZE,
    now: datetime | None = None,
) -> list[LeaderRow]:
    """Members by points earned in the period (None: all time), overall or on one board and
    its sub-boards; bots and merged members left out. One query."""
    events = ReputationEvent.objects.filter(member__is_bot=False, member__merged_into__isnull=True)
    if days is not None:
        events = events.filter(created_at__gte=(now or timezone.now()) - timedelta(days=days))
    if board is not None:
        events = events.filter(Q(board=board) | Q(board__parent=board))
    rows = (
        events.values("member_id", "member__display_name", "member__community_reputation__points")
        .annotate(earned=Sum("points"), mvp=is_mvp_subquery())
        .filter(earned__gt=0)
        .order_by("-earned", "member_id")[:limit]
    )
    return [
        LeaderRow(
            position=n,
            member_id=row["member_id"],
            name=row["member__display_name"] or f"Member {row['member_id']}",
            points=row["earned"],
            total=row["member__community_reputation__points"] or 0,
            is_mvp=row["mvp"],
        )
        for n, row in enumerate(rows, start=1)
    ]


@dataclass(frozen=True)
class BadgeCount:
    badge: Badge
    holders: int


@dataclass(frozen=True)
class ReputationGuide:
    badges: list[BadgeCount]
    mvps: list[Mvp]


def reputation_guide() -> ReputationGuide:
    """What the public reputation page lists besides the tables in code: how many hold each
    badge, and the current MVPs (two queries)."""
    counts = dict(
        MemberBadge.objects.values("badge").annotate(n=Count("pk")).values_list("badge", "n")
    )
    mvps = list(
        active_mvps()
        .filter(member__merged_into__isnull=True)
        .select_related("member")
        .order_by("member__display_name", "pk")
    )
    return ReputationGuide(badges=[BadgeCount(b, counts.get(b.slug, 0)) for b in BADGES], mvps=mvps)


@dataclass
class Standing:
    points: int
    rank: Rank
    next_rank: Rank | None
    badges: list[tuple[Badge, MemberBadge]]
    mvp: Mvp | None
    ledger: list[ReputationEvent]

    @property
    def to_next(self) -> int:
        return self.next_rank.points - self.points if self.next_rank else 0


def standing_of(member: Member, *, viewer: Member | None, ledger_size: int = 15) -> Standing:
    """A member's points, rank, badges, MVP flag and latest ledger rows (four queries).
    Ledger rows about topics the viewer cannot read carry no topic."""
    points = (
        ReputationTotal.objects.filter(member=member).values_list("points", flat=True).first() or 0
    )
    badges = [
        (BY_SLUG[row.badge], row)
        for row in MemberBadge.objects.filter(member=member)
        if row.badge in BY_SLUG
    ]
    mvp = active_mvps().filter(member=member).first()
    ledger = list(
        ReputationEvent.objects.filter(member=member)
        .annotate(readable=Exists(visible_topics(viewer).filter(pk=OuterRef("topic_id"))))
        .select_related("topic", "actor")
        .order_by("-created_at", "-id")[:ledger_size]
    )
    return Standing(points, rank_for(points), next_rank(points), badges, mvp, ledger)


@dataclass
class Dashboard:
    topics: list[Topic]
    subscriptions: list[Subscription]
    notifications: list[Notification]
    standing: Standing
    email_mode: EmailMode


def dashboard(viewer: Member) -> Dashboard:
    """The member's own page: their topics, what they follow (only what they can still
    read), their latest notifications, their standing and email choice. Eight queries."""
    topics = list(
        visible_topics(viewer)
        .filter(author=viewer)
        .select_related("board")
        .order_by("-last_activity_at", "-id")[:20]
    )
    subscriptions = list(
        Subscription.objects.filter(member=viewer)
        .filter(Q(topic__isnull=True) | Q(topic__in=visible_topics(viewer).values("pk")))
        .filter(Q(board__isnull=True) | Q(board__in=visible_boards(viewer).values("pk")))
        .select_related("topic", "board", "tag")
        .order_by("-created_at", "-id")[:100]
    )
    notices = list(notifications_for(viewer)[:10])
    mode = (
        EmailPreference.objects.filter(member=viewer).values_list("mode", flat=True).first()
        or EmailMode.IMMEDIATE
    )
    return Dashboard(
        topics=topics,
        subscriptions=subscriptions,
        notifications=notices,
        standing=standing_of(viewer, viewer=viewer),
        email_mode=EmailMode(mode),
    )
