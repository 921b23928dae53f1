"""Configured connections to live sources: settings, encrypted credentials, cursor, schedule.

Each sync of a connection, like each file import, is a `core.ImportRun` (origin
`connection:<id>`), which holds its start, end, counts and error.
"""

from __future__ import annotations

from django.db import models

from townhall.core.models import ImportRun


class Connection(models.Model):
    name = models.CharField(max_length=100, unique=True)
    connector = models.CharField(max_length=64)
    config = models.JSONField(default=dict, blank=True, help_text="Settings without secrets.")
    secrets = models.TextField(blank=True, default="", help_text="Encrypted credentials.")
    cursor = models.JSONField(default=dict, blank=True, help_text="Where the next sync starts.")
    enabled = models.BooleanField(default=True)
    interval_minutes = models.PositiveIntegerField(default=60, help_text="How often beat syncs it.")
    last_synced_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.connector})"

    @property
    def origin(self) -> str:
        return f"connection:{self.pk}"

    def runs(self) -> models.QuerySet[ImportRun]:
        return ImportRun.objects.filter(origin=self.origin)
