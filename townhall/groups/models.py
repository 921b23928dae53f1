"""Groups, who belongs to them, who asked to join and who was invited."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from townhall.core.models import Member


class Privacy(models.TextChoices):
    """Who can find a group and who can get in."""

    PUBLIC = "public", "Public — anyone can see it and join"
    PRIVATE = "private", "Private — listed; a group admin approves each request to join"
    SECRET = "secret", "Secret — hidden from non-members; by invitation only"


class Group(models.Model):
    """A niche sub-community inside the community (a product line, a region, a hobby)."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=64, unique=True)
    description = models.TextField(blank=True, default="", max_length=2000)
    privacy = models.CharField(max_length=16, choices=Privacy.choices, default=Privacy.PUBLIC)
    created_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def short_privacy(self) -> str:
        return self.privacy.capitalize()


class GroupRole(models.TextChoices):
    MEMBER = "member", "Member"
    ADMIN = "admin", "Group admin"


class GroupMembership(models.Model):
    """One member in one group; group admins approve requests and send invitations."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="group_memberships")
    role = models.CharField(max_length=16, choices=GroupRole.choices, default=GroupRole.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "member"], name="group_membership_unique")
        ]
        indexes = [models.Index(fields=["member", "group"], name="group_membership_member")]

    def __str__(self) -> str:
        return f"{self.member_id} in {self.group_id} ({self.role})"


class Decision(models.TextChoices):
    PENDING = "pending", "Pending"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"


class JoinRequest(models.Model):
    """A member asking to join a private group; a group admin approves or declines it."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="join_requests")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    message = models.CharField(max_length=500, blank=True, default="")
    status = models.CharField(max_length=16, choices=Decision.choices, default=Decision.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "member"],
                condition=Q(status="pending"),
                name="join_request_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id} → {self.group_id} ({self.status})"


class Invitation(models.Model):
    """A group admin inviting a member (the only way into a secret group)."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="invitations")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="group_invitations")
    invited_by = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=16, choices=Decision.choices, default=Decision.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "member"],
                condition=Q(status="pending"),
                name="invitation_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.member_id} invited to {self.group_id} ({self.status})"
