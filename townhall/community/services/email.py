"""Notifications by email: right away (a Celery task per batch), in a daily digest, or never.

Every email is checked against what its recipient can read *when it is sent* (they may
have left a group since the notification was made), through `notifications_for`, the
same selector the notifications page uses; nothing from a board they cannot read goes
out. Every email carries a one-click unsubscribe link (a signed token, no login) and the
List-Unsubscribe / List-Unsubscribe-Post headers of RFC 8058.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from townhall.community.models import (
    EmailMode,
    EmailPreference,
    Notification,
    NotificationEmail,
    NotificationVerb,
)
from townhall.community.selectors import notifications_for
from townhall.core.models import Member

UNSUBSCRIBE_SALT = "townhall.community.unsubscribe"
# A digest covers what is unread and not yet emailed, but never older news than this:
# switching email back on does not unearth a month of notices.
DIGEST_WINDOW = timedelta(days=2)
EXCERPT = 500


def email_mode(member: Member) -> EmailMode:
    """The member's choice; no choice yet means right away."""
    mode = EmailPreference.objects.filter(member=member).values_list("mode", flat=True).first()
    return EmailMode(mode or EmailMode.IMMEDIATE)


@transaction.atomic
def set_email_mode(mode: EmailMode | str, *, by: Member) -> EmailPreference:
    """Choose how the member hears about notifications by email (their own choice only)."""
    try:
        mode = EmailMode(mode)
    except ValueError:
        raise ValidationError(f"Pick one of: {', '.join(EmailMode.values)}.") from None
    preference, _ = EmailPreference.objects.update_or_create(
        member=by, defaults={"mode": mode, "updated_at": timezone.now()}
    )
    return preference


def unsubscribe_token(member: Member) -> str:
    """A signed token naming the member; whoever holds it may turn their emails off.

    No timestamp in it: an unsubscribe link must work however old the email is, and the
    same member always gets the same link."""
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object({"m": member.pk})


def unsubscribe_url(member: Member) -> str:
    return f"{settings.SITE_URL}/community/unsubscribe/{unsubscribe_token(member)}/"


def member_for_token(token: str) -> Member | None:
    """The member an unsubscribe token names, or None when it is forged or garbled."""
    try:
        data = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    except signing.BadSignature:
        return None
    return Member.objects.filter(pk=data.get("m")).first() if isinstance(data, dict) else None


@transaction.atomic
def unsubscribe(token: str) -> Member:
    """Turn every community email off for the member the token names (no login needed)."""
    member = member_for_token(token)
    if member is None:
        raise ValidationError("This unsubscribe link is not valid; open your email settings.")
    set_email_mode(EmailMode.OFF, by=member)
    return member


def email_after_commit(notification_ids: list[int]) -> None:
    """Queue the immediate emails for these notifications once the transaction commits."""
    if not notification_ids:
        return
    ids = list(notification_ids)

    def enqueue() -> None:
        from townhall.community.tasks import send_notification_emails

        send_notification_emails.delay(ids)

    transaction.on_commit(enqueue)


def _address(member: Member) -> str:
    user = member.user
    return (user.email if user is not None and user.email else "") or member.primary_email


def _message(member: Member, subject: str, body: str) -> EmailMessage:
    url = unsubscribe_url(member)
    return EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[_address(member)],
        headers={
            "List-Unsubscribe": f"<{url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )


def _line(notice: Notification) -> str:
    if notice.verb == NotificationVerb.BADGE:
        from townhall.community.services.badges import badge_named

        badge = badge_named(notice.detail)
        return f"You earned the badge “{badge.name if badge else notice.detail}”"
    return f"{notice.actor or 'Someone'} {notice.get_verb_display()}: {notice.topic.title}"


def _entry(notice: Notification) -> dict[str, str]:
    anchor = f"#reply-{notice.reply_id}" if notice.reply_id else ""
    excerpt = ""
    if notice.reply is not None:
        excerpt = notice.reply.body[:EXCERPT]
    elif notice.verb in {NotificationVerb.FOLLOWED_TOPIC, NotificationVerb.MENTION}:
        excerpt = notice.topic.body[:EXCERPT]
    return {
        "line": _line(notice),
        "title": notice.topic.title,
        "url": f"{settings.SITE_URL}{notice.topic.get_absolute_url()}{anchor}",
        "excerpt": excerpt,
    }


def _readable(member: Member, ids: Iterable[int]) -> list[Notification]:
    """The member's notifications among `ids` about topics they can read now."""
    return list(
        notifications_for(member)
        .filter(pk__in=list(ids))
        .select_related("reply")
        .order_by("topic_id", "created_at", "id")
    )


def _mark_sent(notices: list[Notification], mode: EmailMode) -> list[Notification]:
    """Claim the notices for this email; ones another run already sent are dropped."""
    claimed = []
    for notice in notices:
        try:
            with transaction.atomic():
                NotificationEmail.objects.create(notification=notice, mode=mode)
        except IntegrityError:
            continue
        claimed.append(notice)
    return claimed


def send_immediate(notification_ids: Iterable[int]) -> int:
    """Email each notification to its recipient if they want email right away; returns how
    many went out. Safe to run twice: a notification is emailed at most once."""
    rows = (
        Notification.objects.filter(pk__in=list(notification_ids))
        .exclude(pk__in=NotificationEmail.objects.values("notification_id"))
        .values_list("recipient_id", "pk")
    )
    by_member: dict[int, list[int]] = defaultdict(list)
    for member_id, pk in rows:
        by_member[member_id].append(pk)
    sent = 0
    members = Member.objects.select_related("user").in_bulk(list(by_member))
    messages = []
    for member_id, ids in by_member.items():
        member = members[member_id]
        if not _address(member) or email_mode(member) != EmailMode.IMMEDIATE:
            continue
        for notice in _mark_sent(_readable(member, ids), EmailMode.IMMEDIATE):
            entry = _entry(notice)
            body = render_to_string(
                "community/email/notification.txt",
                {
                    "entry": entry,
                    "member": member,
                    "unsubscribe": unsubscribe_url(member),
                    "site_url": settings.SITE_URL,
                },
            )
            messages.append(_message(member, f"[{settings.SITE_NAME}] {entry['line']}", body))
    if messages:
        sent = get_connection().send_messages(messages) or 0
    return sent


@dataclass(frozen=True)
class DigestSummary:
    members: int
    emails: int
    notifications: int


def send_digests(now: datetime | None = None) -> DigestSummary:
    """One email per member who chose the daily digest, grouping their unread, not yet
    emailed notifications of the last two days by topic. Safe to run twice."""
    now = now or timezone.now()
    members = list(
        Member.objects.filter(
            community_email__mode=EmailMode.DAILY, merged_into__isnull=True
        ).select_related("user")
    )
    emails = notices_total = 0
    messages = []
    for member in members:
        if not _address(member):
            continue
        ids = (
            Notification.objects.filter(
                recipient=member, read_at__isnull=True, created_at__gte=now - DIGEST_WINDOW
            )
            .exclude(pk__in=NotificationEmail.objects.values("notification_id"))
            .values_list("pk", flat=True)
        )
        notices = _mark_sent(_readable(member, ids), EmailMode.DAILY)
        if not notices:
            continue
        groups: dict[int, list[dict[str, str]]] = defaultdict(list)
        titles: dict[int, tuple[str, str]] = {}
        for notice in notices:
            groups[notice.topic_id].append(_entry(notice))
            titles[notice.topic_id] = (
                notice.topic.title,
                f"{settings.SITE_URL}{notice.topic.get_absolute_url()}",
            )
        body = render_to_string(
            "community/email/digest.txt",
            {
                "member": member,
                "topics": [(titles[t], entries) for t, entries in groups.items()],
                "count": len(notices),
                "unsubscribe": unsubscribe_url(member),
                "site_url": settings.SITE_URL,
            },
        )
        subject = f"[{settings.SITE_NAME}] {len(notices)} new in the community"
        messages.append(_message(member, subject, body))
        emails += 1
        notices_total += len(notices)
    if messages:
        get_connection().send_messages(messages)
    return DigestSummary(members=len(members), emails=emails, notifications=notices_total)
