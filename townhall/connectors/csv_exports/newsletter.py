"""Newsletter exports — Mailchimp audiences and activity, Substack subscribers and opens.

Subscribing and unsubscribing are dated in the audience/subscriber lists; opens and
clicks come one row per event from Mailchimp's account export (`granular_activity/
opens|clicks/<campaign>.csv`) and Substack's export (`posts/<post>.opens.csv`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any

from townhall.connectors.csv_exports.tabular import (
    Dates,
    RowError,
    Vendor,
    first_nonempty,
    slug,
    stable_id,
    truthy,
)
from townhall.core.records import ActivityRecord, Person

MAILCHIMP_AUDIENCE = Vendor(
    "mailchimp",
    "a Mailchimp audience export",
    ("Email Address", "MEMBER_RATING", "OPTIN_TIME", "CONFIRM_TIME", "LAST_CHANGED"),
)
MAILCHIMP_ACTIVITY = Vendor(
    "mailchimp-activity", "a Mailchimp opens or clicks export", ("Email", "Timestamp")
)
SUBSTACK_SUBSCRIBERS = Vendor(
    "substack", "a Substack subscriber list", ("email", "active_subscription", "plan")
)
SUBSTACK_OPENS = Vendor(
    "substack-opens", "a Substack post's opens", ("post_id", "timestamp", "email")
)
SUBSTACK_POSTS = Vendor("substack-posts", "Substack's posts.csv", ("post_id", "post_date", "title"))
# Detection order: the audience export also has an email column and timestamps.
VENDORS = [
    MAILCHIMP_AUDIENCE,
    SUBSTACK_SUBSCRIBERS,
    SUBSTACK_OPENS,
    SUBSTACK_POSTS,
    MAILCHIMP_ACTIVITY,
]
CAMPAIGN_FILE = re.compile(r"^(?P<id>\d+)(?:[_-](?P<title>.+))?$")
EMAIL_LIST_FILE = re.compile(r"email_list\.(?P<publication>[^/]+)\.csv$", re.IGNORECASE)


def vendor_slug(vendor: Vendor) -> str:
    return vendor.name.split("-")[0]


def activity_kind(name: str, columns: set[str]) -> str | None:
    """Opens or clicks, from the export's folder or file name, else from a URL column.

    Mailchimp's account export holds other per-email files with the same two columns
    (sends, bounces); reading those as opens would invent engagement, so a file that
    says neither is not read.
    """
    lowered = name.lower()
    if "click" in lowered:
        return "email_clicked"
    if "open" in lowered:
        return "email_opened"
    if columns & {"Url", "URL"}:
        return "email_clicked"
    return None


def campaign_of(name: str, given: str) -> tuple[str, str]:
    """(key, title) of a Mailchimp campaign file `<web id>_<title>.csv`, or the given name."""
    stem = PurePosixPath(name).stem
    found = CAMPAIGN_FILE.match(stem)
    if given:
        return slug(given), given
    if found:
        title = (found["title"] or "").strip() or f"campaign {found['id']}"
        return found["id"], title
    return slug(stem), stem


def publication_of(names: list[str]) -> str:
    """Substack's subscriber file is `email_list.<publication>.csv`."""
    for name in names:
        if found := EMAIL_LIST_FILE.search(name):
            return found["publication"]
    return ""


def _tags(value: str) -> list[str]:
    # Mailchimp writes tags as "VIP","Blog" inside one cell.
    quoted = re.findall(r'"([^"]+)"', value)
    return quoted or [t.strip() for t in value.split(",") if t.strip()]


@dataclass
class Newsletter:
    """What the export is about: source slug, newsletter (channel), dates, post titles."""

    source: str
    name: str
    dates: Dates
    posts: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return slug(self.name) or self.source

    def record(
        self,
        kind: str,
        external_id: str,
        occurred_at: datetime,
        email: str,
        *,
        name: str | None = None,
        title: str = "",
        properties: dict[str, Any] | None = None,
    ) -> ActivityRecord:
        return ActivityRecord(
            source=self.source,
            external_id=external_id,
            kind=kind,
            occurred_at=occurred_at,
            actor=Person(email=email, name=name or None),
            channel=self.name[:255],
            title=title[:500],
            properties={k: v for k, v in (properties or {}).items() if v not in ("", None, [])},
        )


def _email(row: dict[str, str], column: str) -> str:
    email = row.get(column, "").strip()
    if not email:
        raise RowError(f"column {column!r} is empty")
    return email


def mailchimp_member(row: dict[str, str], letter: Newsletter) -> Iterator[ActivityRecord]:
    """`subscribed` (confirmed, else opted in); `unsubscribed` in the unsubscribed export.

    Cleaned addresses (bounces) are not something the person did: no record for that.
    """
    email = _email(row, "Email Address")
    name = f"{row.get('First Name', '')} {row.get('Last Name', '')}".strip()
    column, when = first_nonempty(row, "CONFIRM_TIME", "OPTIN_TIME")
    if not when:
        raise RowError("neither 'CONFIRM_TIME' nor 'OPTIN_TIME' says when they subscribed")
    rating = row.get("MEMBER_RATING", "").strip()
    properties = {
        "member_rating": int(rating) if rating.isdigit() else None,
        "country": row.get("CC", "").strip(),
        "tags": _tags(row.get("TAGS", "")),
    }
    yield letter.record(
        "subscribed",
        # The time is part of the id: a later re-subscription is a new activity.
        stable_id("mailchimp", letter.key, "subscribed", email.lower(), when),
        letter.dates.parse(when, column),
        email,
        name=name,
        properties=properties,
    )
    left = row.get("UNSUB_TIME", "").strip()
    if left:
        reason = row.get("UNSUB_REASON_OTHER", "").strip() or row.get("UNSUB_REASON", "").strip()
        yield letter.record(
            "unsubscribed",
            stable_id("mailchimp", letter.key, "unsubscribed", email.lower(), left),
            letter.dates.parse(left, "UNSUB_TIME"),
            email,
            name=name,
            title=row.get("UNSUB_CAMPAIGN_TITLE", "").strip(),
            properties={"reason": reason, "campaign_id": row.get("UNSUB_CAMPAIGN_ID", "").strip()},
        )


def mailchimp_activity(
    row: dict[str, str], letter: Newsletter, *, kind: str, campaign: tuple[str, str]
) -> Iterator[ActivityRecord]:
    """One `email_opened` or `email_clicked` (the URL in properties) per row."""
    email = _email(row, "Email")
    when = row.get("Timestamp", "").strip()
    key, title = campaign
    url = (row.get("Url") or row.get("URL") or "").strip()
    parts = ["mailchimp", key, kind.removeprefix("email_"), email.lower(), when]
    yield letter.record(
        kind,
        stable_id(*parts, url) if url else stable_id(*parts),
        letter.dates.parse(when, "Timestamp"),
        email,
        title=title,
        properties={"campaign_id": key, "url": url},
    )


def substack_subscriber(row: dict[str, str], letter: Newsletter) -> Iterator[ActivityRecord]:
    """`subscribed` at created_at; `paid_subscription_started` at first_payment_at.

    The list has no date for turning emails off (`email_disabled`): it is a property.
    """
    email = _email(row, "email")
    column, when = first_nonempty(row, "created_at", "subscription_created_at")
    if not when:
        raise RowError("column 'created_at' is empty")
    plan = row.get("plan", "").strip()
    properties = {
        "plan": plan,
        "paid": truthy(row.get("active_subscription", "")),
        "email_disabled": truthy(row.get("email_disabled", "")) or None,
    }
    yield letter.record(
        "subscribed",
        stable_id("substack", letter.key, "subscribed", email.lower(), when),
        letter.dates.parse(when, column),
        email,
        properties=properties,
    )
    paid = row.get("first_payment_at", "").strip()
    if paid:
        yield letter.record(
            "paid_subscription_started",
            stable_id("substack", letter.key, "paid", email.lower(), paid),
            letter.dates.parse(paid, "first_payment_at"),
            email,
            properties={"plan": plan},
        )


def substack_open(row: dict[str, str], letter: Newsletter) -> Iterator[ActivityRecord]:
    """One `email_opened` per row of a post's opens, titled with the post."""
    email = _email(row, "email")
    post_id = row.get("post_id", "").strip()
    if not post_id:
        raise RowError("column 'post_id' is empty")
    when = row.get("timestamp", "").strip()
    number = post_id.split(".")[0]
    yield letter.record(
        "email_opened",
        stable_id("substack", letter.key, "opened", number, email.lower(), when),
        letter.dates.parse(when, "timestamp"),
        email,
        title=letter.posts.get(number, f"post {number}"),
        properties={"post_id": number, "device": row.get("device", "").strip()},
    )
