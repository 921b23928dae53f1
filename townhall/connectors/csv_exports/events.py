"""Event exports — Meetup attendees, Luma guests, Eventbrite attendee reports — as records.

Each row is one person's answer to one event; it becomes one record per thing they
did: registered (or answered yes/no, or joined the waitlist), bought a ticket, came.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from townhall.connectors.csv_exports.tabular import (
    Dates,
    RowError,
    Vendor,
    first_nonempty,
    money,
    stable_id,
    truthy,
)
from townhall.core.records import ActivityRecord, Person

MEETUP = Vendor("meetup", "a Meetup attendee export", ("Name", "User ID", "RSVP", "RSVPed on"))
LUMA = Vendor("luma", "a Luma guest export", ("name", "email", "created_at", "approval_status"))
EVENTBRITE = Vendor(
    "eventbrite", "an Eventbrite attendee report", ("Order #", "Order Date", "Email")
)
VENDORS = [MEETUP, LUMA, EVENTBRITE]

MEETUP_ANSWERS = {
    "yes": "rsvp_yes",
    "no": "rsvp_no",
    "waitlist": "waitlisted",
    "waiting list": "waitlisted",
    "wait list": "waitlisted",
}
# Luma's approval_status. An "invited" guest has done nothing yet: no record.
LUMA_STATUSES = {
    "approved": "event_registered",
    "pending_approval": "event_registered",
    "declined": "event_registered",  # they registered; the host turned them down
    "waitlist": "waitlisted",
    "invited": None,
}
LUMA_EVENT = re.compile(r"/check-in/(evt-[A-Za-z0-9]+)")
# Eventbrite attendee statuses under which no money stayed with the organizer.
EVENTBRITE_UNPAID = {"refunded", "cancelled", "canceled", "deleted", "transferred"}


@dataclass(frozen=True)
class Event:
    """What the whole file is about, from the config or the file name."""

    vendor: str
    source: str
    name: str
    key: str
    date: datetime | None
    url: str
    dates: Dates

    def record(
        self,
        kind: str,
        attendee: str,
        occurred_at: datetime,
        actor: Person,
        *,
        name: str = "",
        key: str = "",
        properties: dict[str, Any] | None = None,
    ) -> ActivityRecord:
        """One activity; its id is vendor, event, attendee and kind, so re-reading is stable."""
        name = name or self.name
        return ActivityRecord(
            source=self.source,
            external_id=stable_id(self.vendor, key or self.key, attendee, kind),
            kind=kind,
            occurred_at=occurred_at,
            actor=actor,
            channel=name[:255],
            title=name[:500],
            url=self.url,
            properties={k: v for k, v in (properties or {}).items() if v not in ("", None)},
        )

    def attended_at(self, column: str) -> datetime:
        if self.date is None:
            raise RowError(
                f"column {column!r} says they came, but the export has no time for it; give "
                '"event_date" in a JSON config'
            )
        return self.date


def _name(row: dict[str, str], full: str, first: str, last: str) -> str:
    return row.get(full, "").strip() or f"{row.get(first, '')} {row.get(last, '')}".strip()


def meetup(row: dict[str, str], event: Event) -> Iterator[ActivityRecord]:
    """`rsvp_yes`/`rsvp_no`/`waitlisted` when they answered; `event_attended` if marked present."""
    # Meetup writes member ids as "user 12345678"; the number is their id on every group.
    user_id = row["User ID"].strip().removeprefix("user").strip()
    if not user_id:
        raise RowError("column 'User ID' is empty")
    answer = row["RSVP"].strip()
    kind = MEETUP_ANSWERS.get(answer.lower())
    if kind is None:
        raise RowError(f"column 'RSVP': {answer!r} is not Yes, No or Waitlist")
    actor = Person(
        external_id=user_id,
        name=row["Name"],
        url=row.get("URL of Member Profile", "").strip() or None,
    )
    guests = row.get("Guests", "").strip()
    properties = {
        "guests": int(guests) if guests.isdigit() else None,
        "host": truthy(row.get("Event Host", "")) or None,
        "title": row.get("Title", "").strip(),
    }
    answered = event.dates.parse(row["RSVPed on"], "RSVPed on")
    yield event.record(kind, user_id, answered, actor, properties=properties)
    if truthy(row.get("Attendance", "")):
        yield event.record("event_attended", user_id, event.attended_at("Attendance"), actor)


def luma(row: dict[str, str], event: Event) -> Iterator[ActivityRecord]:
    """`event_registered` or `waitlisted`; `event_attended` at check-in; `ticket_purchased`."""
    email = row["email"].strip()
    if not email:
        raise RowError("column 'email' is empty")
    status = row["approval_status"].strip().lower()
    if status not in LUMA_STATUSES:
        raise RowError(
            f"column 'approval_status': {status!r} is not one of {', '.join(LUMA_STATUSES)}"
        )
    kind = LUMA_STATUSES[status]
    if kind is None:
        return
    actor = Person(email=email, name=_name(row, "name", "first_name", "last_name") or None)
    email = email.lower()  # the attendee's key: the same guest however the address is cased
    # The check-in link names the event (evt-…): steadier than a file name.
    found = LUMA_EVENT.search(row.get("qr_code_url", ""))
    key = found[1] if found else ""
    registered = event.dates.parse(row["created_at"], "created_at")
    ticket = row.get("ticket_name", "").strip()
    properties = {"approval_status": status, "ticket": ticket}
    yield event.record(kind, email, registered, actor, key=key, properties=properties)
    if row.get("checked_in_at", "").strip():
        checked_in = event.dates.parse(row["checked_in_at"], "checked_in_at")
        yield event.record("event_attended", email, checked_in, actor, key=key)
    price = money(row.get("amount", ""), "amount")
    if price > 0 and status == "approved":
        purchase = {
            "price": float(price),
            "currency": row.get("currency", "").strip().upper(),
            "ticket": ticket,
            "coupon_code": row.get("coupon_code", "").strip(),
            "discount": float(money(row.get("amount_discount", ""), "amount_discount")) or None,
        }
        yield event.record(
            "ticket_purchased", email, registered, actor, key=key, properties=purchase
        )


def eventbrite(row: dict[str, str], event: Event) -> Iterator[ActivityRecord]:
    """`event_registered` (or `rsvp_no`), `ticket_purchased` when paid, `event_attended`."""
    email = row["Email"].strip()
    if not email:
        raise RowError("column 'Email' is empty")
    order = row["Order #"].strip()
    _, number = first_nonempty(row, "Attendee #", "Barcode #")
    attendee = number or f"{order}:{email.lower()}"
    actor = Person(email=email, name=_name(row, "Name", "First Name", "Last Name") or None)
    ordered = event.dates.parse(row["Order Date"], "Order Date")
    status = row.get("Attendee Status", "").strip() or "Attending"
    key = row.get("Event ID", "").strip()
    name = row.get("Event Name", "").strip()
    ticket = row.get("Ticket Type", "").strip()
    kind = "rsvp_no" if status.lower() == "not attending" else "event_registered"
    properties = {"status": status, "ticket": ticket, "order": order}
    yield event.record(kind, attendee, ordered, actor, key=key, name=name, properties=properties)
    paid = money(row.get("Total Paid", ""), "Total Paid")
    if paid > 0 and status.lower() not in EVENTBRITE_UNPAID:
        purchase = {
            "price": float(paid),
            "currency": row.get("Currency", "").strip().upper(),
            "ticket": ticket,
            "quantity": int(q) if (q := row.get("Quantity", "").strip()).isdigit() else None,
            "order": order,
        }
        yield event.record(
            "ticket_purchased", attendee, ordered, actor, key=key, name=name, properties=purchase
        )
    if status.lower() == "checked in" or truthy(row.get("Checked In", "")):
        column = "Attendee Status" if status.lower() == "checked in" else "Checked In"
        yield event.record(
            "event_attended", attendee, event.attended_at(column), actor, key=key, name=name
        )


READERS: dict[str, Callable[[dict[str, str], Event], Iterator[ActivityRecord]]] = {
    "meetup": meetup,
    "luma": luma,
    "eventbrite": eventbrite,
}
