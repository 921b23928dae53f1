"""Celery tasks of the community space: thin wrappers over the verbs, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from townhall.community.services import email
from townhall.community.services.consumption import record_view_activities
from townhall.community.services.deflection import record_deflections


@shared_task(name="community.record_view_activities")
def record_view_activities_task() -> int:
    """Put members' recent topic views in the activity stream (run by beat)."""
    return record_view_activities()


@shared_task(name="community.record_deflections")
def record_deflections_task() -> dict[str, int]:
    """Close expired question drafts, recording self-service (run by beat)."""
    return record_deflections()


@shared_task(name="community.send_notification_emails")
def send_notification_emails(notification_ids: list[int]) -> int:
    """Email these notifications to recipients who want email right away."""
    return email.send_immediate(notification_ids)


@shared_task(name="community.send_digests")
def send_digests() -> int:
    """The daily digest for members who chose it; returns how many emails went out."""
    return email.send_digests().emails
