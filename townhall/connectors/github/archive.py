"""GH Archive hourly files (`gharchive`): every public GitHub event, one JSON object a line.

Reads one `YYYY-MM-DD-H.json.gz` file (or an uncompressed `.json`) or a folder of
them, files in chronological order (GH Archive does not zero-pad the hour, so
`…-10` must come after `…-9`), each streamed line by line through zlib. Every event
keeps its GH Archive `id` as external id (its mentions add `:mention:<login>`); the
channel is the repository `owner/name`; people are keyed by GitHub's numeric id.

Kinds (actor → target):

- WatchEvent → `star`; ForkEvent → `fork` (the fork's name in properties).
- IssuesEvent opened/closed/reopened → `issue_opened` / `issue_closed` /
  `issue_reopened`; closing or reopening someone else's issue targets its author.
- IssueCommentEvent → `issue_comment` → the issue's (or pull request's) author.
- PullRequestEvent opened/closed/reopened → `pr_opened`, `pr_merged` (closed with
  `merged`), `pr_closed`, `pr_reopened`; merge/close targets the pull request's author.
- PullRequestReviewEvent → `pr_review`, PullRequestReviewCommentEvent →
  `pr_review_comment`, both → the pull request's author (state in properties).
- PushEvent → `push` (commit count, ref and head in properties).
- ReleaseEvent published → `release_published`; MemberEvent added → `member_added`
  → the new collaborator; GollumEvent → `wiki_edit`; CommitCommentEvent →
  `commit_comment`; DiscussionEvent created → `discussion_created`.
- `mention` → each `@login` in an issue, pull request, comment, review or discussion
  body (not in code or quotes), parent = the event's record.

conversation_id is `owner/name#number` for issues and pull requests. Skipped (counted,
not errors): CreateEvent/DeleteEvent (branch and tag housekeeping), PublicEvent,
SponsorshipEvent, other actions (labeled, assigned, synchronize, edited…), and events
of repositories outside the configured `repositories` / `organizations`. A line that
is not a GH Archive event is quarantined with its file and line; a truncated or
corrupt .gz keeps the events read before the damage and quarantines the rest of that
file with a message saying to download it again; the next files are read as usual.
"""

from __future__ import annotations

import json
import logging
import re
import zlib
from collections.abc import Iterator
from pathlib import Path

import msgspec
from pydantic import field_validator

from townhall.connectors.base import Capability, FileConfig, Source, SourceConfig
from townhall.connectors.registry import register
from townhall.core.records import ActivityRecord, InvalidRecord
from townhall.core.services.ingest import Envelope

from .archive_events import Mapper, decode_event
from .common import split_repository

logger = logging.getLogger(__name__)

_HOUR_FILE_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(\d{1,2})\.json(\.gz)?$")
_READ_BLOCK = 1 << 20
_RAW_LIMIT = 64 * 1024


class GhArchiveConfig(FileConfig):
    #: Keep only these repositories (`owner/name`); with `organizations`, either matches.
    repositories: list[str] = []
    #: Keep every repository owned by these accounts (organizations or users).
    organizations: list[str] = []

    @field_validator("repositories")
    @classmethod
    def _repositories_are_owner_name(cls, value: list[str]) -> list[str]:
        return ["/".join(split_repository(item)) for item in value]


class Damaged(Exception):
    """A compressed file that stops making sense part-way (truncated, corrupt)."""


def hour_files(path: Path) -> list[Path]:
    """The GH Archive files of a folder, oldest hour first; a file is itself."""
    if not path.is_dir():
        return [path]
    files = [p for p in path.iterdir() if p.is_file() and p.name.endswith((".json.gz", ".json"))]

    def order(file: Path) -> tuple[int, int, int, int, str]:
        match = _HOUR_FILE_RE.match(file.name)
        if match is None:
            return (9999, 0, 0, 0, file.name)
        year, month, day, hour = (int(match[i]) for i in range(1, 5))
        return (year, month, day, hour, file.name)

    return sorted(files, key=order)


def read_lines(path: Path) -> Iterator[bytes]:
    """The lines of a .json.gz (several gzip members allowed) or .json file.

    Raises Damaged after the last complete line when the compressed data is cut
    short or corrupt; the lines before the damage are yielded first.
    """
    if not path.name.endswith(".gz"):
        with path.open("rb") as handle:
            yield from handle
        return
    decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)
    pending = b""
    with path.open("rb") as handle:
        while block := handle.read(_READ_BLOCK):
            try:
                data = decompressor.decompress(block)
                # A gzip file may hold several members back to back (`cat a.gz b.gz`).
                while decompressor.eof and decompressor.unused_data:
                    rest = decompressor.unused_data
                    decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)
                    data += decompressor.decompress(rest)
            except zlib.error as error:
                raise Damaged(f"is corrupt ({error})", pending) from None
            if not data:
                continue
            lines = (pending + data).split(b"\n")
            pending = lines.pop()
            yield from lines
    if not decompressor.eof:
        raise Damaged("is truncated", pending)
    if pending:
        yield pending


@register
class GhArchive(Source):
    """GH Archive hourly event files: stars, forks, issues, pull requests, reviews, pushes…"""

    name = "gharchive"
    label = "GH Archive hourly files"
    default_source = "github"
    capabilities = frozenset({Capability.FILE_IMPORT})
    config_schema = GhArchiveConfig

    @classmethod
    def config_from_target(cls, target: str) -> SourceConfig:
        """A file or folder of hours, or a JSON config (`path`, `repositories`, `organizations`)."""
        path = Path(target)
        if path.is_file() and path.suffix == ".json":
            config = _config_file(path)
            if config is not None:
                return config
        return GhArchiveConfig(path=path)

    @property
    def archive_config(self) -> GhArchiveConfig:
        assert isinstance(self.config, GhArchiveConfig)
        return self.config

    def read(self) -> Iterator[ActivityRecord | Envelope]:
        config = self.archive_config
        if not config.path.exists():
            raise FileNotFoundError(f"{config.path} does not exist")
        self.mapper = Mapper(self.source_slug)
        self.events = self.kept = self.filtered_out = 0
        for file in hour_files(config.path):
            yield from self._read_file(file)
        logger.info(
            "gharchive %s: %d events, %d kept, %d outside the chosen repositories, skipped %s",
            config.path,
            self.events,
            self.kept,
            self.filtered_out,
            self.mapper.skipped,
        )

    def _read_file(self, file: Path) -> Iterator[ActivityRecord | Envelope]:
        config = self.archive_config
        repositories = {r.lower() for r in config.repositories}
        owners = {o.lower() for o in config.organizations}
        # A cheap byte test before decoding: with filters, most lines of an hour of all
        # of GitHub are about other repositories and are dropped without being parsed.
        # It lets through a line that merely mentions a chosen repository (the decoded
        # `repo.name` decides).
        alternatives = [re.escape(f'"{r}"'.encode()) for r in sorted(repositories)] + [
            re.escape(f'"{o}/'.encode()) for o in sorted(owners)
        ]
        filtering = bool(alternatives)
        prefilter = re.compile(b"|".join(alternatives), re.IGNORECASE).search if filtering else None
        records = self.mapper.records
        line_number = 0
        try:
            for line_number, line in enumerate(read_lines(file), start=1):
                if prefilter is not None and not prefilter(line):
                    if line_number == 1 and b"\\/" in line:
                        # This file escapes "/" in JSON strings: the byte test cannot see
                        # names, so every line is decoded and checked.
                        prefilter = None
                    else:
                        if line and not line.isspace():
                            self.events += 1
                            self.filtered_out += 1
                        continue
                try:
                    event = decode_event(line)
                except msgspec.DecodeError as error:
                    if not line or line.isspace():
                        continue
                    self.events += 1
                    yield _bad_line(file, line_number, line, _decode_problem(error))
                    continue
                self.events += 1
                if filtering:
                    name = event.repo.name.lower()
                    if name not in repositories and name.partition("/")[0] not in owners:
                        self.filtered_out += 1
                        continue
                try:
                    produced = list(records(event))
                except (msgspec.DecodeError, InvalidRecord, ValueError) as error:
                    yield _bad_line(file, line_number, line, f"{event.type} {event.id}: {error}")
                    continue
                if produced:
                    self.kept += 1
                    yield from produced
        except Damaged as damage:
            partial = damage.args[1] if len(damage.args) > 1 else b""
            yield Envelope(
                position=f"{file.name}:{line_number + 1}",
                payload=None,
                error=(
                    f"{file.name} {damage.args[0]} after line {line_number}: the events after "
                    "it are missing; download the file again and import it again"
                ),
                raw=partial[:_RAW_LIMIT].decode("utf-8", errors="replace"),
            )


def _bad_line(file: Path, line_number: int, line: bytes, reason: str) -> Envelope:
    return Envelope(
        position=f"{file.name}:{line_number}",
        payload=None,
        error=f"{file.name} line {line_number}: {reason}",
        raw=line[:_RAW_LIMIT].decode("utf-8", errors="replace"),
    )


def _decode_problem(error: msgspec.DecodeError) -> str:
    if isinstance(error, msgspec.ValidationError):
        return f"not a GH Archive event (2015 or later format): {error}"
    return f"invalid JSON: {error}"


def _config_file(path: Path) -> GhArchiveConfig | None:
    """The config in `path` if it is one (a JSON object with `path`), else None."""
    try:
        with path.open("rb") as handle:
            head = handle.read(64 * 1024)
        data = json.loads(head) if len(head) < 64 * 1024 else None
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or "path" not in data or "type" in data:
        return None
    config = GhArchiveConfig.model_validate(data)
    if not config.path.is_absolute():
        config.path = (path.parent / config.path).resolve()
    return config
