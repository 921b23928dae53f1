"""Boards, topics, replies and the reactions around them (likes, votes, helpfulness).

Counters on Topic and Reply (replies, likes, votes) are kept by the verbs so lists
never count rows; timings of a question (first reply, solution) are stored when they
happen so queues and reports read them directly.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from townhall.core.models import Member
from townhall.groups.models import Group

TITLE_MAX = 200
BODY_MAX = 50_000


class Visibility(models.TextChoices):
    PUBLIC = "public", "Everyone, signed in or not"
    MEMBERS = "members", "Signed-in members"
    GROUP = "group", "Members of one group"
    EMPLOYEES = "employees", "Employees only"


class TopicKind(models.TextChoices):
    QUESTION = "question", "Question"
    IDEA = "idea", "Idea"
    DISCUSSION = "discussion", "Discussion"
    ARTICLE = "article", "Article"


ALL_KINDS = [kind.value for kind in TopicKind]


class IdeaStatus(models.TextChoices):
    NEW = "new", "New"
    UNDER_REVIEW = "under_review", "Under review"
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    SHIPPED = "shipped", "Shipped"
    DECLINED = "declined", "Declined"
    DUPLICATE = "duplicate", "Duplicate"


# Members may vote while the team has not closed the idea.
VOTABLE_STATUSES = {
    IdeaStatus.NEW,
    IdeaStatus.UNDER_REVIEW,
    IdeaStatus.PLANNED,
    IdeaStatus.IN_PROGRESS,
}


class ModerationState(models.TextChoices):
    """Whether a topic or reply is shown: published, waiting for a moderator, or taken down.

    Hidden and deleted rows stay in the table (the audit trail points at them); only
    moderators see them, marked as such.
    """

    VISIBLE = "visible", "Published"
    HELD = "held", "Held for review"
    HIDDEN = "hidden", "Hidden by a moderator"
    DELETED = "deleted", "Deleted"


def default_kinds() -> list[str]:
    return list(ALL_KINDS)


class Tag(models.Model):
    name = models.CharField(max_length=50)
    slug = models.SlugField(max_length=50, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Board(models.Model):
    """A category of topics, optionally inside one parent board (one level of nesting).

    A sub-board is only as visible as its parent: a viewer must pass both rules.
    """

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=64, unique=True)
    description = models.TextField(blank=True, default="", max_length=2000)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    group = models.ForeignKey(
        Group,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The group whose members see this board (group visibility only).",
    )
    allowed_kinds = models.JSONField(
        default=default_kinds, help_text="Topic kinds members may start here."
    )
    first_response_hours = models.PositiveIntegerField(
        null=True,
        blank=True,
        default=24,
        help_text="Topics without a reply after this many hours are overdue; empty for no target.",
    )
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    # Bumped by the verbs whenever the board's page changes (see community/pagecache.py).
    cache_version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.parent_id is not None:
            if self.parent_id == self.pk:
                raise ValidationError({"parent": "A board cannot be its own parent."})
            if self.parent and self.parent.parent_id is not None:
                raise ValidationError({"parent": "Boards nest one level deep only."})
            if self.pk and Board.objects.filter(parent_id=self.pk).exists():
                raise ValidationError({"parent": "This board has sub-boards, so it stays on top."})
        if self.visibility == Visibility.GROUP and self.group_id is None:
            raise ValidationError({"group": "Pick the group whose members see this board."})
        if self.visibility != Visibility.GROUP and self.group_id is not None:
            raise ValidationError({"group": "Only boards visible to one group have a group."})
        kinds = self.allowed_kinds or []
        if not kinds or any(kind not in ALL_KINDS for kind in kinds):
            raise ValidationError(
                {"allowed_kinds": f"List one or more of: {', '.join(ALL_KINDS)}."}
            )

    def allows(self, kind: str) -> bool:
        return kind in (self.allowed_kinds or [])

    @property
    def allowed_kind_choices(self) -> list[tuple[str, str]]:
        return [(k.value, k.label) for k in TopicKind if k.value in (self.allowed_kinds or [])]


class Topic(models.Model):
    """A question, idea, discussion or article, with its kind's workflow fields."""

    board = models.ForeignKey(Board, on_delete=models.PROTECT, related_name="topics")
    kind = models.CharField(max_length=16, choices=TopicKind.choices)
    title = models.CharField(max_length=TITLE_MAX)
    author = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="community_topics")
    body = models.TextField(blank=True, default="")
    body_html = models.TextField(blank=True, default="")
    tags = models.ManyToManyField(Tag, blank=True, related_name="topics")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    last_activity_at = models.DateTimeField(default=timezone.now)
    reply_count = models.PositiveIntegerField(default=0)
    like_count = models.PositiveIntegerField(default=0)
    vote_count = models.PositiveIntegerField(default=0)
    # Unique viewers a day (kept by a database trigger on TopicView, see models_search).
    view_count = models.PositiveIntegerField(default=0)
    # Questions: readers who said "This solved my problem too" (kept by the verbs).
    solved_too_count = models.PositiveIntegerField(default=0)

    # Every kind: the first reply by someone other than the author, against the board target.
    first_reply_at = models.DateTimeField(null=True, blank=True)
    time_to_first_reply = models.DurationField(null=True, blank=True)
    response_due_at = models.DateTimeField(null=True, blank=True)
    official_reply = models.ForeignKey(
        "Reply", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Questions.
    solution = models.ForeignKey(
        "Reply", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    solved_at = models.DateTimeField(null=True, blank=True)
    time_to_solution = models.DurationField(null=True, blank=True)
    # Ideas.
    idea_status = models.CharField(
        max_length=16, choices=IdeaStatus.choices, blank=True, default=""
    )
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    # Articles.
    helpful_yes = models.PositiveIntegerField(default=0)
    helpful_no = models.PositiveIntegerField(default=0)
    promoted_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="promoted_to"
    )
    # Moderation (see models_moderation.py for flags and bans).
    moderation = models.CharField(
        max_length=8, choices=ModerationState.choices, default=ModerationState.VISIBLE
    )
    locked_at = models.DateTimeField(null=True, blank=True, help_text="Set: no new replies.")
    pinned_at = models.DateTimeField(null=True, blank=True, help_text="Set: first on its board.")
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    # Bumped by the verbs whenever the topic's page changes (see community/pagecache.py).
    cache_version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-last_activity_at", "-id"]
        indexes = [
            models.Index(fields=["board", "-last_activity_at"], name="topic_board_activity"),
            models.Index(fields=["kind", "solved_at"], name="topic_kind_solved"),
            models.Index(
                fields=["response_due_at"],
                name="topic_awaiting_reply",
                condition=Q(first_reply_at__isnull=True),
            ),
            models.Index(
                fields=["moderation", "created_at"],
                name="topic_moderation",
                condition=~Q(moderation="visible"),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return f"/community/t/{self.pk}/"

    @property
    def is_question(self) -> bool:
        return self.kind == TopicKind.QUESTION

    @property
    def is_idea(self) -> bool:
        return self.kind == TopicKind.IDEA

    @property
    def is_article(self) -> bool:
        return self.kind == TopicKind.ARTICLE

    @property
    def is_solved(self) -> bool:
        return self.solution_id is not None

    @property
    def is_published(self) -> bool:
        return self.moderation == ModerationState.VISIBLE

    @property
    def is_held(self) -> bool:
        return self.moderation == ModerationState.HELD

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    @property
    def is_pinned(self) -> bool:
        return self.pinned_at is not None

    @property
    def accepts_votes(self) -> bool:
        return self.is_idea and self.idea_status in VOTABLE_STATUSES

    def is_overdue(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return (
            self.first_reply_at is None
            and self.response_due_at is not None
            and self.response_due_at < now
        )


def duration_text(value: timedelta | None) -> str:
    """A duration for people: "45 min", "5 h", "3 days"."""
    if value is None:
        return ""
    minutes = int(value.total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 1)} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // (24 * 60)} days"


class Reply(models.Model):
    """A reply to a topic; team status changes of ideas are replies marked as official comments."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="community_replies")
    body = models.TextField()
    body_html = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    edited_at = models.DateTimeField(null=True, blank=True)
    like_count = models.PositiveIntegerField(default=0)
    is_official_comment = models.BooleanField(default=False)
    status_change = models.CharField(
        max_length=16, choices=IdeaStatus.choices, blank=True, default=""
    )
    moderation = models.CharField(
        max_length=8, choices=ModerationState.choices, default=ModerationState.VISIBLE
    )

    class Meta:
        verbose_name_plural = "replies"
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["topic", "created_at"], name="reply_topic_time"),
            models.Index(
                fields=["moderation", "created_at"],
                name="reply_moderation",
                condition=~Q(moderation="visible"),
            ),
        ]

    def __str__(self) -> str:
        return f"Reply {self.pk} to {self.topic_id}"

    @property
    def is_published(self) -> bool:
        return self.moderation == ModerationState.VISIBLE


class ReplyRevision(models.Model):
    """A reply's body as it was before an edit."""

    reply = models.ForeignKey(Reply, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    edited_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Revision of reply {self.reply_id}"


class ArticleRevision(models.Model):
    """One saved version of an article (number 1 is the first), kept for ever."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=TITLE_MAX)
    body = models.TextField()
    edited_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["topic", "number"], name="article_revision_number")
        ]

    def __str__(self) -> str:
        return f"Revision {self.number} of {self.topic_id}"


class Like(models.Model):
    """One member liking one topic or one reply."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(
        Topic, null=True, blank=True, on_delete=models.CASCADE, related_name="likes"
    )
    reply = models.ForeignKey(
        Reply, null=True, blank=True, on_delete=models.CASCADE, related_name="likes"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(topic__isnull=False) & Q(reply__isnull=True))
                | (Q(topic__isnull=True) & Q(reply__isnull=False)),
                name="like_one_target",
            ),
            models.UniqueConstraint(
                fields=["member", "topic"], condition=Q(topic__isnull=False), name="like_topic_once"
            ),
            models.UniqueConstraint(
                fields=["member", "reply"], condition=Q(reply__isnull=False), name="like_reply_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} likes {self.topic_id or self.reply_id}"


class Vote(models.Model):
    """One member's vote for one idea (votes are not likes: they rank what to build)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="votes")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "topic"], name="vote_once")]

    def __str__(self) -> str:
        return f"{self.member_id} votes for {self.topic_id}"


class ArticleFeedback(models.Model):
    """A member's answer to "Was this helpful?" on an article (they may change it)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="feedback")
    helpful = models.BooleanField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "topic"], name="article_feedback_once")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} on {self.topic_id}: {self.helpful}"


class NotificationVerb(models.TextChoices):
    REPLY = "reply", "replied to your topic"
    MENTION = "mention", "mentioned you"
    SOLUTION = "solution", "accepted your reply as the solution"
    OFFICIAL = "official", "marked an official response on your topic"
    IDEA_STATUS = "idea_status", "changed the status of an idea you follow"
    APPROVED = "approved", "approved your post after review"
    FOLLOWED_REPLY = "followed_reply", "replied to a topic you follow"
    FOLLOWED_TOPIC = "followed_topic", "started a topic on a board or tag you follow"
    BADGE = "badge", "earned you a badge"


class Notification(models.Model):
    """An in-app notice for one member about one topic; read when `read_at` is set."""

    recipient = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="community_notifications"
    )
    actor = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    verb = models.CharField(max_length=16, choices=NotificationVerb.choices)
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+")
    reply = models.ForeignKey(
        Reply, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The badge's slug for badge notices.
    detail = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at", "created_at"], name="notification_inbox")
        ]

    def __str__(self) -> str:
        return f"{self.verb} for {self.recipient_id} on {self.topic_id}"


# Search and consumption signals live in their own module (imported here so Django sees them).
# Flags and bans live in their own module; imported here so Django finds the models.
# What merges of people moved (to undo them exactly).
from townhall.community.models_merges import MovedRows  # noqa: E402, F401
from townhall.community.models_moderation import Ban, Flag, FlagReason  # noqa: E402, F401

# Reputation, subscriptions and email delivery live in their own module.
from townhall.community.models_reputation import *  # noqa: E402, F403
from townhall.community.models_search import (  # noqa: E402, F401
    DraftSession,
    DraftState,
    SolvedToo,
    SuggestionOpen,
    TopicView,
)
