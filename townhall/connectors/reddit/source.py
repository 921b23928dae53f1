"""Reddit: subreddits live through the OAuth API, or archived as Pushshift JSON lines.

| kind | external id | actor | target | conversation / parent |
|---|---|---|---|---|
| `submission` | `t3_…` | the poster | — | `t3_…` / — |
| `comment` | `t1_…` | the commenter | the parent's author (submission or comment) | `t3_…` / `t1_…` or `t3_…` |

Channel: the subreddit (`Python`). Actors are keyed by `author_fullname` (`t2_…`); older
dump lines lack it, so it is taken from another line by the same author, else the actor
is keyed by username (Reddit usernames never change, so both keys are stable).
`AutoModerator` and accounts named like bots (`RemindMeBot`, `…_bot`) are flagged
`is_bot`. Times are `created_utc` (epoch seconds, UTC).

A thread is read once, when its submission is new: comments added later, and those the
API leaves out of big threads, are only in later dumps.

Quarantined with a reason: things whose author is `[deleted]` (the account is gone; that
placeholder never becomes a person, and replies to it get no target), lines that are not
JSON or lack an id or time. Skipped: `more` stubs of comment trees the API did not send
(counted on the submission as `comments_not_loaded`), things outside `subreddits`.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import Field, SecretStr

from townhall.connectors.base import Capability, FileConfig, Source, SourceConfig
from townhall.connectors.reddit.api import RedditApi, RelativeResetTransport, SubredditReader
from townhall.connectors.reddit.pushshift import DumpReader
from townhall.connectors.registry import register
from townhall.core.http import ApiClient
from townhall.core.records import ActivityRecord
from townhall.core.services.ingest import Envelope


class RedditApiConfig(SourceConfig):
    """Subreddits read through https://oauth.reddit.com with a bearer token."""

    subreddits: list[str] = Field(min_length=1, description="Subreddit names, e.g. `django`.")
    access_token: SecretStr = Field(
        description="An OAuth access token (app-only tokens from /api/v1/access_token last "
        "24 hours; refresh it in the connection's settings)."
    )
    user_agent: str = Field(
        default="server:townhall:0.1 (community sync)",
        description="Reddit asks for a unique, descriptive User-Agent naming your app.",
    )
    since: datetime | None = Field(
        default=None,
        description="First sync: submissions since then (default: what fits in max_pages).",
    )
    page_size: int = Field(default=100, ge=1, le=100)
    max_pages: int = Field(default=10, ge=1, description="Listing pages per subreddit and sync.")
    comment_limit: int = Field(default=500, ge=1, description="Comments asked for per thread.")
    base_url: str = "https://oauth.reddit.com"


@register
class RedditApiSource(Source):
    """Subreddits through Reddit's OAuth API: new submissions and their comment trees."""

    name = "reddit-api"
    label = "Reddit API"
    default_source = "reddit"
    capabilities = frozenset({Capability.LIVE_API, Capability.INCREMENTAL})
    config_schema = RedditApiConfig

    def read(self) -> Iterator[ActivityRecord | Envelope]:
        config = self.config
        assert isinstance(config, RedditApiConfig)
        client = ApiClient(
            config.base_url,
            headers={
                "Authorization": f"bearer {config.access_token.get_secret_value()}",
                "User-Agent": config.user_agent,
            },
            transport=RelativeResetTransport(self.transport or httpx.HTTPTransport()),
            sleep=self.sleep,
            label="Reddit API",
        )
        since = config.since
        if since is not None and since.tzinfo is None:
            since = since.replace(tzinfo=UTC)  # a bare date in the config means UTC

        def save_cursor(cursor: dict[str, Any]) -> None:
            self.cursor = cursor

        reader = SubredditReader(
            RedditApi(client, self.sleep),
            source=self.source_slug,
            subreddits=config.subreddits,
            since=since,
            page_size=config.page_size,
            max_pages=config.max_pages,
            comment_limit=config.comment_limit,
            cursor=self.cursor,
            save_cursor=save_cursor,
        )
        try:
            yield from reader.read()
        finally:
            client.close()


class RedditDumpConfig(FileConfig):
    """A Pushshift-style file, or a folder of them (RS_… submissions, RC_… comments)."""

    subreddits: list[str] = Field(
        default_factory=list, description="Only these subreddits; empty: every line."
    )


@register
class RedditPushshift(Source):
    """Pushshift-style Reddit dumps (JSON lines, optionally gzipped): submissions and comments."""

    name = "reddit-pushshift"
    label = "Reddit dump (Pushshift JSON lines)"
    default_source = "reddit"
    capabilities = frozenset({Capability.FILE_IMPORT})
    config_schema = RedditDumpConfig

    def read(self) -> Iterator[ActivityRecord | Envelope]:
        config = self.config
        assert isinstance(config, RedditDumpConfig)
        return DumpReader(config.path, source=self.source_slug, subreddits=config.subreddits).read()
