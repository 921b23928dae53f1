"""HubSpot exports (CRM → Export, property labels as headers): companies, contacts,
deals. Associations arrive as `Associated Company IDs` (`123;456`, first = primary)."""

from __future__ import annotations

from typing import Any

from townhall.crm.importers import values
from townhall.crm.importers.common import deal_status, first_reference, full_name, split_amount
from townhall.crm.importers.tables import Column, ObjectSpec

SYSTEM = "hubspot"


def _company(row: dict[str, Any]) -> dict[str, Any]:
    split_amount(row, "arr")
    return row


def _contact(row: dict[str, Any]) -> dict[str, Any]:
    full_name(row)
    row["account_ref"] = first_reference(row.get("account_ref", ""))
    return row


def _deal(row: dict[str, Any]) -> dict[str, Any]:
    split_amount(row, "amount")
    row["account_ref"] = first_reference(row.get("account_ref", ""))
    deal_status(row)
    return row


COMPANY = ObjectSpec(
    "account",
    (
        Column("external_id", ("Record ID", "Company ID"), required=True, needed=True),
        Column("name", ("Company name", "Name"), required=True),
        Column("domain", ("Company Domain Name", "Website URL"), values.domain),
        Column("industry", ("Industry",)),
        Column("employees", ("Number of Employees",), values.integer),
        Column("arr", ("Annual Revenue",), values.amount),
        Column("currency", ("Currency",), values.currency),
        Column("region", ("Country/Region", "Country")),
        Column("segment", ("Type", "Company Type")),
        Column("created_on", ("Create Date",), values.day),
    ),
    _company,
)

CONTACT = ObjectSpec(
    "contact",
    (
        Column("external_id", ("Record ID", "Contact ID"), required=True, needed=True),
        Column("email", ("Email",), values.email, required=True),
        Column("first_name", ("First Name",)),
        Column("last_name", ("Last Name",)),
        Column("title", ("Job Title",)),
        Column("account_ref", ("Associated Company IDs", "Associated Company ID", "Company ID")),
    ),
    _contact,
)

DEAL = ObjectSpec(
    "deal",
    (
        Column("external_id", ("Record ID", "Deal ID"), required=True, needed=True),
        Column("name", ("Deal Name",), required=True),
        Column("amount", ("Amount",), values.amount),
        Column("currency", ("Currency", "Deal Currency Code"), values.currency),
        Column("stage", ("Deal Stage",), required=True),
        Column("created_on", ("Create Date",), values.day, required=True, needed=True),
        Column("closed_on", ("Close Date",), values.day),
        Column("is_won", ("Is Closed Won",), values.boolean),
        Column("is_closed", ("Is Deal Closed?", "Is Closed"), values.boolean),
        Column("owner", ("Deal owner", "Deal Owner")),
        Column("account_ref", ("Associated Company IDs", "Associated Company ID")),
    ),
    _deal,
)

SPECS = (COMPANY, CONTACT, DEAL)
