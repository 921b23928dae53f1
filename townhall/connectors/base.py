"""The `Source` base every connector implements, and its configuration schema.

A source reads one kind of input — an export file or a live API — and yields
ActivityRecords (or Envelopes for inputs it could not read, which ingest quarantines
with the reason). It never writes to the database: `core.ingest` does that.

Sources that read a file are resumable by position: they must yield the same records
in the same order every time. Sources with an incremental cursor update
`self.cursor` only after every record the new cursor covers has been yielded, so a
cursor saved after a committed batch never skips anything.
"""

from __future__ import annotations

import json
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel, ConfigDict, Field

from townhall.core.records import SLUG_RE, ActivityRecord
from townhall.core.services.ingest import Envelope


class Capability(StrEnum):
    FILE_IMPORT = "file import"
    LIVE_API = "live API"
    INCREMENTAL = "incremental cursor"
    #: Data arrives by HTTP push (webhooks): scheduled syncs skip it.
    PUSH = "push"


class SourceConfig(BaseModel):
    """Settings every source has; connectors extend it with their own fields."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(
        default="",
        description="Slug the activities are stored under; the connector's default when empty.",
    )

    def slug(self, default: str) -> str:
        slug = (self.source or default).lower()
        if not SLUG_RE.match(slug):
            raise ValueError(f"source {slug!r} must be a slug (a-z, 0-9, _ - .)")
        return slug


class FileConfig(SourceConfig):
    """A source that reads one file or folder."""

    path: Path


class Source(ABC):
    """One connector. Subclasses set the class attributes and implement `read()`."""

    #: Registry key, used on the command line: `townhall ingest <name> <target>`.
    name: ClassVar[str]
    #: Human name for pages.
    label: ClassVar[str]
    #: The `source` slug activities get unless the config names another.
    default_source: ClassVar[str]
    capabilities: ClassVar[frozenset[Capability]]
    config_schema: ClassVar[type[SourceConfig]] = FileConfig

    def __init__(
        self,
        config: SourceConfig,
        *,
        cursor: dict[str, Any] | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.source_slug = config.slug(self.default_source)
        self.cursor: dict[str, Any] = dict(cursor or {})
        self.transport = transport
        #: How the source waits (rate limits, backoff); tests pass a no-op.
        self.sleep = sleep

    @classmethod
    def config_from_target(cls, target: str) -> SourceConfig:
        """The config for `townhall ingest <name> TARGET`: a path for file sources,
        a JSON config file for API sources."""
        given = Path(target)
        if Capability.FILE_IMPORT in cls.capabilities and issubclass(cls.config_schema, FileConfig):
            config = _small_json_config(given)
            if config is None:
                return cls.config_schema(path=given)
            # Options a bare path cannot carry; `path` is relative to the config file.
            path = Path(str(config.get("path", ""))).expanduser()
            config["path"] = path if path.is_absolute() else given.parent / path
            return cls.config_schema.model_validate(config)
        return cls.config_schema.model_validate_json(given.read_text(encoding="utf-8"))

    @abstractmethod
    def read(self) -> Iterator[ActivityRecord | Envelope]:
        """Yield every record of the input, in a stable order."""

    def fingerprint_parts(self) -> list[str]:
        """What identifies one input for resuming (file sources add the file's bytes)."""
        return [self.name, self.config.model_dump_json()]

    def content_fingerprint(self) -> str | None:
        """A cheap stand-in for hashing the input's bytes (e.g. a repository's HEAD), or None."""
        return None


def _small_json_config(path: Path) -> dict[str, Any] | None:
    """A JSON object with a `path` key in a small .json file: a config, not an input file."""
    if path.suffix.lower() != ".json" or not path.is_file() or path.stat().st_size > 64 * 1024:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("path"), str) else None
