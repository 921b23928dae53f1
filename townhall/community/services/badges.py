"""Badges (awarded once, with a notification) and the MVP flag community managers set.

A badge's criterion is a count read from the database (solutions accepted, ideas
shipped, articles written, "helpful" answers, likes received), so it is checked when
something that moves that count happens and can be checked again at any time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from townhall.community.models import (
    ArticleFeedback,
    IdeaStatus,
    Like,
    MemberBadge,
    Mvp,
    NotificationVerb,
    ReputationEvent,
    Topic,
    TopicKind,
)
from townhall.community.services._common import active_member, notify
from townhall.core.models import Member, Role


def _solutions(member_id: int) -> int:
    return (
        Topic.objects.filter(kind=TopicKind.QUESTION, solution__author_id=member_id)
        .exclude(author_id=member_id)
        .count()
    )


def _ideas_shipped(member_id: int) -> int:
    return Topic.objects.filter(
        kind=TopicKind.IDEA, idea_status=IdeaStatus.SHIPPED, author_id=member_id
    ).count()


def _articles(member_id: int) -> int:
    return Topic.objects.filter(kind=TopicKind.ARTICLE, author_id=member_id).count()


def _helpful(member_id: int) -> int:
    return (
        ArticleFeedback.objects.filter(topic__author_id=member_id, helpful=True)
        .exclude(member_id=member_id)
        .count()
    )


def _likes(member_id: int) -> int:
    return (
        Like.objects.filter(Q(topic__author_id=member_id) | Q(reply__author_id=member_id))
        .exclude(member_id=member_id)
        .count()
    )


METRICS: dict[str, Callable[[int], int]] = {
    "solutions": _solutions,
    "ideas_shipped": _ideas_shipped,
    "articles": _articles,
    "helpful": _helpful,
    "likes": _likes,
}

# Which reputation action can move which badge count.
ACTION_METRIC = {
    "solution_accepted": "solutions",
    "idea_shipped": "ideas_shipped",
    "article_helpful": "helpful",
    "reply_liked": "likes",
    "topic_liked": "likes",
}


@dataclass(frozen=True)
class Badge:
    slug: str
    name: str
    how: str
    metric: str
    threshold: int


BADGES: list[Badge] = [
    Badge("first_solution", "First solution", "A reply of yours is accepted as the solution of someone else's question.", "solutions", 1),
    Badge("ten_solutions", "Problem solver", "Ten of your replies are accepted as solutions.", "solutions", 10),
    Badge("first_idea_shipped", "Idea shipped", "The team ships an idea you proposed.", "ideas_shipped", 1),
    Badge("first_article", "Author", "You publish a knowledge-base article.", "articles", 1),
    Badge("helpful_article", "Helpful writer", "Readers answer “yes” to “Was this helpful?” 10 times on your articles.", "helpful", 10),
    Badge("appreciated", "Appreciated", "Your topics and replies receive 25 likes.", "likes", 25),
]  # fmt: skip
BY_SLUG = {badge.slug: badge for badge in BADGES}


def badge_named(slug: str) -> Badge | None:
    return BY_SLUG.get(slug)


def check_badges(
    member: Member, metrics: Iterable[str], *, topic: Topic | None, quiet: bool = False
) -> list[MemberBadge]:
    """Award `member` the badges of these counts they now reach and do not hold yet
    (each once), telling them unless `quiet`. One query for held badges, one per count."""
    wanted = [b for b in BADGES if b.metric in set(metrics)]
    if not wanted:
        return []
    held = set(MemberBadge.objects.filter(member=member).values_list("badge", flat=True))
    counts: dict[str, int] = {}
    awarded = []
    for badge in wanted:
        if badge.slug in held:
            continue
        if badge.metric not in counts:
            counts[badge.metric] = METRICS[badge.metric](member.pk)
        if counts[badge.metric] < badge.threshold:
            continue
        try:
            with transaction.atomic():
                row = MemberBadge.objects.create(member=member, badge=badge.slug, topic=topic)
        except IntegrityError:
            continue  # awarded meanwhile: once only
        awarded.append(row)
        if not quiet and topic is not None:
            notify(member, NotificationVerb.BADGE, topic, actor=None, detail=badge.slug)
    return awarded


def check_badges_after(events: Iterable[ReputationEvent]) -> None:
    """After new awards: check the badges their actions can move, for each earner."""
    todo: dict[int, tuple[set[str], int | None]] = defaultdict(lambda: (set(), None))
    for event in events:
        metric = ACTION_METRIC.get(event.action)
        if metric:
            metrics, _ = todo[event.member_id]
            metrics.add(metric)
            todo[event.member_id] = (metrics, event.topic_id)
    if not todo:
        return
    members = Member.objects.in_bulk(list(todo))
    topics = Topic.objects.in_bulk([t for _, t in todo.values() if t])
    for member_id, (metrics, topic_id) in todo.items():
        check_badges(members[member_id], metrics, topic=topics.get(topic_id or 0))


def award_missing_badges() -> int:
    """Award, without notifications, every badge someone qualifies for and lacks."""
    candidates = set(ReputationEvent.objects.values_list("member_id", flat=True).distinct())
    candidates |= set(
        Topic.objects.filter(kind=TopicKind.ARTICLE).values_list("author_id", flat=True)
    )
    awarded = 0
    for member in Member.objects.filter(pk__in=candidates):
        awarded += len(check_badges(member, METRICS, topic=None, quiet=True))
    return awarded


# --- MVP ----------------------------------------------------------------------------------


def _require_manager(by: Member) -> None:
    if not by.has_role(Role.COMMUNITY_MANAGER):
        raise PermissionDenied("Only community managers name MVPs.")


@transaction.atomic
def grant_mvp(member: Member, *, reason: str, by: Member) -> Mvp:
    """Mark `member` as an MVP (a superuser of the community), shown next to their name.

    Community managers and admins only, with a reason; granting twice keeps the first.
    """
    by = active_member(by)
    _require_manager(by)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError("Say why this member is an MVP; the reason is kept.")
    if len(reason) > 500:
        raise ValidationError("Keep the reason to 500 characters.")
    if member.is_bot:
        raise ValidationError("Bots cannot be MVPs.")
    current = Mvp.objects.filter(member=member, revoked_at__isnull=True).first()
    if current is not None:
        return current
    return Mvp.objects.create(member=member, reason=reason, granted_by=by)


@transaction.atomic
def revoke_mvp(member: Member, *, by: Member) -> int:
    """Take the MVP flag away (the history of the grant stays); returns rows changed."""
    by = active_member(by)
    _require_manager(by)
    return Mvp.objects.filter(member=member, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=by
    )
