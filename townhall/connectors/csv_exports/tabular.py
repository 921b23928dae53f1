"""Reading vendor CSV exports: header detection, rows, dates, money and stable ids.

Exports differ in delimiter (Meetup's attendee download is tab-separated), in date
style (ISO with `Z`, `11/29/24 22:28`, `October 22, 2024 8:33`) and in whether their
dates carry a UTC offset. A date without one is read in the configured `timezone`
and is otherwise refused with a reason — never guessed.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import field_validator

from townhall.connectors.base import FileConfig, SourceConfig
from townhall.core.models import EXTERNAL_ID_MAX
from townhall.core.records import ActivityRecord
from townhall.core.services.imports import SourceFailure
from townhall.core.services.ingest import Envelope

# Tried in order after ISO 8601; US month-first, as Eventbrite and Meetup write them.
DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%y %H:%M",
    "%m/%d/%y %I:%M %p",
    "%B %d, %Y %H:%M",
    "%B %d, %Y %I:%M %p",
    "%b %d, %Y %H:%M",
    "%b %d, %Y %I:%M %p",
    "%m/%d/%Y",
)
SLUG_STRIP = re.compile(r"[^a-z0-9]+")


class RowError(ValueError):
    """A value in a row that cannot be read; the message names the column."""


class ExportConfig(FileConfig):
    """Options every CSV export shares. Give them in a JSON config: {"path": …, …}."""

    timezone: str = ""
    datetime_format: str = ""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if value:
            zone_of(value)
        return value


def zone_of(name: str) -> tzinfo:
    """The IANA zone `name`, or ValueError saying what to write instead."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}; use an IANA name like 'Europe/Berlin'"
        ) from None


def config_from_json_or_path(schema: type[SourceConfig], target: str) -> SourceConfig:
    """A path, or a JSON config naming one (`path` relative to the JSON file's folder)."""
    given = Path(target)
    if given.suffix.lower() != ".json" or not given.is_file():
        return schema.model_validate({"path": given})
    try:
        data: Any = json.loads(given.read_text(encoding="utf-8"))
    except ValueError as error:
        raise ValueError(f"{given} is not a JSON config: {error}") from None
    if isinstance(data, dict) and isinstance(data.get("path"), str):
        path = Path(data["path"]).expanduser()
        data["path"] = path if path.is_absolute() else given.parent / path
    return schema.model_validate(data)


@dataclass
class Dates:
    """Reads a column's date: ISO 8601, the known export styles, or a given format."""

    zone: tzinfo | None = None
    datetime_format: str = ""

    @classmethod
    def of(cls, config: ExportConfig) -> Dates:
        return cls(zone_of(config.timezone) if config.timezone else None, config.datetime_format)

    def parse(self, value: str, column: str) -> datetime:
        text = value.strip()
        if not text:
            raise RowError(f"column {column!r} is empty")
        moment = self._read(text)
        if moment is None:
            expected = self.datetime_format or "ISO 8601 or a date like 11/29/2024 22:28"
            raise RowError(f"column {column!r}: cannot read {text!r} as a date ({expected})")
        if moment.tzinfo is None:
            if self.zone is None:
                raise RowError(
                    f"column {column!r}: {text!r} has no UTC offset; give the export's "
                    '"timezone" in a JSON config (e.g. "America/New_York")'
                )
            moment = moment.replace(tzinfo=self.zone)
        return moment

    def _read(self, text: str) -> datetime | None:
        formats = (self.datetime_format,) if self.datetime_format else DATE_FORMATS
        if not self.datetime_format:
            try:
                return datetime.fromisoformat(text)
            except ValueError:
                pass
        for fmt in formats:
            try:
                return datetime.strptime(text, fmt)  # noqa: DTZ007 - the zone is added by parse()
            except ValueError:
                continue
        return None


def money(value: str, column: str) -> Decimal:
    """`$1,250.00`, `25`, `USD 12.50` → Decimal; empty is 0."""
    text = re.sub(r"[^\d.\-]", "", value.replace(",", ""))
    if not text:
        return Decimal(0)
    try:
        return Decimal(text)
    except InvalidOperation:
        raise RowError(f"column {column!r}: {value!r} is not an amount") from None


def slug(text: str) -> str:
    return SLUG_STRIP.sub("-", text.lower()).strip("-")


def stable_id(*parts: str) -> str:
    """Parts joined by `:`, hashed when that would pass the external id limit."""
    joined = ":".join(parts)
    if len(joined) <= EXTERNAL_ID_MAX:
        return joined
    digest = hashlib.sha256(joined.encode()).hexdigest()
    return f"{parts[0]}:{digest}"


def first_nonempty(row: dict[str, str], *columns: str) -> tuple[str, str]:
    """The first of `columns` with a value in the row, and that value ('' if none)."""
    for column in columns:
        value = (row.get(column) or "").strip()
        if value:
            return column, value
    return columns[0], ""


def truthy(value: str) -> bool:
    return value.strip().lower() in {"y", "yes", "true", "1", "attended", "checked in", "x"}


@dataclass
class Table:
    """One CSV: its name, header and a reader positioned after the header."""

    name: str
    header: list[str]
    rows: csv.DictReader[str]
    handle: TextIO = field(repr=False)

    @property
    def columns(self) -> set[str]:
        return set(self.header)

    def close(self) -> None:
        self.handle.close()


def open_table(handle: TextIO, name: str) -> Table:
    """Read the header, guessing the delimiter from it (comma, tab or semicolon)."""
    first = handle.readline()
    delimiter = max((",", "\t", ";"), key=first.count)
    header = next(csv.reader([first], delimiter=delimiter), [])
    header = [h.strip() for h in header]
    rows = csv.DictReader(handle, fieldnames=header, delimiter=delimiter, restkey="\0extra")
    return Table(name=name, header=header, rows=rows, handle=handle)


class Files:
    """CSV files in a file, a folder or a ZIP, by name relative to it, in stable order."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip: zipfile.ZipFile | None = None
        if path.is_dir():
            self.names = sorted(p.relative_to(path).as_posix() for p in path.rglob("*.csv"))
        elif zipfile.is_zipfile(path):
            self.zip = zipfile.ZipFile(path)
            self.names = sorted(
                n for n in self.zip.namelist() if n.lower().endswith(".csv") and "__MACOSX" not in n
            )
        else:
            self.names = [path.name]

    @property
    def single(self) -> bool:
        return not self.zip and not self.path.is_dir()

    def open(self, name: str) -> Table:
        if self.zip:
            raw = self.zip.open(name)
        elif self.single:
            raw = self.path.open("rb")
        else:
            raw = (self.path / name).open("rb")
        handle = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
        return open_table(handle, name)

    def close(self) -> None:
        if self.zip:
            self.zip.close()


RowReader = Callable[[dict[str, str]], Iterator[ActivityRecord]]


def read_rows(
    table: Table, records: RowReader, *, prefix: str = ""
) -> Iterator[ActivityRecord | Envelope]:
    """Each row's records; a row it cannot read becomes an Envelope with line and reason.

    Blank rows (every cell empty) are skipped: spreadsheets leave them at the end.
    """
    for row in table.rows:
        # The header was read apart, so the reader counts from the line after it.
        position = f"{prefix}{table.rows.line_num + 1}"
        extra = row.pop("\0extra", None)
        raw = json.dumps(
            {**row, "(cells past the header)": extra} if extra else row, ensure_ascii=False
        )
        if not any((v or "").strip() for v in row.values()) and not extra:
            continue
        if extra:
            cells = len(table.header) + len(extra)
            problem = f"row has {cells} cells; the header has {len(table.header)}"
            yield Envelope(position=position, payload=None, error=problem, raw=raw)
            continue
        try:
            # Built in full before yielding, so a row is either read or quarantined whole.
            built = list(records({k: v or "" for k, v in row.items()}))
        except ValueError as error:  # RowError, InvalidRecord
            yield Envelope(position=position, payload=None, error=str(error), raw=raw)
            continue
        yield from built


@dataclass(frozen=True)
class Vendor:
    """An export a connector knows, recognized by the columns it always has."""

    name: str
    label: str
    signature: tuple[str, ...]

    def missing(self, columns: set[str]) -> list[str]:
        return [c for c in self.signature if c not in columns]


def detect(vendors: list[Vendor], table: Table, *, forced: str = "") -> Vendor:
    """The vendor whose signature the header has, or SourceFailure saying what is missing."""
    columns = table.columns
    candidates = [v for v in vendors if v.name == forced] if forced else vendors
    for vendor in candidates:
        if not vendor.missing(columns):
            return vendor
    closest = min(candidates, key=lambda v: len(v.missing(columns)))
    found = ", ".join(repr(c) for c in table.header) or "nothing"
    others = "; ".join(
        f"{v.label} has {', '.join(map(repr, v.signature))}" for v in candidates if v is not closest
    )
    raise SourceFailure(
        f"{table.name}: the header is not one of a known export. Closest is {closest.label}, "
        f"which lacks {', '.join(map(repr, closest.missing(columns)))}"
        + (f" ({others})" if others else "")
        + f"; the header has {found}"
    )
