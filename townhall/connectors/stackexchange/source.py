"""Stack Exchange sites: the public data dump (file import) and API 2.3 (live, incremental).

Both connectors yield the same activities with the same external ids, under the source
slug of the site (`stackoverflow`, `superuser`, `math.stackexchange`, …; the config's
`source` overrides it). The channel is the question's tag: the first of its tags that the
import asked for (`tags`), else its first tag; answers, comments and votes take their
question's channel, tag badges the tag.

| kind | external id | actor | target | conversation / parent |
|---|---|---|---|---|
| `question` | `q:ID` | asker | — | `q:ID` / — |
| `answer` | `a:ID` | answerer | asker | `q:QID` / `q:QID` |
| `solution_accepted` | `accept:AID` | asker | answerer | `q:QID` / `a:AID` |
| `comment` | `c:ID` | commenter | the post's author (API: the @replied user if any) | `q:QID` / `q:`/`a:` post |
| `favorite` (dump) | `vote:ID` | who favorited | the post's author | `q:QID` / post |
| `bounty` (dump) | `vote:ID` | who offered it | the asker | `q:QID` / `q:QID` |
| `bounty_awarded` (dump) | `vote:ID` | who offered it | the answerer | `q:QID` / `a:AID` |
| `badge_earned` (dump) | `badge:ID` | the user | — | — |

Times: the dump writes UTC without an offset (`2019-03-05T22:28:34.823`): UTC is attached.
Accept votes carry only a day, so an acceptance is placed at that day or, if later, at the
answer's creation; the API gives no accept time at all, so there it is the answer's
creation (`properties.time_from` says which).

Skipped, by design: up and down votes (anonymous in the dump: counted as `up_votes` /
`down_votes` on the post instead), votes, comments and posts that belong to tag wikis,
moderator nominations or posts missing from the dump, favorites without a user.
Quarantined with a reason: rows whose author account was deleted (no `OwnerUserId` /
`UserId`; the leftover display name is a placeholder, so it never becomes a person), rows
missing an id or date, and a file's broken XML (the rows before the break are imported,
the other files too).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import Field, SecretStr, model_validator

from townhall.connectors.base import Capability, FileConfig, Source, SourceConfig
from townhall.connectors.registry import register
from townhall.connectors.stackexchange.api import ApiReader, StackExchangeApi
from townhall.connectors.stackexchange.dump import DumpReader
from townhall.connectors.stackexchange.site import Site, site_named, site_of_folder
from townhall.core.http import ApiClient
from townhall.core.records import ActivityRecord
from townhall.core.services.ingest import Envelope


class StackExchangeDumpConfig(FileConfig):
    """A dump folder (the extracted .7z of one site: Posts.xml, Users.xml, …)."""

    site: str = Field(
        default="",
        description="The site: `stackoverflow`, `superuser`, `math` or its domain; "
        "when empty, the folder's name (`math.stackexchange.com`).",
    )
    tags: list[str] = Field(
        default_factory=list,
        description="Only questions with at least one of these tags (and their answers, "
        "comments and votes); empty: everything.",
    )

    @model_validator(mode="after")
    def _site_from_folder(self) -> StackExchangeDumpConfig:
        if not self.site:
            self.site = site_of_folder(self.path).domain
        return self

    def slug(self, default: str) -> str:
        return super().slug(self.source or site_named(self.site).slug or default)


@register
class StackExchangeDump(Source):
    """A Stack Exchange data dump folder: questions, answers, accepts, comments, favorites, bounties, badges."""

    name = "stackexchange-dump"
    label = "Stack Exchange data dump"
    default_source = "stackexchange"
    capabilities = frozenset({Capability.FILE_IMPORT})
    config_schema = StackExchangeDumpConfig

    def read(self) -> Iterator[ActivityRecord | Envelope]:
        config = self.config
        assert isinstance(config, StackExchangeDumpConfig)
        reader = DumpReader(
            config.path, source=self.source_slug, site=site_named(config.site), tags=config.tags
        )
        return reader.read()


class StackExchangeApiConfig(SourceConfig):
    """A site read through API 2.3."""

    site: str = Field(description="`stackoverflow`, `superuser`, `math` or the site's domain.")
    tags: list[str] = Field(
        default_factory=list,
        description="Questions with any of these tags (one query per tag); empty: the whole site.",
    )
    key: SecretStr | None = Field(
        default=None, description="An app key from stackapps.com: 10,000 calls a day, not 300."
    )
    since: datetime | None = Field(
        default=None,
        description="First sync: questions active since then (default: the last 7 days).",
    )
    page_size: int = Field(default=100, ge=1, le=100)
    max_pages: int = Field(
        default=20, ge=1, description="Pages of questions per tag and sync (100 each)."
    )
    base_url: str = "https://api.stackexchange.com/2.3"

    def slug(self, default: str) -> str:
        return super().slug(self.source or site_named(self.site).slug or default)


@register
class StackExchangeApiSource(Source):
    """A Stack Exchange site through its API: questions, answers, accepts and comments since the last sync."""

    name = "stackexchange-api"
    label = "Stack Exchange API"
    default_source = "stackexchange"
    capabilities = frozenset({Capability.LIVE_API, Capability.INCREMENTAL})
    config_schema = StackExchangeApiConfig

    def __init__(self, config: SourceConfig, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        assert isinstance(config, StackExchangeApiConfig)
        self.site: Site = site_named(config.site)

    def read(self) -> Iterator[ActivityRecord | Envelope]:
        config = self.config
        assert isinstance(config, StackExchangeApiConfig)
        client = ApiClient(
            config.base_url,
            transport=self.transport,
            sleep=self.sleep,
            label=f"Stack Exchange API ({self.site.domain})",
        )
        api = StackExchangeApi(
            client,
            site=self.site,
            key=config.key.get_secret_value() if config.key else None,
            page_size=config.page_size,
            sleep=self.sleep,
        )
        since = config.since or datetime.now(UTC) - timedelta(days=7)
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)  # a bare date in the config means UTC

        def save_cursor(cursor: dict[str, Any]) -> None:
            self.cursor = cursor

        reader = ApiReader(
            api,
            source=self.source_slug,
            site=self.site,
            tags=config.tags,
            since=int(since.timestamp()),
            max_pages=config.max_pages,
            cursor=self.cursor,
            save_cursor=save_cursor,
        )
        try:
            yield from reader.read()
        finally:
            client.close()
