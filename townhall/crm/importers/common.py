"""Field rules shared by the exports: amounts with their currency, deal status, names."""

from __future__ import annotations

from typing import Any


def split_amount(row: dict[str, Any], amount_field: str, currency_field: str = "currency") -> None:
    """`values.amount` gives (number, currency named in the cell); keep both parts."""
    if amount_field in row:
        number, named = row[amount_field]
        row[amount_field] = number
        if named and not row.get(currency_field):
            row[currency_field] = named


def deal_status(row: dict[str, Any]) -> None:
    """won / lost / open from explicit flags, else from the stage's wording; a deal's
    close date counts only once it is closed (open deals carry an *expected* one)."""
    won, closed = row.pop("is_won", None), row.pop("is_closed", None)
    stage = (row.get("stage") or "").lower().replace(" ", "")
    if won:
        status = "won"
    elif closed:
        status = "lost"
    elif closed is None and won is None and ("closedwon" in stage or stage == "won"):
        status = "won"
    elif closed is None and won is None and ("closedlost" in stage or stage == "lost"):
        status = "lost"
    else:
        status = "open"
    row["status"] = status
    if status == "open":
        row["closed_on"] = None
    elif not row.get("closed_on"):
        raise ValueError(f"the deal is {status} but has no close date")
    if row.get("closed_on") and row.get("created_on") and row["closed_on"] < row["created_on"]:
        raise ValueError("the deal closed before it was created")


def full_name(row: dict[str, Any]) -> None:
    first, last = row.pop("first_name", ""), row.pop("last_name", "")
    if not row.get("name"):
        row["name"] = " ".join(part for part in (first, last) if part)


def first_reference(value: str) -> str:
    """HubSpot lists associated ids as `123;456`: the first is the primary one."""
    return value.replace(",", ";").split(";")[0].strip()
