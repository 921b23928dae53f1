"""Read-side queries shared by pages: every list, page and notification goes through
`visible_boards(viewer)` / `visible_topics(viewer)`, so what a viewer cannot see never
reaches them.

Moderation: held, hidden and deleted posts reach only moderators (and a held post its
author); `published_to(viewer)` is that rule.

Visibility: public boards for everyone; signed-in members' boards for any signed-in
member; group boards for that group's members; employee boards for employees;
moderators and above see every board. A sub-board must pass its parent's rule too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.utils import timezone

from townhall.community import compiled
from townhall.community.models import (
    ArticleFeedback,
    Board,
    Like,
    ModerationState,
    Mvp,
    Notification,
    Reply,
    SolvedToo,
    Subscription,
    Tag,
    Topic,
    TopicKind,
    Visibility,
    Vote,
)
from townhall.community.permissions import is_moderator
from townhall.core.models import Member, Role
from townhall.groups.selectors import group_ids_of, member_ids_of_group

TOPICS_PER_PAGE = 25
QUEUE_SIZE = 50


def _rule(viewer: Member | None, prefix: str = "") -> Q:
    rule = Q(**{f"{prefix}visibility": Visibility.PUBLIC})
    if viewer is None:
        return rule
    rule |= Q(**{f"{prefix}visibility": Visibility.MEMBERS})
    rule |= Q(
        **{f"{prefix}visibility": Visibility.GROUP, f"{prefix}group_id__in": group_ids_of(viewer)}
    )
    if viewer.is_employee:
        rule |= Q(**{f"{prefix}visibility": Visibility.EMPLOYEES})
    return rule


def visible_boards(viewer: Member | None) -> QuerySet[Board]:
    """Every board `viewer` (None for a visitor who is not signed in) may read."""
    if is_moderator(viewer):
        return Board.objects.all()
    return Board.objects.filter(_rule(viewer)).filter(
        Q(parent__isnull=True) | _rule(viewer, "parent__")
    )


def published_to(viewer: Member | None, prefix: str = "") -> Q:
    """Posts `viewer` may see by moderation state: published ones, their own held ones;
    moderators see everything (held, hidden and deleted posts are marked on the page)."""
    if is_moderator(viewer):
        return Q()
    rule = Q(**{f"{prefix}moderation": ModerationState.VISIBLE})
    if viewer is not None:
        rule |= Q(**{f"{prefix}moderation": ModerationState.HELD, f"{prefix}author": viewer})
    return rule


def visible_topics(viewer: Member | None) -> QuerySet[Topic]:
    """Every topic on a board `viewer` may read that is published (or theirs and held;
    moderators: every topic), in one query with the boards as a subquery. Merged stubs
    are included so their address can redirect; lists leave them out."""
    return Topic.objects.filter(published_to(viewer), board__in=visible_boards(viewer).values("pk"))


def _readers_rule(board: Board) -> Q | None:
    """Which signed-in members pass `board`'s own rule (None: all of them)."""
    if board.visibility == Visibility.GROUP:
        return Q(pk__in=member_ids_of_group(board.group_id))
    if board.visibility == Visibility.EMPLOYEES:
        return Q(is_employee=True)
    return None


def readers_of(board: Board, members: QuerySet[Member]) -> QuerySet[Member]:
    """Those of `members` (signed-in people) who may read `board`: the rules of
    `visible_boards`, asked the other way round, in one query for any number of people."""
    rules = [_readers_rule(board)]
    if board.parent_id is not None:
        rules.append(_readers_rule(board.parent))  # type: ignore[arg-type]
    needed = [rule for rule in rules if rule is not None]
    if not needed:
        return members
    passes = needed[0]
    for rule in needed[1:]:
        passes &= rule
    staff = Q(role__in=[Role.MODERATOR, Role.COMMUNITY_MANAGER, Role.ADMIN])
    return members.filter(staff | passes)


def can_see_topic(topic: Topic, viewer: Member | None) -> bool:
    return visible_topics(viewer).filter(pk=topic.pk).exists()


def _follows(viewer: Member | None, field: str) -> Exists | Value:
    """For annotations: whether `viewer` follows the row (a subquery, no extra query)."""
    if viewer is None:
        return Value(False)
    return Exists(Subscription.objects.filter(member=viewer, **{field: OuterRef("pk")}))


def _is_mvp(member_field: str) -> Exists:
    """For annotations: whether the member in `member_field` is an MVP now."""
    return Exists(Mvp.objects.filter(member_id=OuterRef(member_field), revoked_at__isnull=True))


# --- boards ------------------------------------------------------------------------------


@dataclass
class BoardEntry:
    board: Board
    children: list[Board] = field(default_factory=list)


def board_index(viewer: Member | None) -> list[BoardEntry]:
    """Top-level boards with their visible sub-boards, each with its topic count."""
    listed = Q(topics__moderation=ModerationState.VISIBLE, topics__merged_into__isnull=True)
    boards = list(
        visible_boards(viewer)
        .annotate(topic_count=Count("topics", filter=listed))
        .order_by("position", "name")
    )
    entries = {b.pk: BoardEntry(b) for b in boards if b.parent_id is None}
    for board in boards:
        if board.parent_id is not None and board.parent_id in entries:
            entries[board.parent_id].children.append(board)
    return list(entries.values())


def board_for(slug: str, viewer: Member | None) -> Board:
    """The board if `viewer` may read it (with `followed`: whether they follow it);
    Board.DoesNotExist otherwise."""
    return (
        visible_boards(viewer)
        .select_related("parent", "group")
        .annotate(followed=_follows(viewer, "board"))
        .get(slug=slug)
    )


def boards_allowing(kind: str, viewer: Member | None) -> list[Board]:
    return [b for b in visible_boards(viewer).order_by("position", "name") if b.allows(kind)]


@dataclass(frozen=True)
class TopicFilters:
    kind: str = ""
    solved: str = ""  # "yes", "no" or ""
    tag: str = ""
    idea_status: str = ""

    @property
    def active(self) -> bool:
        return bool(self.kind or self.solved or self.tag or self.idea_status)


def _list_columns(topics: QuerySet[Topic]) -> QuerySet[Topic]:
    """What a topic row shows; merged stubs never appear in lists."""
    return (
        topics.filter(merged_into__isnull=True)
        .select_related("author", "board")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
    )


def filter_topics(topics: QuerySet[Topic], filters: TopicFilters) -> QuerySet[Topic]:
    if filters.kind:
        topics = topics.filter(kind=filters.kind)
    if filters.solved == "yes":
        topics = topics.filter(kind=TopicKind.QUESTION, solution__isnull=False)
    elif filters.solved == "no":
        topics = topics.filter(kind=TopicKind.QUESTION, solution__isnull=True)
    if filters.tag:
        topics = topics.filter(tags__slug=filters.tag)
    if filters.idea_status:
        topics = topics.filter(kind=TopicKind.IDEA, idea_status=filters.idea_status)
    return topics


def board_topics(
    board: Board, viewer: Member | None, filters: TopicFilters, page: str | int | None
) -> Page:
    """The board's topics and its visible sub-boards' topics: pinned ones first, then
    latest activity first."""
    return Paginator(board_topic_list(board, viewer, filters), TOPICS_PER_PAGE).get_page(page)


def board_topic_list(board: Board, viewer: Member | None, filters: TopicFilters) -> QuerySet[Topic]:
    """The board's and its visible sub-boards' published topics, filtered: pinned ones
    first, then latest activity first."""
    boards = visible_boards(viewer).filter(Q(pk=board.pk) | Q(parent=board)).values("pk")
    topics = filter_topics(Topic.objects.filter(published_to(viewer), board__in=boards), filters)
    return _list_columns(topics).order_by(
        F("pinned_at").desc(nulls_last=True), "-last_activity_at", "-id"
    )


def board_tags(board: Board) -> list[Tag]:
    """Tags in use on the board (and its sub-boards), for the filter menu."""
    return list(
        Tag.objects.filter(Q(topics__board=board) | Q(topics__board__parent=board))
        .distinct()
        .order_by("name")
    )


# --- a topic -----------------------------------------------------------------------------


def topic_for(topic_id: int, viewer: Member | None) -> Topic:
    """The topic with what its page needs, if `viewer` may read it; Topic.DoesNotExist otherwise."""
    return (
        visible_topics(viewer)
        .select_related("board", "board__parent", "author", "duplicate_of", "promoted_from")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name")))
        .annotate(followed=_follows(viewer, "topic"), author_mvp=_is_mvp("author_id"))
        .get(pk=topic_id)
    )


def topic_versions(topic_id: int, viewer: Member | None) -> tuple[int, int, int | None]:
    """The page-cache versions of a topic, its board and the board's parent, if `viewer`
    may read the topic (one query); Topic.DoesNotExist otherwise."""
    # Asked on every topic view, cached page or not: SQL built once per viewer shape
    # (compiled.py), since building it cost more than answering it.
    found = compiled.rows("topic-versions", _topic_versions_query, viewer, topic_id)
    if not found:
        raise Topic.DoesNotExist(f"No topic {topic_id} that this visitor may read.")
    row = found[0]
    return row[0], row[1], row[2]


def _topic_versions_query(viewer: Member | None, topic_id: int) -> QuerySet[Any]:
    return (
        visible_topics(viewer)
        .filter(pk=topic_id)
        .values_list("cache_version", "board__cache_version", "board__parent__cache_version")
    )


@dataclass
class TopicPage:
    topic: Topic
    replies: list[Reply]
    solution: Reply | None
    official: Reply | None
    liked_topic: bool
    liked_reply_ids: set[int]
    voted: bool
    feedback: bool | None
    promoted_to: list[Topic]


def topic_page(topic: Topic, viewer: Member | None) -> TopicPage:
    """Everything the topic page shows, in a fixed number of queries however many replies."""
    replies = list(
        Reply.objects.filter(published_to(viewer), topic=topic)
        .select_related("author")
        .annotate(author_mvp=_is_mvp("author_id"))
        .order_by("created_at", "id")
    )
    by_id = {r.pk: r for r in replies}
    liked_topic, liked_replies, voted, feedback = False, set(), False, None
    if viewer is not None:
        for topic_id, reply_id in (
            Like.objects.filter(member=viewer)
            .filter(Q(topic=topic) | Q(reply__topic=topic))
            .values_list("topic_id", "reply_id")
        ):
            if topic_id:
                liked_topic = True
            else:
                liked_replies.add(reply_id)
        if topic.is_idea:
            voted = Vote.objects.filter(member=viewer, topic=topic).exists()
        if topic.is_article:
            feedback = (
                ArticleFeedback.objects.filter(member=viewer, topic=topic)
                .values_list("helpful", flat=True)
                .first()
            )
    for reply in replies:
        decorate_reply(reply, viewer, liked=reply.pk in liked_replies)
    promoted_to = list(topic.promoted_to.all()) if topic.is_solved else []
    return TopicPage(
        topic=topic,
        replies=replies,
        solution=by_id.get(topic.solution_id) if topic.solution_id else None,
        official=by_id.get(topic.official_reply_id) if topic.official_reply_id else None,
        liked_topic=liked_topic,
        liked_reply_ids=liked_replies,
        voted=voted,
        feedback=feedback,
        promoted_to=promoted_to,
    )


def decorate_reply(reply: Reply, viewer: Member | None, *, liked: bool) -> Reply:
    """Set what a reply's like control needs (`liked`, `can_like`, `like_key`,
    `like_label`) for `viewer`, without queries; returns the reply."""
    reply.liked = liked  # type: ignore[attr-defined]
    reply.can_like = viewer is not None and reply.author_id != viewer.pk  # type: ignore[attr-defined]
    reply.like_key = f"reply-{reply.pk}"  # type: ignore[attr-defined]
    reply.like_label = f"the reply by {reply.author}"  # type: ignore[attr-defined]
    return reply


def replies_by_id(topic: Topic, ids: Iterable[int], viewer: Member) -> list[Reply]:
    """Some of a topic's replies `viewer` may see, as the topic page loads them."""
    return list(
        Reply.objects.filter(published_to(viewer), topic=topic, pk__in=list(ids))
        .select_related("author")
        .annotate(author_mvp=_is_mvp("author_id"))
        .order_by("created_at", "id")
    )


@dataclass(frozen=True)
class ViewerTopicState:
    """Where a signed-in member stands towards a topic they may read: what the shared
    topic page needs to be theirs (topic_cache.py), read in two small queries."""

    versions: tuple[int, int, int | None]
    author_id: int
    moderation: str
    merged_into_id: int | None
    followed: bool
    voted: bool
    liked_topic: bool
    feedback: bool | None
    solved_too: bool
    view_count: int
    own_reply_ids: frozenset[int]
    own_unpublished: bool
    liked_reply_ids: frozenset[int]


def _topic_state_query(viewer: Member, topic_id: int) -> QuerySet[Topic, Any]:
    return (
        visible_topics(viewer)
        .filter(pk=topic_id)
        .annotate(
            followed=_follows(viewer, "topic"),
            voted=Exists(Vote.objects.filter(member=viewer, topic=OuterRef("pk"))),
            liked=Exists(Like.objects.filter(member=viewer, topic=OuterRef("pk"))),
            viewer_feedback=Subquery(
                ArticleFeedback.objects.filter(member=viewer, topic=OuterRef("pk")).values(
                    "helpful"
                )[:1]
            ),
            marked_solved_too=Exists(SolvedToo.objects.filter(member=viewer, topic=OuterRef("pk"))),
            # Whether the second query (their replies and likes here) is needed at all:
            # most readers of a topic neither wrote nor liked a reply in it.
            wrote_or_liked=Exists(
                Reply.objects.filter(topic=OuterRef("pk")).filter(
                    Q(author=viewer) | Q(likes__member=viewer)
                )
            ),
        )
        .values_list(
            "cache_version",
            "board__cache_version",
            "board__parent__cache_version",
            "author_id",
            "moderation",
            "merged_into_id",
            "followed",
            "voted",
            "liked",
            "viewer_feedback",
            "marked_solved_too",
            "view_count",
            "wrote_or_liked",
        )
    )


def _replies_of_viewer_query(viewer: Member, topic_id: int) -> QuerySet[Reply, Any]:
    """The topic's replies `viewer` wrote or liked (a row per like of those replies)."""
    return (
        Reply.objects.filter(topic_id=topic_id)
        .filter(Q(author=viewer) | Q(likes__member=viewer))
        .values_list("pk", "author_id", "moderation", "likes__member_id")
    )


def viewer_topic_state(topic_id: int, viewer: Member) -> ViewerTopicState:
    """`viewer`'s state on the topic, if they may read it; Topic.DoesNotExist otherwise.
    (One query, two when they wrote or liked replies there; compiled once per kind of
    member: see compiled.py.)"""
    found = compiled.rows("topic-state", _topic_state_query, viewer, topic_id)
    if not found:
        raise Topic.DoesNotExist
    row = found[0]
    own, unpublished, liked = set(), False, set()
    theirs = (
        compiled.rows("viewer-replies", _replies_of_viewer_query, viewer, topic_id)
        if row[12]
        else []
    )
    for reply_id, author_id, moderation, liked_by in theirs:
        if author_id == viewer.pk:
            own.add(reply_id)
            unpublished = unpublished or moderation != ModerationState.VISIBLE
        if liked_by == viewer.pk:
            liked.add(reply_id)
    return ViewerTopicState(
        versions=(row[0], row[1], row[2]),
        author_id=row[3],
        moderation=row[4],
        merged_into_id=row[5],
        followed=bool(row[6]),
        voted=bool(row[7]),
        liked_topic=bool(row[8]),
        feedback=None if row[9] is None else bool(row[9]),
        solved_too=bool(row[10]),
        view_count=row[11],
        own_reply_ids=frozenset(own),
        own_unpublished=unpublished,
        liked_reply_ids=frozenset(liked),
    )


def reply_for(reply_id: int, viewer: Member | None) -> Reply:
    """A reply on a topic `viewer` may read; Reply.DoesNotExist otherwise."""
    return (
        Reply.objects.filter(published_to(viewer), topic__in=visible_topics(viewer).values("pk"))
        .select_related("topic", "topic__board", "author")
        .get(pk=reply_id)
    )


# --- queues for the team -------------------------------------------------------------------


def unanswered(viewer: Member | None) -> QuerySet[Topic]:
    """Questions and discussions nobody but their author has replied to, oldest first."""
    return _list_columns(
        visible_topics(viewer).filter(
            first_reply_at__isnull=True, kind__in=[TopicKind.QUESTION, TopicKind.DISCUSSION]
        )
    ).order_by("created_at", "id")


def unsolved(viewer: Member | None) -> QuerySet[Topic]:
    """Questions without an accepted solution, oldest first."""
    return _list_columns(
        visible_topics(viewer).filter(kind=TopicKind.QUESTION, solution__isnull=True)
    ).order_by("created_at", "id")


def overdue(viewer: Member | None, now: datetime | None = None) -> QuerySet[Topic]:
    """Topics past their board's first-response target without a reply, most overdue first."""
    now = now or timezone.now()
    return _list_columns(
        visible_topics(viewer).filter(first_reply_at__isnull=True, response_due_at__lt=now)
    ).order_by("response_due_at", "id")


# --- notifications -----------------------------------------------------------------------


def notifications_for(viewer: Member) -> QuerySet[Notification]:
    """The viewer's notifications about topics they can still read (and replies still
    shown), newest first."""
    # Q() | Q(...) drops the empty side, so moderators (no rule) get no filter at all.
    reply_shown = (
        Q() if is_moderator(viewer) else Q(reply__isnull=True) | published_to(viewer, "reply__")
    )
    return (
        Notification.objects.filter(reply_shown, recipient=viewer)
        .filter(topic__in=visible_topics(viewer).values("pk"))
        .select_related("actor", "topic")
        .order_by("-created_at", "-id")
    )


def unread_count(viewer: Member | None) -> int:
    if viewer is None:
        return 0
    # Compiled once per kind of member (compiled.py): the bell is on every page.
    [(count,)] = compiled.rows("unread", _unread_query, viewer, count=True)
    return int(count)


def _unread_query(viewer: Member, _topic_id: int) -> QuerySet[Notification, Any]:
    return notifications_for(viewer).filter(read_at__isnull=True).order_by().values_list("pk")
