"""Consumption signals and the self-service signal: who read a topic (one row per viewer
and day), who said "This solved my problem too", and drafts of questions whose author
opened a suggested similar question.

The full-text index itself is not a model: it is an FTS5 table (SQLite) or a generated
`tsvector` column (PostgreSQL) created by `search_schema.ensure_search_schema`.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from townhall.core.models import Member


class TopicView(models.Model):
    """One viewer reading one topic on one day (UTC). Written with one INSERT that ignores
    duplicates; a database trigger adds one to `Topic.view_count` for each new row.

    `viewer_key` is `m:<member id>` for signed-in members and `a:<keyed hash>` of the
    session key (or of IP address and user agent) for visitors: no address is stored.
    """

    topic = models.ForeignKey("community.Topic", on_delete=models.CASCADE, related_name="views")
    day = models.DateField()
    viewer_key = models.CharField(max_length=40)
    member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Set once the member's view is in the activity stream (`record_view_activities`).
    activity_recorded = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["topic", "day", "viewer_key"], name="topic_view_once_a_day"
            )
        ]
        indexes = [
            models.Index(
                fields=["id"],
                name="topic_view_unrecorded",
                condition=models.Q(member__isnull=False, activity_recorded=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.viewer_key} read {self.topic_id} on {self.day}"


class SolvedToo(models.Model):
    """A reader saying a solved question's solution solved their problem too."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    topic = models.ForeignKey(
        "community.Topic", on_delete=models.CASCADE, related_name="solved_too"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "topic"], name="solved_too_once")]

    def __str__(self) -> str:
        return f"{self.member_id} solved too by {self.topic_id}"


class DraftState(models.TextChoices):
    OPEN = "open", "Still being written"
    POSTED = "posted", "The member posted a question"
    SELF_SERVED = "self_served", "Abandoned after reading a suggestion"


class DraftSession(models.Model):
    """A new-question form in which the member opened at least one suggested question.

    Created on the first opened suggestion (a form nobody clicks from leaves no row).
    Each open moves `expires_at` to the open plus the deflection window; posting a
    question closes it as `posted`; `record_deflections` closes the expired ones as
    `self_served` and records one `self-served` activity each.
    """

    token = models.CharField(max_length=40, unique=True)
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    board = models.ForeignKey(
        "community.Board", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    state = models.CharField(max_length=16, choices=DraftState.choices, default=DraftState.OPEN)
    posted_topic = models.ForeignKey(
        "community.Topic", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["expires_at"],
                name="draft_open_expiry",
                condition=models.Q(state="open"),
            )
        ]

    def __str__(self) -> str:
        return f"Draft {self.token} by {self.member_id} ({self.state})"


class SuggestionOpen(models.Model):
    """A suggested question opened from a draft (the latest time it was opened)."""

    draft = models.ForeignKey(DraftSession, on_delete=models.CASCADE, related_name="opens")
    topic = models.ForeignKey("community.Topic", on_delete=models.CASCADE, related_name="+")
    opened_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["draft", "topic"], name="suggestion_open_once")
        ]

    def __str__(self) -> str:
        return f"{self.draft_id} opened {self.topic_id}"
