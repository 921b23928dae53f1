"""Readers turn files into Envelopes for `ingest()`: JSON Lines, and CSV with a mapping.

A reader never judges a record beyond what it must to read it: JSON lines are passed
through as bytes (validated by the ActivityRecord decoder); CSV rows are mapped to
the record's fields, and a value the mapping cannot convert (a date it cannot parse)
becomes an Envelope with an `error`, which ingest quarantines with that reason.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from townhall.core.services.ingest import Envelope

RECORD_FIELDS = {
    "source",
    "external_id",
    "kind",
    "occurred_at",
    "channel",
    "title",
    "url",
    "body",
    "conversation_id",
    "parent_id",
}
PERSON_FIELDS = {"external_id", "username", "email", "name", "url", "avatar_url", "organization"}
TEMPLATE_FIELD_RE = re.compile(r"\{([^{}]+)\}")


class MappingError(ValueError):
    """A CSV mapping file that cannot be used; the message says what to fix."""


def count_lines(path: Path) -> int:
    """Lines in a file, counted in 1 MiB blocks (fast enough for a progress bar's total)."""
    count = 0
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            count += block.count(b"\n")
    return count


def read_jsonl(path: Path, *, skip: int = 0) -> Iterator[Envelope]:
    """One Envelope per non-blank line, positioned by line number; `skip` records resume a run."""
    seen = 0
    with path.open("rb") as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            seen += 1
            if seen <= skip:
                continue
            yield Envelope(position=str(line_number), payload=line)


@dataclass(frozen=True)
class CsvMapping:
    """How the columns of one CSV become ActivityRecord fields. See docs/import-format.md."""

    columns: dict[str, str]
    constants: dict[str, str] = field(default_factory=dict)
    templates: dict[str, str] = field(default_factory=dict)
    properties: dict[str, str] = field(default_factory=dict)
    timezone: ZoneInfo | None = None
    datetime_format: str = ""

    @classmethod
    def load(cls, path: Path) -> CsvMapping:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise MappingError(f"cannot read mapping {path}: {error}") from None
        if not isinstance(data, dict):
            raise MappingError(f"mapping {path} must be a JSON object")
        return cls.from_dict(data)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CsvMapping:
        unknown = set(data) - {
            "columns",
            "constants",
            "templates",
            "properties",
            "timezone",
            "datetime_format",
        }
        if unknown:
            raise MappingError(f"unknown mapping keys: {', '.join(sorted(unknown))}")
        columns = dict(data.get("columns", {}))
        constants = {k: str(v) for k, v in data.get("constants", {}).items()}
        templates = dict(data.get("templates", {}))
        for name in [*columns, *constants, *templates]:
            _check_target(name)
        given = set(columns) | set(constants) | set(templates)
        missing = {"source", "external_id", "kind", "occurred_at"} - given
        if missing:
            raise MappingError(f"the mapping gives no value for {', '.join(sorted(missing))}")
        if not given & {f"actor.{f}" for f in ("external_id", "email", "username")}:
            raise MappingError("the mapping needs actor.external_id, actor.email or actor.username")
        zone = None
        if data.get("timezone"):
            try:
                zone = ZoneInfo(data["timezone"])
            except (ZoneInfoNotFoundError, ValueError):
                raise MappingError(f"unknown time zone {data['timezone']!r}") from None
        return cls(
            columns=columns,
            constants=constants,
            templates=templates,
            properties=dict(data.get("properties", {})),
            timezone=zone,
            datetime_format=data.get("datetime_format", ""),
        )

    def required_columns(self) -> set[str]:
        needed = set(self.columns.values()) | set(self.properties.values())
        for template in self.templates.values():
            needed.update(TEMPLATE_FIELD_RE.findall(template))
        return needed

    def to_record(self, row: dict[str, str]) -> dict[str, Any]:
        """A record mapping for one row; raises ValueError with a reason for bad values."""
        values: dict[str, str] = dict(self.constants)
        for target, column in self.columns.items():
            values[target] = (row.get(column) or "").strip()
        for target, template in self.templates.items():
            values[target] = TEMPLATE_FIELD_RE.sub(
                lambda m: (row.get(m.group(1)) or "").strip(), template
            )
        record: dict[str, Any] = {"actor": {}}
        for target, value in values.items():
            if not value:
                continue
            if target == "occurred_at":
                record["occurred_at"] = self.parse_datetime(
                    value, column=self.columns.get(target, target)
                )
            elif target.startswith(("actor.", "target.")):
                who, name = target.split(".", 1)
                record.setdefault(who, {})[name] = value
            else:
                record[target] = value
        props = {
            name: row.get(column, "") for name, column in self.properties.items() if row.get(column)
        }
        if props:
            record["properties"] = props
        return record

    def parse_datetime(self, value: str, *, column: str) -> str:
        try:
            if self.datetime_format == "epoch":
                moment = datetime.fromtimestamp(float(value), tz=UTC)
            elif self.datetime_format:
                moment = datetime.strptime(value, self.datetime_format)  # noqa: DTZ007 - zone added below
            else:
                moment = datetime.fromisoformat(value)
        except ValueError:
            expected = self.datetime_format or "ISO 8601"
            raise ValueError(
                f"column {column!r}: cannot read {value!r} as a date ({expected})"
            ) from None
        if moment.tzinfo is None:
            if self.timezone is None:
                raise ValueError(
                    f'column {column!r}: {value!r} has no UTC offset; add "timezone" to the mapping'
                )
            moment = moment.replace(tzinfo=self.timezone)
        return moment.isoformat()


def _check_target(name: str) -> None:
    if name in RECORD_FIELDS:
        return
    who, _, field_name = name.partition(".")
    if who in {"actor", "target"} and field_name in PERSON_FIELDS:
        return
    raise MappingError(
        f"{name!r} is not a record field; use one of {', '.join(sorted(RECORD_FIELDS))} "
        "or actor./target. followed by " + ", ".join(sorted(PERSON_FIELDS))
    )


def read_csv(path: Path, mapping: CsvMapping, *, skip: int = 0) -> Iterator[Envelope]:
    """One Envelope per data row, positioned by line number.

    A header that lacks a mapped column makes every row unreadable: each is
    quarantined with that reason (nothing is dropped unseen), and `missing_columns`
    lets the caller say so up front.
    """
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = sorted(mapping.required_columns() - set(header))
        header_error = ""
        if missing:
            header_error = (
                f"CSV header lacks column(s) {', '.join(map(repr, missing))} named in the mapping; "
                f"the header has {', '.join(map(repr, header))}"
            )
        seen = 0
        for row in reader:
            seen += 1
            if seen <= skip:
                continue
            position = str(reader.line_num)
            raw = json.dumps(row, ensure_ascii=False)
            if header_error:
                yield Envelope(position=position, payload=None, error=header_error, raw=raw)
                continue
            if None in row:  # more cells than header columns
                yield Envelope(
                    position=position,
                    payload=None,
                    raw=raw,
                    error=f"row has {len(header) + len(row[None])} cells; the header has {len(header)}",
                )
                continue
            try:
                yield Envelope(position=position, payload=mapping.to_record(row), raw=raw)
            except ValueError as error:
                yield Envelope(position=position, payload=None, error=str(error), raw=raw)


def csv_header_problem(path: Path, mapping: CsvMapping) -> str:
    """Why the file's header does not fit the mapping, or '' when it does."""
    with path.open(newline="", encoding="utf-8-sig", errors="replace") as handle:
        header = next(csv.reader(handle), [])
    missing = sorted(mapping.required_columns() - set(header))
    if not missing:
        return ""
    return (
        f"the header lacks {', '.join(map(repr, missing))}; it has {', '.join(map(repr, header))}"
    )
