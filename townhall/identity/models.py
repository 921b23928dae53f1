"""The review queue: pairs of members that may be one person, for a human to decide."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from townhall.core.models import Member


class MergeSuggestion(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for review"
        MERGED = "merged", "Merged"
        REJECTED = "rejected", "Not the same person"
        STALE = "stale", "No longer applies"

    member_low = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    member_high = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    confidence = models.FloatField()
    evidence = models.JSONField(default=list, help_text="Why they may be one person, in words.")
    features = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        ordering = ["-confidence", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["member_low", "member_high"], name="merge_suggestion_pair"
            ),
            models.CheckConstraint(
                condition=Q(member_low__lt=models.F("member_high")), name="merge_suggestion_ordered"
            ),
        ]
        indexes = [models.Index(fields=["status", "-confidence"], name="merge_suggestion_queue")]

    def __str__(self) -> str:
        return f"{self.member_low_id} ~ {self.member_high_id} ({self.confidence:.1%})"
