"""Salesforce exports: the weekly Data Export's object files (API field names) and
report exports (column labels). Files: Account.csv, Contact.csv, Opportunity.csv,
Case.csv. See docs/crm.md for the mapping."""

from __future__ import annotations

from typing import Any

from townhall.crm.importers import values
from townhall.crm.importers.common import deal_status, full_name, split_amount
from townhall.crm.importers.tables import Column, ObjectSpec

SYSTEM = "salesforce"


def _account(row: dict[str, Any]) -> dict[str, Any]:
    split_amount(row, "arr")
    return row


def _deal(row: dict[str, Any]) -> dict[str, Any]:
    split_amount(row, "amount")
    deal_status(row)
    return row


def _contact(row: dict[str, Any]) -> dict[str, Any]:
    full_name(row)
    return row


ACCOUNT = ObjectSpec(
    "account",
    (
        Column("external_id", ("Id", "Account ID"), required=True, needed=True),
        Column("name", ("Name", "Account Name")),
        Column("domain", ("Website",), values.domain),
        Column("industry", ("Industry",)),
        Column("employees", ("NumberOfEmployees", "Employees"), values.integer),
        Column("arr", ("AnnualRevenue", "Annual Revenue"), values.amount),
        Column("currency", ("CurrencyIsoCode", "Account Currency"), values.currency),
        Column("region", ("BillingCountry", "Billing Country")),
        Column("segment", ("Type", "Account Type")),
        Column("created_on", ("CreatedDate", "Created Date"), values.day),
    ),
    _account,
)

CONTACT = ObjectSpec(
    "contact",
    (
        Column("external_id", ("Id", "Contact ID"), required=True, needed=True),
        Column("account_ref", ("AccountId", "Account ID")),
        Column("email", ("Email",), values.email),
        Column("first_name", ("FirstName", "First Name")),
        Column("last_name", ("LastName", "Last Name")),
        Column("name", ("Name", "Full Name")),
        Column("title", ("Title",)),
    ),
    _contact,
)

DEAL = ObjectSpec(
    "deal",
    (
        Column("external_id", ("Id", "Opportunity ID"), required=True, needed=True),
        Column("account_ref", ("AccountId", "Account ID")),
        Column("name", ("Name", "Opportunity Name")),
        Column("amount", ("Amount",), values.amount),
        Column("currency", ("CurrencyIsoCode", "Opportunity Currency"), values.currency),
        Column("stage", ("StageName", "Stage"), required=True),
        Column(
            "created_on", ("CreatedDate", "Created Date"), values.day, required=True, needed=True
        ),
        Column("closed_on", ("CloseDate", "Close Date"), values.day),
        Column("is_closed", ("IsClosed", "Closed"), values.boolean),
        Column("is_won", ("IsWon", "Won"), values.boolean),
        Column("owner", ("OwnerId", "Opportunity Owner")),
    ),
    _deal,
)

TICKET = ObjectSpec(
    "ticket",
    (
        Column("external_id", ("Id", "Case ID", "Case Number"), required=True, needed=True),
        Column("account_ref", ("AccountId", "Account ID")),
        Column("requester_email", ("SuppliedEmail", "ContactEmail", "Web Email"), values.email),
        Column("subject", ("Subject",)),
        Column("channel", ("Origin", "Case Origin")),
        Column("status", ("Status",)),
        Column(
            "created_at",
            ("CreatedDate", "Date/Time Opened", "Opened Date"),
            values.moment,
            required=True,
            needed=True,
        ),
        Column("solved_at", ("ClosedDate", "Date/Time Closed", "Closed Date"), values.moment),
    ),
)

#: Object files of a Data Export directory, in import order (accounts first, so that
#: the others find their account).
FILES = {
    "Account.csv": ACCOUNT,
    "Contact.csv": CONTACT,
    "Opportunity.csv": DEAL,
    "Case.csv": TICKET,
}
SPECS = (ACCOUNT, CONTACT, DEAL, TICKET)
