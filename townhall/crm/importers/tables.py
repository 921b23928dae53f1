"""Reading a CRM export: which column is which field, row by row, with precise errors.

An `ObjectSpec` lists, for one kind of CRM record, the fields Townhall keeps and the
header names each may have in exports (API names like `AccountId` and report labels
like `Account ID`; matched ignoring case and spaces). A required column missing from
the file is an error before anything is imported; a row whose value cannot be read
(or that lacks a needed one) is quarantined with the reason; columns Townhall does not
know are kept in the record's `properties` and named in the summary.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from townhall.crm.importers import values

Parser = Callable[[str], Any]


class ExportError(ValueError):
    """A file that cannot be imported as a whole; the message says what to fix."""


@dataclass(frozen=True)
class Column:
    field: str
    headers: tuple[str, ...]
    parse: Parser = values.text
    required: bool = False  # the file must have the column
    needed: bool = False  # every row must have a value


@dataclass(frozen=True)
class ObjectSpec:
    kind: str  # account, contact, deal, ticket, renewal
    columns: tuple[Column, ...]
    #: Derives fields from others (status from the stage, currency from the amount…);
    #: raises ValueError for a row that cannot stand.
    finish: Callable[[dict[str, Any]], dict[str, Any]] = lambda row: row

    def match(self, headers: list[str]) -> dict[str, int]:
        """field → column index for the headers present."""
        index = {_key(name): i for i, name in enumerate(headers)}
        found = {}
        for column in self.columns:
            for name in column.headers:
                if _key(name) in index:
                    found[column.field] = index[_key(name)]
                    break
        return found

    def score(self, headers: list[str]) -> int:
        """How well a file's headers fit this spec (for telling exports apart)."""
        matched = self.match(headers)
        if any(c.required and c.field not in matched for c in self.columns):
            return 0
        return len(matched)


def _key(header: str) -> str:
    return "".join(header.lower().split()).lstrip("\ufeff")


@dataclass
class Row:
    position: str
    raw: str
    values: dict[str, Any] = field(default_factory=dict)
    error: str = ""


@dataclass
class Table:
    spec: ObjectSpec
    path: Path
    unknown: list[str]
    rows: Iterator[Row]


def read_csv(path: Path, spec: ObjectSpec) -> Table:
    """The rows of a CSV export as `spec` records."""
    handle = path.open(newline="", encoding="utf-8-sig")
    reader = csv.reader(handle)
    try:
        headers = next(reader)
    except StopIteration:
        handle.close()
        raise ExportError(f"{path} is empty: expected a header row") from None
    matched = spec.match(headers)
    missing = [c for c in spec.columns if c.required and c.field not in matched]
    if missing:
        handle.close()
        wanted = "; ".join(f"{c.field}: one of {', '.join(c.headers)}" for c in missing)
        raise ExportError(f"{path.name} lacks required columns ({wanted})")
    known = set(matched.values())
    unknown = [h for i, h in enumerate(headers) if i not in known and h.strip()]

    def rows() -> Iterator[Row]:
        with handle:
            for number, cells in enumerate(reader, start=2):
                if not any(cell.strip() for cell in cells):
                    continue
                raw = json.dumps(dict(zip(headers, cells, strict=False)), ensure_ascii=False)
                extra = {
                    h: cells[i]
                    for i, h in enumerate(headers)
                    if i not in known and i < len(cells) and cells[i].strip() and h.strip()
                }
                cell = partial(_cell, cells, matched)
                yield parse_row(spec, f"line {number}", raw, cell, extra)

    return Table(spec, path, unknown, rows())


def _cell(cells: list[str], matched: dict[str, int], name: str) -> str | None:
    index = matched.get(name)
    if index is None:
        return None
    return cells[index] if index < len(cells) else ""


def parse_row(
    spec: ObjectSpec,
    position: str,
    raw: str,
    cell: Callable[[str], str | None],
    extra: dict[str, Any],
) -> Row:
    """One record: every mapped field parsed, `finish` applied; or the first error."""
    row = Row(position, raw)
    parsed: dict[str, Any] = {}
    for column in spec.columns:
        text = cell(column.field)
        if text is None:
            continue
        if column.needed and not text.strip():
            row.error = f"{column.field} is empty; the record cannot be placed without it"
            return row
        try:
            parsed[column.field] = column.parse(text)
        except ValueError as error:
            row.error = f"{column.field}: {error}"
            return row
    try:
        row.values = spec.finish(parsed)
    except ValueError as error:
        row.error = str(error)
        return row
    row.values["properties"] = extra
    return row
