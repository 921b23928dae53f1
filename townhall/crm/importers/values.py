"""Parsing the values CRM exports write: dates in several spellings, amounts with
separators and symbols, currency codes, yes/no. Each parser raises ValueError with a
message that names the problem; the importer quarantines the row with it."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%d.%m.%Y")
_DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %I:%M %p",
    "%d.%m.%Y %H:%M",
)
_AMOUNT_RE = re.compile(r"^-?\d+(\.\d+)?$")
_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")
_SYMBOLS = {"$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY"}


def text(value: str) -> str:
    return value.strip()


def email(value: str) -> str:
    value = value.strip().lower()
    if value and "@" not in value:
        raise ValueError(f"{value!r} is not an email address")
    return value


def domain(value: str) -> str:
    """`https://www.Acme.com/about` → `acme.com`."""
    value = value.strip().lower()
    value = re.sub(r"^[a-z]+://", "", value).split("/", 1)[0].split(":", 1)[0]
    return value.removeprefix("www.")


def integer(value: str) -> int | None:
    cleaned = value.strip().replace(",", "").replace(" ", "")
    if not cleaned:
        return None
    try:
        return int(float(cleaned))
    except ValueError:
        raise ValueError(f"{value!r} is not a whole number") from None


def amount(value: str) -> tuple[Decimal | None, str]:
    """An amount and the currency its symbol or code names, if any: `€1.200,50`? no —
    exports write `1,200.50`, `$1,200.50`, `1200.5 EUR` or `USD 1200`."""
    cleaned = value.strip()
    if not cleaned:
        return None, ""
    currency = ""
    for symbol, code in _SYMBOLS.items():
        if symbol in cleaned:
            currency, cleaned = code, cleaned.replace(symbol, "")
    parts = cleaned.replace(",", "").split()
    codes = [p for p in parts if _CURRENCY_RE.match(p.upper()) and not p[0].isdigit()]
    if codes:
        currency = codes[0].upper()
        parts = [p for p in parts if p not in codes]
    number = "".join(parts)
    if not _AMOUNT_RE.match(number):
        raise ValueError(f"{value!r} is not an amount")
    try:
        return Decimal(number), currency
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount") from None


def currency(value: str) -> str:
    code = value.strip().upper()
    if code and not _CURRENCY_RE.match(code):
        raise ValueError(f"{value!r} is not a three-letter currency code")
    return code


def boolean(value: str) -> bool | None:
    cleaned = value.strip().lower()
    if not cleaned:
        return None
    if cleaned in ("true", "1", "yes", "y", "won", "closed"):
        return True
    if cleaned in ("false", "0", "no", "n"):
        return False
    raise ValueError(f"{value!r} is not yes or no")


def moment(value: str) -> datetime | None:
    """A timestamp; naive ones are UTC. ISO 8601 (also Salesforce's `+0000`), and the
    `YYYY-MM-DD HH:MM[:SS]` and US `MM/DD/YYYY HH:MM` spellings of report exports."""
    cleaned = value.strip()
    if not cleaned:
        return None
    iso = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", cleaned.replace("Z", "+00:00"))
    try:
        parsed = datetime.fromisoformat(iso)
    except ValueError:
        parsed = None
        for fmt in _DATETIME_FORMATS + _DATE_FORMATS:
            try:
                parsed = datetime.strptime(cleaned, fmt)  # noqa: DTZ007 - made aware below
                break
            except ValueError:
                continue
        if parsed is None:
            raise ValueError(f"{value!r} is not a date and time") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def day(value: str) -> date | None:
    parsed = moment(value)
    return parsed.date() if parsed else None
