"""Reputation (a ledger of points, badges, MVPs) and subscriptions with email delivery.

Kept apart from models.py so the community's core tables stay small; models.py imports
this module at its end so Django sees these models as the community app's.

The ledger: every point a member earns or loses is one `ReputationEvent` row, keyed by
what earned it (`like:reply:<id>:<liker>`). A reversal (unlike, withdrawn solution) is a
row with the opposite points under the same key, so a total always equals the sum of
its rows, and `townhall community reputation --rebuild` can derive the whole ledger
again from the likes, solutions, votes, statuses and feedback in the database.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone

from townhall.core.models import Member

__all__ = [
    "EmailMode",
    "EmailPreference",
    "MemberBadge",
    "Mvp",
    "NotificationEmail",
    "ReputationAction",
    "ReputationEvent",
    "ReputationTotal",
    "Subscription",
]


class ReputationAction(models.TextChoices):
    REPLY_LIKED = "reply_liked", "Someone liked your reply"
    TOPIC_LIKED = "topic_liked", "Someone liked your topic"
    SOLUTION_ACCEPTED = "solution_accepted", "Your reply was accepted as the solution"
    IDEA_VOTED = "idea_voted", "Someone voted for your idea"
    IDEA_SHIPPED = "idea_shipped", "Your idea shipped"
    ARTICLE_HELPFUL = "article_helpful", "Someone found your article helpful"


class ReputationEvent(models.Model):
    """Points one member earned (positive) or lost (a reversal, negative) for one action."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=32, choices=ReputationAction.choices)
    key = models.CharField(max_length=120, help_text="What earned it; a reversal repeats it.")
    points = models.IntegerField()
    board = models.ForeignKey(
        "community.Board", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    topic = models.ForeignKey(
        "community.Topic", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["member", "created_at"], name="reputation_member_time"),
            models.Index(fields=["created_at"], name="reputation_time"),
            models.Index(fields=["board", "created_at"], name="reputation_board_time"),
            models.Index(fields=["topic", "key"], name="reputation_topic_key"),
        ]

    def __str__(self) -> str:
        return f"{self.points:+d} for {self.member_id} ({self.key})"

    @property
    def is_reversal(self) -> bool:
        return self.points < 0


class ReputationTotal(models.Model):
    """A member's running total (the sum of their ledger rows), for ranks next to names."""

    member = models.OneToOneField(
        Member, primary_key=True, on_delete=models.CASCADE, related_name="community_reputation"
    )
    points = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.member_id}: {self.points}"


class MemberBadge(models.Model):
    """A badge a member earned; awarded once and kept (losing points does not take it back)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="community_badges")
    badge = models.CharField(max_length=32)
    awarded_at = models.DateTimeField(default=timezone.now)
    topic = models.ForeignKey(
        "community.Topic", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["awarded_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "badge"], name="member_badge_once")
        ]

    def __str__(self) -> str:
        return f"{self.badge} for {self.member_id}"


class Mvp(models.Model):
    """A community manager's recognition of a member (the superuser/MVP flag), with why.

    Revoking keeps the row (`revoked_at`), so the history of who was an MVP stays.
    """

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="community_mvps")
    reason = models.CharField(max_length=500)
    granted_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = "MVP"
        verbose_name_plural = "MVPs"
        ordering = ["-granted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"], condition=Q(revoked_at__isnull=True), name="mvp_one_active"
            )
        ]

    def __str__(self) -> str:
        return f"MVP {self.member_id}"


class Subscription(models.Model):
    """A member following one topic, one board or one tag."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="community_subscriptions"
    )
    topic = models.ForeignKey(
        "community.Topic", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    board = models.ForeignKey(
        "community.Board", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    tag = models.ForeignKey(
        "community.Tag", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(topic__isnull=False, board__isnull=True, tag__isnull=True)
                    | Q(topic__isnull=True, board__isnull=False, tag__isnull=True)
                    | Q(topic__isnull=True, board__isnull=True, tag__isnull=False)
                ),
                name="subscription_one_target",
            ),
            models.UniqueConstraint(
                fields=["member", "topic"], condition=Q(topic__isnull=False), name="follow_topic"
            ),
            models.UniqueConstraint(
                fields=["member", "board"], condition=Q(board__isnull=False), name="follow_board"
            ),
            models.UniqueConstraint(
                fields=["member", "tag"], condition=Q(tag__isnull=False), name="follow_tag"
            ),
        ]
        indexes = [
            models.Index(fields=["topic"], name="subscription_topic"),
            models.Index(fields=["board"], name="subscription_board"),
            models.Index(fields=["tag"], name="subscription_tag"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} follows {self.topic_id or self.board_id or self.tag_id}"


class EmailMode(models.TextChoices):
    IMMEDIATE = "immediate", "Right away, one email per notification"
    DAILY = "daily", "Once a day, a digest"
    OFF = "off", "Never"


class EmailPreference(models.Model):
    """How a member wants notifications by email (no row: the default, right away)."""

    member = models.OneToOneField(
        Member, primary_key=True, on_delete=models.CASCADE, related_name="community_email"
    )
    mode = models.CharField(max_length=16, choices=EmailMode.choices, default=EmailMode.IMMEDIATE)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.member_id}: {self.mode}"


class NotificationEmail(models.Model):
    """That a notification went out by email (right away or in a digest): never twice."""

    notification = models.OneToOneField(
        "community.Notification", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    mode = models.CharField(max_length=16, choices=EmailMode.choices)
    sent_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Email for notification {self.notification_id}"
