"""Reading Pushshift-style Reddit dumps: one JSON object a line (what it yields: see source.py).

Files are `RS_…` (submissions) and `RC_…` (comments), plain (`.jsonl`, `.ndjson`,
`.json`) or gzipped (`.gz`); zstandard (`.zst`), the format of the big monthly archives,
is not read — decompress with `zstd -d` first. Each line is a submission (it has a
`title`) or a comment (it has `link_id`); lines wrapped as the API sends them
(`{"kind": "t3", "data": {…}}`) are unwrapped.

Two passes: the first maps every thing's fullname to its author (ids as base-36 integers,
authors as indexes into one list: compact for millions of lines) and learns each
author's `t2_…` id where any line has it; the second yields records, a comment's target
being its parent's author when the parent is in the file set.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import msgspec

from townhall.connectors.reddit import things
from townhall.core.records import ActivityRecord, InvalidRecord, Person
from townhall.core.services.imports import SourceFailure
from townhall.core.services.ingest import Envelope

PLAIN = (".jsonl", ".ndjson", ".json")
RAW_MAX = 4000
_decode = msgspec.json.Decoder(dict).decode


class _Index(msgspec.Struct):
    """The few fields the first pass needs; msgspec skips the rest without building them."""

    id: Any = None
    name: Any = None
    author: Any = None
    author_fullname: Any = None
    link_id: Any = None
    title: Any = None
    kind: Any = None
    data: Any = None


_decode_index = msgspec.json.Decoder(_Index).decode


def dump_files(path: Path) -> list[Path]:
    """The files to read, submissions first, each group in name order."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise SourceFailure(f"{path} is neither a file nor a folder")
    files = [p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")]
    wanted = [p for p in files if p.name.lower().endswith((*PLAIN, ".gz", ".zst", ".zstd"))]
    if not wanted:
        raise SourceFailure(
            f"{path} holds no Reddit dump (looked for .jsonl, .ndjson, .json or .gz files; "
            f"found {', '.join(sorted(p.name for p in files)) or 'nothing'})"
        )

    def order(p: Path) -> tuple[int, str]:
        name = p.name.upper()
        return (0 if name.startswith("RS") else 2 if name.startswith("RC") else 1, p.name)

    return sorted(wanted, key=order)


def _base36(fullname: str) -> int | None:
    try:
        return int(fullname[3:], 36)
    except ValueError:
        return None


class DumpReader:
    """Yields the records of a Pushshift file or folder of files."""

    def __init__(self, path: Path, *, source: str, subreddits: Iterable[str]) -> None:
        self.path = path
        self.source = source
        self.subreddits = frozenset(s.lower().removeprefix("r/") for s in subreddits if s)
        self.names: list[str] = []
        self.name_index: dict[str, int] = {}
        self.fullnames: dict[str, str] = {}  # author → t2_… (from any line that has it)
        self.authors: dict[str, dict[int, int]] = {"t3_": {}, "t1_": {}}
        self.people: dict[int, Person] = {}

    def read(self) -> Iterator[ActivityRecord | Envelope]:
        files = dump_files(self.path)
        for file in files:
            self._index(file)
        for file in files:
            yield from self._records(file)

    # --- reading lines -------------------------------------------------------------------

    def _lines(self, file: Path) -> Iterator[tuple[int, bytes] | Envelope]:
        name = file.name
        if name.lower().endswith((".zst", ".zstd")):
            yield Envelope(
                position=f"{name}:0",
                payload=None,
                error=f"{name} is zstandard-compressed, which this connector does not read; "
                "decompress it (zstd -d) and import the .ndjson",
            )
            return
        opener = gzip.open if name.lower().endswith(".gz") else open
        number = 0
        try:
            with opener(file, "rb") as handle:
                for number, line in enumerate(handle, start=1):
                    if line.strip():
                        yield number, line
        except (EOFError, OSError, zlib.error) as error:
            yield Envelope(
                position=f"{name}:{number + 1}",
                payload=None,
                error=f"{name} cannot be read past line {number:,} ({error}); the lines "
                "before were imported, the rest of this file was not",
            )

    # --- first pass ----------------------------------------------------------------------

    def _index(self, file: Path) -> None:
        for item in self._lines(file):
            if isinstance(item, Envelope):
                continue
            try:
                thing = _decode_index(item[1])
                if isinstance(thing.data, dict) and thing.kind in ("t1", "t3"):
                    thing = msgspec.convert(thing.data, _Index)
            except (msgspec.DecodeError, msgspec.ValidationError):
                continue  # reported by the second pass
            author = thing.author
            if not isinstance(author, str) or author in things.GONE:
                continue
            if isinstance(thing.author_fullname, str):
                self.fullnames.setdefault(author, thing.author_fullname)
            prefix = "t1_" if thing.link_id else "t3_" if thing.title is not None else ""
            key = thing.name if isinstance(thing.name, str) else f"{prefix}{thing.id}"
            number = _base36(key) if prefix and key.startswith(prefix) else None
            if number is None:
                continue
            index = self.name_index.get(author)
            if index is None:
                index = self.name_index[author] = len(self.names)
                self.names.append(author)
            self.authors[prefix][number] = index

    def _person_of(self, parent: str) -> Person | None:
        number = _base36(parent)
        index = self.authors.get(parent[:3], {}).get(number) if number is not None else None
        if index is None:
            return None
        person = self.people.get(index)
        if person is None:
            name = self.names[index]
            person = self.people[index] = things.author(
                {"author": name}, fullname=self.fullnames.get(name)
            )  # type: ignore[assignment]
        return person

    # --- second pass ---------------------------------------------------------------------

    def _records(self, file: Path) -> Iterator[ActivityRecord | Envelope]:
        name = file.name
        for item in self._lines(file):
            if isinstance(item, Envelope):
                yield item
                continue
            number, line = item
            position = f"{name}:{number}"
            try:
                data = _decode(line)
                if isinstance(data.get("data"), dict) and data.get("kind") in ("t1", "t3"):
                    data = data["data"]
                record = self._record(data)
            except msgspec.DecodeError as error:
                yield self._bad(position, line, f"invalid JSON: {error}")
                continue
            except (KeyError, TypeError, ValueError, InvalidRecord) as error:
                yield self._bad(position, line, f"unreadable Reddit item: {error}")
                continue
            if isinstance(record, str):
                yield self._bad(position, line, record)
            elif record is not None:
                yield record

    def _record(self, data: dict[str, Any]) -> ActivityRecord | str | None:
        subreddit = str(data.get("subreddit") or "")
        if self.subreddits and subreddit.lower() not in self.subreddits:
            return None  # outside the subreddits asked for
        is_comment = bool(data.get("link_id"))
        if not is_comment and "title" not in data:
            return "neither a submission (no title) nor a comment (no link_id)"
        author = data.get("author") or ""
        actor = things.author(data, fullname=self.fullnames.get(author))
        if actor is None:
            return things.DELETED_AUTHOR
        if not is_comment:
            return things.submission(data, actor, source=self.source)
        parent = data.get("parent_id") or ""
        return things.comment(data, actor, self._person_of(parent), source=self.source)

    @staticmethod
    def _bad(position: str, line: bytes, reason: str) -> Envelope:
        return Envelope(
            position=position,
            payload=None,
            error=reason,
            raw=line.decode("utf-8", errors="replace").strip()[:RAW_MAX],
        )
