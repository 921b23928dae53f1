"""Reading Hacker News CSV exports (what it yields: see source.py).

Headers of the public datasets, matched case-insensitively:

- BigQuery `bigquery-public-data.hacker_news.stories`:
  `id, by, score, time, time_ts, title, url, text, deleted, dead, descendants, author`;
- BigQuery `hacker_news.full` (stories *and* comments):
  `title, url, text, dead, by, score, time, timestamp, type, id, parent, descendants,
  ranking, deleted`;
- Kaggle "Hacker News Posts": `id, title, url, num_points, num_comments, author, created_at`.

A file needs an id (`id`), an author (`by` or `author`) and a time (`time` in Unix
seconds, else `time_ts` / `timestamp` / `created_at`). Times with an offset are taken as
written; BigQuery's `time_ts` / `timestamp` without one (`2014-05-29 08:25:53 UTC` or
bare) are UTC, as the dataset documents; Kaggle's `created_at` (`9/26/2016 3:26`) is US
Eastern time, as that dataset documents.

When the file has `type` and `parent` (the `full` table), comments get their parent's
author as target and their story as conversation: a first pass maps item ids to authors
and parents (ints, and one list of author names), fine for millions of rows.
"""

from __future__ import annotations

import csv
import gzip
import io
import sys
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from townhall.connectors.hackernews import items
from townhall.core.records import ActivityRecord, InvalidRecord
from townhall.core.services.imports import SourceFailure
from townhall.core.services.ingest import Envelope

EASTERN = ZoneInfo("America/New_York")
RAW_MAX = 4000
TRUE = frozenset({"true", "t", "1", "yes"})
# Role → accepted column names, first found wins.
COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "objectid"),
    "author": ("by", "author"),
    "time": ("time", "time_ts", "timestamp", "created_at"),
}
csv.field_size_limit(min(sys.maxsize, 1 << 27))  # story and comment texts can be long


def csv_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise SourceFailure(f"{path} is neither a file nor a folder")
    files = sorted(
        p for p in path.iterdir() if p.is_file() and p.name.lower().endswith((".csv", ".csv.gz"))
    )
    if not files:
        raise SourceFailure(f"{path} holds no .csv or .csv.gz file")
    return files


def _open(path: Path) -> io.TextIOBase:
    if path.name.lower().endswith(".gz"):
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return path.open(encoding="utf-8-sig", newline="")


def parse_time(value: str, column: str) -> datetime:
    """A time from any of the supported columns (see the module docstring)."""
    value = value.strip()
    if column == "time":
        return datetime.fromtimestamp(int(float(value)), UTC)
    text = value.removesuffix(" UTC").replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        if column != "created_at":
            raise
        moment = datetime.strptime(value, "%m/%d/%Y %H:%M")  # noqa: DTZ007 (zone below)
    if moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=EASTERN if column == "created_at" else UTC)


class CsvReader:
    """Yields the stories (and comments) of HN CSV files."""

    def __init__(self, path: Path, *, source: str) -> None:
        self.path = path
        self.source = source
        self.names: list[str] = []
        self.name_index: dict[str, int] = {}
        self.author_of: dict[int, int] = {}  # item id → author index (files with comments)
        self.parent_of: dict[int, int] = {}  # comment id → parent id
        self.stories: set[int] = set()

    def read(self) -> Iterator[ActivityRecord | Envelope]:
        files = csv_files(self.path)
        headers = {file: self._header(file) for file in files}
        if any("parent" in header for header in headers.values()):
            for file in files:
                self._index(file, headers[file])
        for file in files:
            yield from self._rows(file, headers[file])

    def _header(self, file: Path) -> dict[str, str]:
        """Lower-cased column names, with the role columns chosen; SourceFailure if one lacks."""
        with _open(file) as handle:
            found = next(csv.reader(handle), [])
        names = [n.strip().lower() for n in found]
        header = {n: n for n in names}
        missing = []
        for role, candidates in COLUMNS.items():
            chosen = next((c for c in candidates if c in header), None)
            if chosen is None:
                missing.append(f"{role} ({' or '.join(candidates)})")
            else:
                header[f"@{role}"] = chosen
        if missing:
            raise SourceFailure(
                f"{file.name} is not a Hacker News export: its header lacks "
                f"{', '.join(missing)}; it has {', '.join(found) or 'no columns'}. Supported: "
                "BigQuery hacker_news.stories / .full, Kaggle Hacker News Posts"
            )
        return header

    def _dicts(self, file: Path) -> Iterator[tuple[int, dict[str, str]] | Envelope]:
        """(line, row by lower-cased column) of each row; an Envelope where the file breaks."""
        line = 1
        try:
            with _open(file) as handle:
                reader = csv.reader(handle)
                names = [n.strip().lower() for n in next(reader, [])]
                for row in reader:
                    line = reader.line_num
                    if row:
                        yield line, dict(zip(names, row, strict=False))
        except (csv.Error, EOFError, OSError, zlib.error, UnicodeDecodeError) as error:
            yield Envelope(
                position=f"{file.name}:{line + 1}",
                payload=None,
                error=f"{file.name} cannot be read past line {line:,} ({error}); the rows "
                "before were imported, the rest of this file was not",
            )

    @staticmethod
    def _author(row: dict[str, str]) -> str:
        # BigQuery's stories table has both `by` and a legacy `author`; either may be empty.
        return (row.get("by") or row.get("author") or "").strip()

    def _index(self, file: Path, header: dict[str, str]) -> None:
        for item in self._dicts(file):
            if isinstance(item, Envelope):
                break
            row = item[1]
            try:
                number = int(row[header["@id"]])
                if (row.get("type") or "").strip().lower() == "comment":
                    self.parent_of[number] = int(row["parent"])
                elif (row.get("type") or "story").strip().lower() in items.STORY_TYPES:
                    self.stories.add(number)
            except (KeyError, ValueError):
                continue
            author = self._author(row)
            if not author:
                continue
            index = self.name_index.get(author)
            if index is None:
                index = self.name_index[author] = len(self.names)
                self.names.append(author)
            self.author_of[number] = index

    def _story_of(self, number: int) -> int | None:
        """The story a comment hangs under, following parents within the files."""
        for _ in range(500):
            parent = self.parent_of.get(number)
            if parent is None:
                return number if number in self.stories else None
            number = parent
        return None

    def _rows(self, file: Path, header: dict[str, str]) -> Iterator[ActivityRecord | Envelope]:
        time_column = header["@time"]
        for item in self._dicts(file):
            if isinstance(item, Envelope):
                yield item
                continue
            line, row = item
            try:
                record = self._record(row, header, time_column)
            except (KeyError, TypeError, ValueError, OverflowError, InvalidRecord) as error:
                record = self._explain(row, header, time_column, error)
            if isinstance(record, str):
                raw = ",".join(f"{k}={v[:200]!r}" for k, v in row.items())[:RAW_MAX]
                yield Envelope(position=f"{file.name}:{line}", payload=None, error=record, raw=raw)
            elif record is not None:
                yield record

    def _record(
        self, row: dict[str, str], header: dict[str, str], time_column: str
    ) -> ActivityRecord | str | None:
        kind = (row.get("type") or "story").strip().lower()
        if row.get("deleted", "").strip().lower() in TRUE or kind in items.SKIPPED_TYPES:
            return (
                None  # deleted items keep no content; jobs and poll options are not participation
            )
        author = self._author(row)
        if not author:
            return items.NO_AUTHOR
        time_value = row.get(time_column, "")
        if not time_value and time_column == "time":
            # BigQuery exports sometimes leave `time` empty but fill the readable column.
            time_column = next((c for c in ("time_ts", "timestamp") if row.get(c)), "time")
            time_value = row.get(time_column, "")
        occurred_at = parse_time(time_value, time_column)
        item: dict[str, Any] = {
            "id": int(row[header["@id"]]),
            "by": author,
            "title": row.get("title", ""),
            "url": row.get("url", ""),
            "text": row.get("text", ""),
            "dead": row.get("dead", "").strip().lower() in TRUE,
        }
        for role, names in (
            ("score", ("score", "num_points")),
            ("descendants", ("descendants", "num_comments")),
        ):
            value = next((row[n] for n in names if row.get(n, "").strip()), "")
            if value:
                item[role] = int(float(value))
        if kind in items.STORY_TYPES:
            return items.story(item, occurred_at, source=self.source, kind_of=kind)
        if kind != "comment":
            return f"unknown item type {kind!r}"
        item["parent"] = int(row["parent"])
        parent_author = self.author_of.get(item["parent"])
        target = items.person(self.names[parent_author]) if parent_author is not None else None
        return items.comment(
            item,
            occurred_at,
            source=self.source,
            target=target,
            story_id=self._story_of(item["parent"]),
        )

    @staticmethod
    def _explain(
        row: dict[str, str], header: dict[str, str], time_column: str, error: Exception
    ) -> str:
        identifier = row.get(header["@id"], "")
        if not identifier.strip().isdigit():
            return f"column {header['@id']!r}: {identifier!r} is not an item id"
        value = row.get(time_column, "")
        try:
            parse_time(value, time_column)
        except (ValueError, OverflowError):
            return f"column {time_column!r}: cannot read {value!r} as a time"
        if isinstance(error, KeyError):
            return f"the row has no {error.args[0]!r} column"
        return f"unreadable row: {error}"
