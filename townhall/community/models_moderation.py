"""Moderation data: flags raised on topics and replies (by readers or the spam check) and
bans. Whether a post is shown lives on Topic/Reply (`moderation`, `locked_at`,
`pinned_at`, `merged_into`); every moderation action is also written to the audit log
(`accounts.AuditEvent`).
"""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone

from townhall.core.models import Member

FLAG_TEXT_MAX = 1000


class FlagReason(models.TextChoices):
    SPAM = "spam", "Spam or advertising"
    ABUSE = "abuse", "Abusive or harassing"
    OFF_TOPIC = "off_topic", "Off-topic"
    OTHER = "other", "Something else"


class FlagOutcome(models.TextChoices):
    UPHELD = "upheld", "Upheld: the post was taken down"
    DISMISSED = "dismissed", "Dismissed: the post stays"


class Flag(models.Model):
    """A reader's report about one topic or one reply, or the spam check's (no member).

    A member has at most one open flag per item; a moderator's decision resolves every
    open flag on the item at once.
    """

    topic = models.ForeignKey(
        "community.Topic", null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    reply = models.ForeignKey(
        "community.Reply", null=True, blank=True, on_delete=models.CASCADE, related_name="flags"
    )
    member = models.ForeignKey(
        Member,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who flagged; empty when the spam check held the post.",
    )
    reason = models.CharField(max_length=16, choices=FlagReason.choices)
    text = models.TextField(blank=True, default="", max_length=FLAG_TEXT_MAX)
    data = models.JSONField(default=dict, blank=True, help_text="Spam score and its signals.")
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=16, choices=FlagOutcome.choices, blank=True, default="")

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(topic__isnull=False) & Q(reply__isnull=True))
                | (Q(topic__isnull=True) & Q(reply__isnull=False)),
                name="flag_one_target",
            ),
            models.UniqueConstraint(
                fields=["member", "topic"],
                condition=Q(resolved_at__isnull=True, topic__isnull=False, member__isnull=False),
                name="flag_topic_open_once",
            ),
            models.UniqueConstraint(
                fields=["member", "reply"],
                condition=Q(resolved_at__isnull=True, reply__isnull=False, member__isnull=False),
                name="flag_reply_open_once",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"], name="flag_open", condition=Q(resolved_at__isnull=True)
            )
        ]

    def __str__(self) -> str:
        return f"{self.reason} flag on {'reply' if self.reply_id else 'topic'} {self.reply_id or self.topic_id}"

    @property
    def is_automatic(self) -> bool:
        return self.member_id is None


class Ban(models.Model):
    """A member barred from posting, replying, voting, liking and flagging, until
    `expires_at` (empty: permanent) or until a moderator lifts it."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="community_bans")
    reason = models.TextField(max_length=2000)
    created_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["member", "lifted_at"], name="ban_member")]

    def __str__(self) -> str:
        return f"Ban of {self.member_id}"

    @property
    def is_permanent(self) -> bool:
        return self.expires_at is None

    def is_active(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.lifted_at is None and (self.expires_at is None or self.expires_at > now)


def active_bans(now: datetime | None = None) -> models.QuerySet[Ban]:
    """Bans in force at `now`."""
    now = now or timezone.now()
    return Ban.objects.filter(lifted_at__isnull=True).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )
