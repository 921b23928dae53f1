"""Celery tasks of the community space: thin wrappers over the email verbs, safe to run twice."""

from __future__ import annotations

from celery import shared_task

from townhall.community.services import email


@shared_task(name="community.send_notification_emails")
def send_notification_emails(notification_ids: list[int]) -> int:
    """Email these notifications to recipients who want email right away."""
    return email.send_immediate(notification_ids)


@shared_task(name="community.send_digests")
def send_digests() -> int:
    """The daily digest for members who chose it; returns how many emails went out."""
    return email.send_digests().emails
