"""Ticket exports of help desks: Zendesk's CSV export and Freshdesk's ticket export.

A ticket reaches an account through its requester's email (→ a CRM contact, or the
email's domain → an account) or the organization / company name it carries; see
crm.services.linking.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from townhall.crm.importers import values
from townhall.crm.importers.tables import Column, ObjectSpec


def _ticket(row: dict[str, Any]) -> dict[str, Any]:
    cost = row.get("handling_cost")
    if isinstance(cost, tuple):
        row["handling_cost"] = cost[0]
    if row.get("solved_at") and row["solved_at"] < row["created_at"]:
        raise ValueError("the ticket was solved before it was created")
    return row


def _cost(value: str) -> tuple[Decimal | None, str]:
    return values.amount(value)


ZENDESK = ObjectSpec(
    "ticket",
    (
        Column("external_id", ("Id", "Ticket ID"), required=True, needed=True),
        Column("requester_email", ("Requester email",), values.email),
        Column("account_ref", ("Organization", "Requester domain")),
        Column("subject", ("Subject",)),
        Column("channel", ("Via", "Ticket channel")),
        Column("status", ("Status", "Ticket status")),
        Column(
            "created_at",
            ("Created at", "Ticket created - Timestamp"),
            values.moment,
            required=True,
            needed=True,
        ),
        Column("solved_at", ("Solved at", "Ticket solved - Timestamp"), values.moment),
        Column("handling_cost", ("Handling cost",), _cost),
    ),
    _ticket,
)

FRESHDESK = ObjectSpec(
    "ticket",
    (
        Column("external_id", ("Ticket ID",), required=True, needed=True),
        Column("requester_email", ("Email", "Requester Email", "Contact Email"), values.email),
        Column("account_ref", ("Company Name", "Company")),
        Column("subject", ("Subject",)),
        Column("channel", ("Source",)),
        Column("status", ("Status",)),
        Column(
            "created_at",
            ("Created time", "Created Time"),
            values.moment,
            required=True,
            needed=True,
        ),
        Column("solved_at", ("Resolved time", "Resolved Time", "Closed time"), values.moment),
        Column("handling_cost", ("Handling cost",), _cost),
    ),
    _ticket,
)
