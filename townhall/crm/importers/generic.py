"""Any CSV with a mapping file: which column holds which field, for one kind of record.

{"kind": "renewal",                       # account, contact, deal, ticket or renewal
 "columns": {"external_id": "Subscription", "account_ref": "Customer",
             "period_start": "Start", "period_end": "End", "outcome": "Result",
             "arr_before": "ARR", "arr_after": "New ARR", "currency": "Cur"}}
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from townhall.crm.importers import values
from townhall.crm.importers.common import split_amount
from townhall.crm.importers.helpdesks import ZENDESK
from townhall.crm.importers.salesforce import ACCOUNT, CONTACT, DEAL
from townhall.crm.importers.tables import Column, ExportError, ObjectSpec


def _renewal(row: dict[str, Any]) -> dict[str, Any]:
    split_amount(row, "arr_before")
    split_amount(row, "arr_after")
    outcome = (row.get("outcome") or "").strip().lower()
    if outcome in ("renewed", "renew", "won", "yes", "true", "expanded", "contracted"):
        row["outcome"] = "renewed"
    elif outcome in ("churned", "churn", "lost", "no", "false", "cancelled", "canceled"):
        row["outcome"] = "churned"
    elif outcome in ("", "open", "pending"):
        row["outcome"] = "open"
    else:
        raise ValueError(f"outcome {outcome!r} is not renewed, churned or open")
    if row["period_end"] < row["period_start"]:
        raise ValueError("the period ends before it starts")
    return row


RENEWAL_FIELDS = (
    Column("external_id", (), required=True, needed=True),
    Column("account_ref", (), required=True),
    Column("period_start", (), values.day, required=True, needed=True),
    Column("period_end", (), values.day, required=True, needed=True),
    Column("outcome", ()),
    Column("arr_before", (), values.amount),
    Column("arr_after", (), values.amount),
    Column("currency", (), values.currency),
)

#: The fields each kind takes, with their parsers, from the export specs.
TEMPLATES: dict[str, tuple[tuple[Column, ...], Any]] = {
    "account": (ACCOUNT.columns, ACCOUNT.finish),
    "contact": (CONTACT.columns, CONTACT.finish),
    "deal": (DEAL.columns, DEAL.finish),
    "ticket": (ZENDESK.columns, ZENDESK.finish),
    "renewal": (RENEWAL_FIELDS, _renewal),
}


def spec_from_mapping(path: Path) -> ObjectSpec:
    """The ObjectSpec a mapping file describes; ExportError saying what is wrong."""
    try:
        mapping = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ExportError(f"Cannot read the mapping {path}: {error}") from None
    kind = mapping.get("kind") if isinstance(mapping, dict) else None
    if kind not in TEMPLATES:
        raise ExportError(f"The mapping's `kind` must be one of {', '.join(TEMPLATES)}")
    columns_of = mapping.get("columns")
    if not isinstance(columns_of, dict) or not all(isinstance(v, str) for v in columns_of.values()):
        raise ExportError('The mapping needs "columns": {"field": "CSV header", …}')
    template, finish = TEMPLATES[kind]
    known = {c.field for c in template}
    unknown = sorted(set(columns_of) - known)
    if unknown:
        raise ExportError(
            f"Unknown fields for {kind}: {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    columns = []
    for column in template:
        header = columns_of.get(column.field)
        if header is None and column.required:
            raise ExportError(f"The mapping must name the column for `{column.field}`")
        if header is not None:
            columns.append(Column(column.field, (header,), column.parse, True, column.needed))
    return ObjectSpec(kind, tuple(columns), finish)
