"""Hacker News: items live through the Firebase API, or stories from a CSV export.

| kind | external id | actor | target | conversation / parent |
|---|---|---|---|---|
| `story` | `item:ID` | the submitter | — | `item:ID` / — |
| `comment` | `item:ID` | the commenter | the parent's author (story or comment) | `item:STORY` / `item:PARENT` |

Channel: `hn`. Actors are HN usernames (the account's only id), linked to their profile.
Polls are stories (`properties.type = "poll"`); "Ask HN" / "Show HN" titles set
`properties.category`; the story's link goes in `properties.link`, `url` is the HN page.
Times are Unix seconds (UTC).

Skipped, by design: deleted items (HN keeps only their id and time: nothing to credit;
their replies are still read, with no target), job ads and poll options. Quarantined: an
item without an author that is not marked deleted, and unreadable rows or items. Dead
(flagged) items are kept with `properties.dead`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import Field, model_validator

from townhall.connectors.base import Capability, FileConfig, Source, SourceConfig
from townhall.connectors.hackernews.api import ItemReader
from townhall.connectors.hackernews.csvfile import CsvReader
from townhall.connectors.registry import register
from townhall.core.http import ApiClient
from townhall.core.records import ActivityRecord
from townhall.core.services.ingest import Envelope


class HackerNewsApiConfig(SourceConfig):
    """Which items to read: listed stories, a search, or every new item (the default)."""

    story_ids: list[int] = Field(
        default_factory=list, description="These stories and their comment trees."
    )
    search: str = Field(
        default="", description="Stories matching these words (HN Search by Algolia)."
    )
    since: datetime | None = Field(
        default=None, description="Search: first sync from then (default: the last 7 days)."
    )
    max_items: int = Field(default=1000, ge=1, description="Walk: items per sync.")
    start_item: int | None = Field(
        default=None, description="Walk: first sync starts here (default: maxitem - max_items)."
    )
    max_stories: int = Field(default=50, ge=1, description="Search: stories per sync.")
    base_url: str = "https://hacker-news.firebaseio.com/v0"
    search_url: str = "https://hn.algolia.com/api/v1"

    @model_validator(mode="after")
    def _one_mode(self) -> HackerNewsApiConfig:
        if self.story_ids and self.search:
            raise ValueError("give story_ids or search, not both")
        return self


@register
class HackerNewsApiSource(Source):
    """Hacker News through its API: new items, chosen stories or a search, with comment trees."""

    name = "hackernews-api"
    label = "Hacker News API"
    default_source = "hackernews"
    capabilities = frozenset({Capability.LIVE_API, Capability.INCREMENTAL})
    config_schema = HackerNewsApiConfig

    def read(self) -> Iterator[ActivityRecord | Envelope]:
        config = self.config
        assert isinstance(config, HackerNewsApiConfig)
        api = ApiClient(
            config.base_url, transport=self.transport, sleep=self.sleep, label="Hacker News API"
        )
        search = (
            ApiClient(
                config.search_url, transport=self.transport, sleep=self.sleep, label="HN Search"
            )
            if config.search
            else None
        )
        since = config.since or datetime.now(UTC) - timedelta(days=7)
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)  # a bare date in the config means UTC

        def save_cursor(cursor: dict[str, Any]) -> None:
            self.cursor = cursor

        reader = ItemReader(
            api,
            search,
            source=self.source_slug,
            story_ids=config.story_ids,
            query=config.search,
            since=int(since.timestamp()),
            max_items=config.max_items,
            start_item=config.start_item,
            max_stories=config.max_stories,
            cursor=self.cursor,
            save_cursor=save_cursor,
        )
        try:
            yield from reader.read()
        finally:
            api.close()
            if search is not None:
                search.close()


@register
class HackerNewsCsv(Source):
    """A Hacker News CSV export (BigQuery hacker_news.stories or .full, Kaggle HN posts)."""

    name = "hackernews-csv"
    label = "Hacker News CSV export"
    default_source = "hackernews"
    capabilities = frozenset({Capability.FILE_IMPORT})
    config_schema = FileConfig

    def read(self) -> Iterator[ActivityRecord | Envelope]:
        assert isinstance(self.config, FileConfig)
        return CsvReader(self.config.path, source=self.source_slug).read()
