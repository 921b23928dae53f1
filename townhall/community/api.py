"""The community API under `/api/v1/community` (docs/api.md): boards, topics, replies,
solutions and votes.

Any signed-in person's token works here (not only community managers'): every read
goes through the same selectors as the pages (`visible_boards` / `visible_topics`), so a
caller sees exactly the boards they may read on the site, and every write calls the
same verb as the page, which checks permissions. A board or topic the caller cannot
read answers 404, as on the site. GETs take a read or write token (or a session);
POST and DELETE need a write token.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, QueryDict
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from townhall.accounts.api_auth import ApiAuth
from townhall.accounts.permissions import member_for
from townhall.accounts.services import attach_member
from townhall.community import selectors, services
from townhall.community.models import Board, IdeaStatus, Reply, Topic, TopicKind
from townhall.core.models import Member
from townhall.core.schemas import ErrorOut

TOPICS_DEFAULT_LIMIT = 25
TOPICS_MAX_LIMIT = 100

router = Router(tags=["community"], auth=ApiAuth(managers_only=False))

_ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


# --- schemas ---------------------------------------------------------------------------


class BoardOut(Schema):
    id: int
    slug: str
    name: str
    description: str
    parent: str | None = Field(description="The parent board's slug.")
    visibility: str
    allowed_kinds: list[str]
    topic_count: int


class AuthorOut(Schema):
    id: int
    name: str
    is_employee: bool


class TopicSummaryOut(Schema):
    id: int
    board: str = Field(description="The board's slug.")
    kind: str
    title: str
    author: AuthorOut
    tags: list[str]
    created_at: datetime
    last_activity_at: datetime
    reply_count: int
    like_count: int
    vote_count: int
    solved: bool
    idea_status: str = Field(description="Ideas only; empty for other kinds.")
    url: str


class TopicPageOut(Schema):
    count: int
    limit: int
    offset: int
    next: str | None
    previous: str | None
    items: list[TopicSummaryOut]


class ReplyOut(Schema):
    id: int
    author: AuthorOut
    body: str = Field(description="Markdown, as written.")
    body_html: str = Field(description="Rendered and sanitized HTML.")
    created_at: datetime
    edited_at: datetime | None
    like_count: int
    is_official_comment: bool
    status_change: str


class TopicDetailOut(TopicSummaryOut):
    body: str
    body_html: str
    solution_id: int | None
    official_reply_id: int | None
    duplicate_of: int | None
    replies: list[ReplyOut]


class TopicFiltersIn(Schema):
    kind: TopicKind | None = Field(None, description="question, idea, discussion or article.")
    solved: bool | None = Field(None, description="Questions solved (true) or not (false).")
    tag: str | None = Field(None, description="A tag's slug.")
    status: IdeaStatus | None = Field(None, description="Ideas in this status.")
    limit: int = Field(TOPICS_DEFAULT_LIMIT, ge=1, le=TOPICS_MAX_LIMIT)
    offset: int = Field(0, ge=0)


class SearchIn(Schema):
    q: str = Field(description='Words, "a phrase", -excluded, a OR b (as on the search page).')
    board: str | None = Field(None, description="A board's slug (its sub-boards included).")
    kind: TopicKind | None = None
    solved: bool | None = Field(None, description="Questions solved (true) or not (false).")
    tag: str | None = Field(None, description="A tag's slug.")
    sort: str = Field("relevance", pattern="^(relevance|newest)$")
    page: int = Field(1, ge=1, le=1000)


class SearchHitOut(Schema):
    topic: TopicSummaryOut
    score: float
    reply_id: int | None = Field(
        description="The reply that matched best, if not the topic itself."
    )
    snippet_html: str = Field(description="An excerpt with the matches in <mark>, escaped.")
    url: str


class SearchOut(Schema):
    query: str
    count: int
    page: int
    pages: int
    items: list[SearchHitOut]


class LeaderboardIn(Schema):
    board: str | None = Field(None, description="A board's slug (its sub-boards included).")
    days: int | None = Field(
        30, ge=1, le=3650, description="Points earned in the last N days; omit for 30."
    )
    all_time: bool = Field(False, description="Points of all time (days is then ignored).")
    limit: int = Field(20, ge=1, le=100)


class LeaderOut(Schema):
    position: int
    member: AuthorOut
    points: int = Field(description="Earned in the period.")
    total: int = Field(description="All-time total.")
    rank: str
    is_mvp: bool


class BadgeOut(Schema):
    slug: str
    name: str
    how: str
    awarded_at: datetime


class LedgerOut(Schema):
    action: str
    points: int
    created_at: datetime
    topic_id: int | None = Field(description="Empty when you cannot read the topic.")


class StandingOut(Schema):
    member: AuthorOut
    points: int
    rank: str
    next_rank: str | None
    points_to_next_rank: int
    badges: list[BadgeOut]
    mvp: str | None = Field(description="Why they were named an MVP, if they are one.")
    ledger: list[LedgerOut] = Field(description="The latest points earned or lost.")


class FlagIn(Schema):
    kind: str = Field(pattern="^(topic|reply)$")
    id: int
    reason: str = Field(description="spam, offensive, off_topic, duplicate or other.")
    text: str = Field("", max_length=1000, description="Needed for `other`.")


class DecisionIn(Schema):
    reason: str = Field(
        "", max_length=2000, description="Kept in the audit log; needed to hide or delete."
    )


class MoveIn(DecisionIn):
    board: str = Field(description="Slug of the board to move the topic to.")


class MergeIn(DecisionIn):
    into: int = Field(description="Id of the topic that takes this one's replies.")


class BanIn(Schema):
    reason: str = Field(min_length=1, max_length=2000, description="Shown to the member.")
    until: datetime | None = Field(None, description="End of the ban; none: permanent.")


class FlagOut(Schema):
    reason: str
    text: str
    automatic: bool = Field(description="Raised by the spam check (its score is in `spam`).")
    created_at: datetime


class QueueItemOut(Schema):
    kind: str
    id: int
    topic_id: int
    title: str
    author: AuthorOut
    moderation: str
    flags: list[FlagOut]
    spam: dict[str, Any] | None


class QueueOut(Schema):
    held: list[QueueItemOut]
    flagged: list[QueueItemOut]


class TopicIn(Schema):
    kind: TopicKind
    title: str
    body: str = ""
    tags: list[str] = Field(default_factory=list, description="Up to 5 tag names.")


class ReplyIn(Schema):
    body: str


class SolutionIn(Schema):
    reply_id: int


class VoteOut(Schema):
    topic_id: int
    vote_count: int
    voted: bool


# --- helpers ---------------------------------------------------------------------------


def _viewer(request: HttpRequest) -> Member | None:
    return member_for(request.user)


def _actor(request: HttpRequest) -> Member:
    """The caller's Member, created for a login that has none yet (as the pages do)."""
    member = member_for(request.user)
    if member is None:
        member = attach_member(request.user)  # type: ignore[arg-type]
    assert isinstance(member, Member)
    return member


def _call(action: Any) -> Any:
    """Run a verb; its refusals become 403 (not allowed) or 400 (not in this state)."""
    try:
        return action()
    except PermissionDenied as error:
        raise HttpError(403, str(error) or "You cannot do that.") from None
    except ValidationError as error:
        raise HttpError(400, "; ".join(error.messages)) from None


def _board(slug: str, viewer: Member | None) -> Board:
    try:
        return selectors.board_for(slug, viewer)
    except Board.DoesNotExist:
        raise HttpError(404, f"There is no board {slug!r} you can read.") from None


def _topic(topic_id: int, viewer: Member | None) -> Topic:
    try:
        return selectors.topic_for(topic_id, viewer)
    except Topic.DoesNotExist:
        raise HttpError(404, f"There is no topic {topic_id} you can read.") from None


def _author(member: Member) -> dict[str, Any]:
    return {"id": member.pk, "name": str(member), "is_employee": member.is_employee}


def _summary(topic: Topic) -> dict[str, Any]:
    return {
        "id": topic.pk,
        "board": topic.board.slug,
        "kind": topic.kind,
        "title": topic.title,
        "author": _author(topic.author),
        "tags": [tag.slug for tag in topic.tags.all()],
        "created_at": topic.created_at,
        "last_activity_at": topic.last_activity_at,
        "reply_count": topic.reply_count,
        "like_count": topic.like_count,
        "vote_count": topic.vote_count,
        "solved": topic.solution_id is not None,
        "idea_status": topic.idea_status,
        "url": topic.get_absolute_url(),
    }


def _detail(topic: Topic, viewer: Member | None) -> dict[str, Any]:
    page = selectors.topic_page(topic, viewer)
    return {
        **_summary(topic),
        "body": topic.body,
        "body_html": topic.body_html,
        "solution_id": topic.solution_id,
        "official_reply_id": topic.official_reply_id,
        "duplicate_of": topic.duplicate_of_id,
        "replies": [_reply(reply) for reply in page.replies],
    }


def _reply(reply: Reply) -> dict[str, Any]:
    return {
        "id": reply.pk,
        "author": _author(reply.author),
        "body": reply.body,
        "body_html": reply.body_html,
        "created_at": reply.created_at,
        "edited_at": reply.edited_at,
        "like_count": reply.like_count,
        "is_official_comment": reply.is_official_comment,
        "status_change": reply.status_change,
    }


def _page_url(request: HttpRequest, offset: int) -> str:
    query: QueryDict = request.GET.copy()
    query["offset"] = str(offset)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


# --- reads -----------------------------------------------------------------------------


@router.get(
    "/community/boards",
    response={200: list[BoardOut], **_ERRORS},
    summary="List the boards you can read",
    operation_id="list_community_boards",
)
def list_boards(request: HttpRequest) -> list[dict[str, Any]]:
    """Every board the caller may read, in the order of the board index."""
    boards = (
        selectors.visible_boards(_viewer(request))
        .select_related("parent")
        .annotate(topic_count=Count("topics"))
        .order_by("position", "name")
    )
    return [
        {
            "id": board.pk,
            "slug": board.slug,
            "name": board.name,
            "description": board.description,
            "parent": board.parent.slug if board.parent else None,
            "visibility": board.visibility,
            "allowed_kinds": list(board.allowed_kinds or []),
            "topic_count": board.topic_count,  # type: ignore[attr-defined]
        }
        for board in boards
    ]


@router.get(
    "/community/boards/{slug}/topics",
    response={200: TopicPageOut, **_ERRORS},
    summary="List a board's topics",
    operation_id="list_community_topics",
)
def list_topics(request: HttpRequest, slug: str, filters: Query[TopicFiltersIn]) -> dict[str, Any]:
    """The board's topics (and its readable sub-boards'), latest activity first, filtered."""
    viewer = _viewer(request)
    board = _board(slug, viewer)
    solved = {True: "yes", False: "no", None: ""}[filters.solved]
    topics = selectors.board_topic_list(
        board,
        viewer,
        selectors.TopicFilters(
            kind=filters.kind.value if filters.kind else "",
            solved=solved,
            tag=filters.tag or "",
            idea_status=filters.status.value if filters.status else "",
        ),
    )
    count = topics.count()
    limit, offset = filters.limit, filters.offset
    rows = list(topics[offset : offset + limit]) if offset < count else []
    return {
        "count": count,
        "limit": limit,
        "offset": offset,
        "next": _page_url(request, offset + limit) if offset + limit < count else None,
        "previous": _page_url(request, max(offset - limit, 0)) if offset > 0 else None,
        "items": [_summary(topic) for topic in rows],
    }


@router.get(
    "/community/search",
    response={200: SearchOut, **_ERRORS},
    summary="Search topics and replies",
    operation_id="search_community",
)
def search_topics(request: HttpRequest, filters: Query[SearchIn]) -> dict[str, Any]:
    """Full-text search over the topics and replies the caller may read (the same ranking,
    filters and visibility as the search page), 20 topics a page."""
    from townhall.community.search import SearchFilters, search

    viewer = _viewer(request)
    results = search(
        viewer,
        filters.q,
        SearchFilters(
            board=filters.board or "",
            kind=filters.kind.value if filters.kind else "",
            solved={True: "yes", False: "no", None: ""}[filters.solved],
            tag=filters.tag or "",
            sort=filters.sort,
        ),
        page=filters.page,
    )
    return {
        "query": results.query,
        "count": results.total,
        "page": results.page,
        "pages": results.pages,
        "items": [
            {
                "topic": _summary(hit.topic),
                "score": hit.score,
                "reply_id": hit.reply_id,
                "snippet_html": str(hit.snippet),
                "url": hit.url,
            }
            for hit in results.hits
        ],
    }


@router.get(
    "/community/leaderboard",
    response={200: list[LeaderOut], **_ERRORS},
    summary="Leaderboard",
    operation_id="community_leaderboard",
)
def leaderboard(request: HttpRequest, filters: Query[LeaderboardIn]) -> list[dict[str, Any]]:
    """Members by reputation points earned in a period, overall or on a board you can read."""
    from townhall.community.selectors_reputation import leaderboard as rows_of

    viewer = _viewer(request)
    board = _board(filters.board, viewer) if filters.board else None
    rows = rows_of(
        board=board, days=None if filters.all_time else filters.days, limit=filters.limit
    )
    return [
        {
            "position": row.position,
            "member": {"id": row.member_id, "name": row.name, "is_employee": False},
            "points": row.points,
            "total": row.total,
            "rank": row.rank.name,
            "is_mvp": row.is_mvp,
        }
        for row in rows
    ]


@router.get(
    "/community/members/{member_id}/reputation",
    response={200: StandingOut, **_ERRORS},
    summary="A member's reputation",
    operation_id="community_member_reputation",
)
def member_reputation(request: HttpRequest, member_id: int) -> dict[str, Any]:
    """A member's points, rank, badges, MVP flag and latest ledger rows (rows about topics
    you cannot read carry no topic)."""
    from townhall.community.selectors_reputation import standing_of

    member = Member.active.filter(pk=member_id, is_bot=False).first()
    if member is None:
        raise HttpError(404, "No such member.")
    standing = standing_of(member, viewer=_viewer(request))
    return {
        "member": _author(member),
        "points": standing.points,
        "rank": standing.rank.name,
        "next_rank": standing.next_rank.name if standing.next_rank else None,
        "points_to_next_rank": standing.to_next,
        "badges": [
            {"slug": badge.slug, "name": badge.name, "how": badge.how, "awarded_at": row.awarded_at}
            for badge, row in standing.badges
        ],
        "mvp": standing.mvp.reason if standing.mvp else None,
        "ledger": [
            {
                "action": event.action,
                "points": event.points,
                "created_at": event.created_at,
                "topic_id": event.topic_id if getattr(event, "readable", False) else None,
            }
            for event in standing.ledger
        ],
    }


def _queue_item(item: Any) -> dict[str, Any]:
    post = item.post
    return {
        "kind": item.kind,
        "id": post.pk,
        "topic_id": item.topic.pk,
        "title": item.topic.title,
        "author": _author(post.author),
        "moderation": post.moderation,
        "flags": [
            {
                "reason": f.reason,
                "text": f.text,
                "automatic": f.is_automatic,
                "created_at": f.created_at,
            }
            for f in item.flags
        ],
        "spam": item.spam,
    }


@router.get(
    "/community/moderation/queue",
    response={200: QueueOut, **_ERRORS},
    summary="The moderation queue",
    operation_id="community_moderation_queue",
)
def moderation_queue(request: HttpRequest) -> dict[str, Any]:
    """Posts waiting for a moderator (moderators, community managers and admins): held by
    the spam check, then flagged by readers, oldest first."""
    from townhall.community.selectors_moderation import moderation_queue as queue_of
    from townhall.community.services.moderation import require_moderator

    _call(lambda: require_moderator(_actor(request)))
    queue = queue_of()
    return {
        "held": [_queue_item(item) for item in queue.held],
        "flagged": [_queue_item(item) for item in queue.flagged],
    }


def _post(kind: str, post_id: int, viewer: Member | None) -> Topic | Reply:
    """A topic or reply the caller may read (404 otherwise, as for pages)."""
    if kind == "topic":
        return _topic(post_id, viewer)
    reply = Reply.objects.select_related("topic", "author").filter(pk=post_id).first()
    if reply is None:
        raise HttpError(404, f"There is no reply {post_id} you can read.")
    _topic(reply.topic_id, viewer)
    return reply


@router.post(
    "/community/flags",
    response={201: dict[str, Any], **_ERRORS},
    summary="Flag a topic or reply",
    operation_id="community_flag",
)
def flag_post(request: HttpRequest, data: FlagIn) -> tuple[int, dict[str, Any]]:
    """Report a post to the moderators (one open flag per member per post)."""
    actor = _actor(request)
    post = _post(data.kind, data.id, actor)
    made = _call(lambda: services.flag(post, reason=data.reason, text=data.text, by=actor))
    return 201, {"id": made.pk, "reason": made.reason}


MODERATION_ACTIONS = {
    "hide": ("both", "hide"),
    "delete": ("both", "delete_post"),
    "approve": ("both", "approve"),
    "dismiss": ("both", "dismiss_flags"),
    "lock": ("topic", "lock_topic"),
    "unlock": ("topic", "unlock_topic"),
    "pin": ("topic", "pin_topic"),
    "unpin": ("topic", "unpin_topic"),
}


@router.post(
    "/community/moderation/{kind}/{post_id}/{action}",
    response={200: dict[str, Any], **_ERRORS},
    summary="Moderate a topic or reply",
    operation_id="community_moderate",
)
def moderate(
    request: HttpRequest, kind: str, post_id: int, action: str, data: DecisionIn
) -> dict[str, Any]:
    """hide, delete, approve (publish or restore), dismiss (flags), and for topics lock,
    unlock, pin, unpin — through the same verbs as the moderation pages (moderators only;
    every decision in the audit log)."""
    if kind not in ("topic", "reply") or action not in MODERATION_ACTIONS:
        raise HttpError(404, "Unknown kind or action.")
    applies_to, verb_name = MODERATION_ACTIONS[action]
    if applies_to == "topic" and kind != "topic":
        raise HttpError(400, f"Only topics can be {action}ed.")
    actor = _actor(request)
    post = _post(kind, post_id, actor)
    verb = getattr(services, verb_name)
    _call(lambda: verb(post, by=actor, reason=data.reason))
    post.refresh_from_db()
    return {"kind": kind, "id": post.pk, "moderation": post.moderation, "action": action}


@router.post(
    "/community/topics/{topic_id}/move",
    response={200: dict[str, Any], **_ERRORS},
    summary="Move a topic to another board",
    operation_id="community_move_topic",
)
def move_topic(request: HttpRequest, topic_id: int, data: MoveIn) -> dict[str, Any]:
    """Move a topic to another board that takes its kind (moderators; audited)."""
    actor = _actor(request)
    topic = _topic(topic_id, actor)
    board = _board(data.board, actor)
    _call(lambda: services.move_topic(topic, board, by=actor, reason=data.reason))
    return {"id": topic.pk, "board": board.slug}


@router.post(
    "/community/topics/{topic_id}/merge",
    response={200: dict[str, Any], **_ERRORS},
    summary="Merge a topic into another",
    operation_id="community_merge_topic",
)
def merge_topic(request: HttpRequest, topic_id: int, data: MergeIn) -> dict[str, Any]:
    """Move a topic's replies into another topic; its address then leads there
    (moderators; audited)."""
    actor = _actor(request)
    topic = _topic(topic_id, actor)
    target = _topic(data.into, actor)
    merged = _call(lambda: services.merge_topic(topic, target, by=actor, reason=data.reason))
    return {"id": topic.pk, "merged_into": merged.pk}


def _member(member_id: int) -> Member:
    member = Member.objects.filter(pk=member_id, merged_into__isnull=True).first()
    if member is None:
        raise HttpError(404, f"There is no member {member_id}.")
    return member


@router.post(
    "/community/members/{member_id}/ban",
    response={201: dict[str, Any], **_ERRORS},
    summary="Ban a member",
    operation_id="community_ban",
)
def ban(request: HttpRequest, member_id: int, data: BanIn) -> tuple[int, dict[str, Any]]:
    """Ban a member until a time or for good (moderators and above, members of a lower
    role only; replaces the bans in force; audited). A banned member still reads."""
    actor = _actor(request)
    made = _call(
        lambda: services.ban_member(
            _member(member_id), reason=data.reason, until=data.until, by=actor
        )
    )
    return 201, {"id": made.pk, "member_id": member_id, "until": made.expires_at}


@router.delete(
    "/community/members/{member_id}/ban",
    response={200: dict[str, Any], **_ERRORS},
    summary="Lift a member's ban",
    operation_id="community_unban",
)
def unban(request: HttpRequest, member_id: int) -> dict[str, Any]:
    """Lift every ban in force on a member (moderators and above; audited)."""
    actor = _actor(request)
    lifted = _call(lambda: services.unban_member(_member(member_id), by=actor))
    return {"member_id": member_id, "lifted": lifted}


@router.get(
    "/community/topics/{topic_id}",
    response={200: TopicDetailOut, **_ERRORS},
    summary="Get a topic with its replies",
    operation_id="get_community_topic",
)
def get_topic(request: HttpRequest, topic_id: int) -> dict[str, Any]:
    """One topic with every reply, oldest first."""
    viewer = _viewer(request)
    return _detail(_topic(topic_id, viewer), viewer)


# --- writes ----------------------------------------------------------------------------


@router.post(
    "/community/boards/{slug}/topics",
    response={201: TopicDetailOut, **_ERRORS},
    summary="Start a topic",
    operation_id="create_community_topic",
)
def create_topic(request: HttpRequest, slug: str, data: TopicIn) -> tuple[int, dict[str, Any]]:
    """Start a question, idea, discussion or article (the team only) on a board."""
    actor = _actor(request)
    board = _board(slug, actor)
    topic = _call(
        lambda: services.create_topic(
            board, kind=data.kind, title=data.title, body=data.body, tags=data.tags, by=actor
        )
    )
    return 201, _detail(_topic(topic.pk, actor), actor)


@router.post(
    "/community/topics/{topic_id}/replies",
    response={201: ReplyOut, **_ERRORS},
    summary="Reply to a topic",
    operation_id="create_community_reply",
)
def create_reply(request: HttpRequest, topic_id: int, data: ReplyIn) -> tuple[int, dict[str, Any]]:
    actor = _actor(request)
    topic = _topic(topic_id, actor)
    reply = _call(lambda: services.create_reply(topic, body=data.body, by=actor))
    return 201, _reply(Reply.objects.select_related("author").get(pk=reply.pk))


@router.post(
    "/community/topics/{topic_id}/solution",
    response={200: TopicDetailOut, **_ERRORS},
    summary="Accept a reply as the solution",
    operation_id="accept_community_solution",
)
def accept_solution(request: HttpRequest, topic_id: int, data: SolutionIn) -> dict[str, Any]:
    """The asker, an employee or a moderator marks one reply of a question as its solution."""
    actor = _actor(request)
    topic = _topic(topic_id, actor)
    reply = Reply.objects.filter(pk=data.reply_id, topic=topic).first()
    if reply is None:
        raise HttpError(400, f"Reply {data.reply_id} is not a reply to topic {topic_id}.")
    _call(lambda: services.accept_solution(topic, reply, by=actor))
    return _detail(_topic(topic_id, actor), actor)


@router.post(
    "/community/topics/{topic_id}/vote",
    response={200: VoteOut, **_ERRORS},
    summary="Vote for an idea",
    operation_id="vote_community_idea",
)
def vote(request: HttpRequest, topic_id: int) -> dict[str, Any]:
    """Give the idea your one vote (again changes nothing)."""
    actor = _actor(request)
    topic = _call(lambda: services.vote(_topic(topic_id, actor), by=actor))
    return {"topic_id": topic.pk, "vote_count": topic.vote_count, "voted": True}


@router.delete(
    "/community/topics/{topic_id}/vote",
    response={200: VoteOut, **_ERRORS},
    summary="Take your vote back",
    operation_id="unvote_community_idea",
)
def unvote(request: HttpRequest, topic_id: int) -> dict[str, Any]:
    actor = _actor(request)
    topic = _call(lambda: services.unvote(_topic(topic_id, actor), by=actor))
    return {"topic_id": topic.pk, "vote_count": topic.vote_count, "voted": False}
