"""Accounts data: personal API tokens and the audit log.

A token's secret is never stored: only its SHA-256 hash and a short, non-secret
prefix (what lists show and what a lookup starts from). `townhall.accounts.tokens`
holds the verbs that create, check and revoke them.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

TOKEN_NAME_MAX = 100


class ApiToken(models.Model):
    """A personal API token: `th_<prefix>_<secret>`, stored as a prefix and a SHA-256 hash."""

    class Scope(models.TextChoices):
        READ = "read", "Read"
        WRITE = "write", "Read and write"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=TOKEN_NAME_MAX, help_text="What the token is for.")
    prefix = models.CharField(
        max_length=16, unique=True, help_text="Non-secret start of the token, shown in lists."
    )
    secret_hash = models.CharField(
        max_length=64, help_text="SHA-256 (hex) of the whole token; the token itself is not kept."
    )
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.READ)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API token"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.display_prefix})"

    @property
    def display_prefix(self) -> str:
        """How lists show the token: enough to recognise it, nothing to use it."""
        return f"th_{self.prefix}_…"

    def is_usable(self, now: datetime | None = None) -> bool:
        """Neither revoked nor expired."""
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def allows(self, scope: str) -> bool:
        """True when this token may do what `scope` needs (write implies read)."""
        return self.scope == self.Scope.WRITE or scope == self.Scope.READ

    @property
    def status(self) -> str:
        """`active`, `revoked` or `expired`, for lists."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= timezone.now():
            return "expired"
        return "active"


class AuditEvent(models.Model):
    """One recorded moderation or administration action: who did what to which object, why.

    Rows are only ever added (`accounts.services.record_audit`); the target is named by
    type and id, not a foreign key, so the trail outlives the object and never ties the
    accounts app to the app that owns it.
    """

    actor = models.ForeignKey(
        "core.Member",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Who acted; empty for the system (e.g. the spam check).",
    )
    verb = models.CharField(max_length=32, help_text="What was done: hide, ban, merge…")
    target_type = models.CharField(max_length=40, help_text="e.g. community.topic, core.member")
    target_id = models.CharField(max_length=40)
    reason = models.TextField(blank=True, default="", max_length=2000)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"], name="audit_target"),
            models.Index(fields=["verb", "created_at"], name="audit_verb_time"),
        ]

    def __str__(self) -> str:
        return f"{self.actor_id or 'system'} {self.verb} {self.target_type}:{self.target_id}"
