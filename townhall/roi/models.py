"""Invite holdouts: a random share of invitations held back, so a true experiment exists."""

from __future__ import annotations

from django.db import models

from townhall.crm.models import Account


class HoldoutCampaign(models.Model):
    """Community invitations (or nudges) to accounts' people, with a random holdout."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=255)
    holdout_share = models.FloatField(help_text="Share of accounts not invited (0–0.5).")
    seed = models.CharField(max_length=64, help_text="Makes the assignment reproducible.")
    started_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class HoldoutAssignment(models.Model):
    """Which arm an account is in: invited, or held out of the invitation."""

    class Arm(models.TextChoices):
        INVITED = "invited", "Invited"
        HOLDOUT = "holdout", "Held out"

    campaign = models.ForeignKey(
        HoldoutCampaign, on_delete=models.CASCADE, related_name="assignments"
    )
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="holdout_assignments"
    )
    arm = models.CharField(max_length=8, choices=Arm.choices)
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "account"], name="roi_holdout_account_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.arm} in {self.campaign_id}"
