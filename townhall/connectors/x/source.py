"""X (Twitter): an account archive and the API v2 recent search.

`x-archive` reads the archive ZIP an account's owner downloads (or its folder):
`data/account.js` names the owner, `data/tweets.js` (`data/tweet.js` in archives
before 2022, continued in `tweets-part1.js`, …) holds every tweet they wrote. Each
tweet is, by the owner:
- `tweet`: a post of their own; its conversation is itself.
- `reply`: an answer; target = the account answered (`in_reply_to_user_id_str`),
  parent = the tweet answered. A reply to oneself (a thread) has no target.
- `retweet`: text starting `RT @handle:`; target = that original author (the
  archive keeps no retweeted tweet, so the author is found among the mentions).
- `mention`: one per account the tweet @mentions, target = that account; left out
  for retweets (the mentions are the original's) and for the account a reply
  answers (its leading @handle is how replies are written; the reply targets it).
Likes, DMs, followers and media are not read.

`x-api` runs a saved search (`GET /2/tweets/search/recent`, the last 7 days) as a
connection: `tweet`, `reply`, `quote` and `retweet` by each tweet's author — targets
are the replied-to user (`in_reply_to_user_id`) and the quoted or retweeted tweet's
author (from `includes.tweets`/`includes.users`) — and `mention`s as above.
It pages with `meta.next_token` and resumes after the newest tweet it has seen
(`since_id`, saved once every page of a sync has been read). A `since_id` older than
the 7 days X can search is dropped (X refuses it with 400); the whole window is read.

Both: channel `x`; external id = the tweet id (mentions: `<tweet id>:mention:<user
id>`); conversation id = X's `conversation_id`; people keyed by their numeric user id.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import Field, SecretStr

from townhall.connectors.base import Capability, FileConfig, Source, SourceConfig
from townhall.connectors.registry import register
from townhall.connectors.x.archive import (
    Archive,
    owner_person,
    read_account,
    tweet_records,
    ytd_items,
)
from townhall.connectors.x.common import config_from_json_or_path, person, snowflake_time
from townhall.connectors.x.search import (
    SEARCH_PARAMS,
    SEARCH_PATH,
    Page,
    honour_x_rate_limit_reset,
    page_records,
)
from townhall.core.http import ApiClient
from townhall.core.records import ActivityRecord, Person
from townhall.core.services.imports import SourceFailure
from townhall.core.services.ingest import Envelope

# X refuses a since_id older than its 7-day search window; keep a margin for clock skew.
SEARCH_WINDOW = timedelta(days=7) - timedelta(hours=1)


def _raw(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)[:100_000]


class XArchiveConfig(FileConfig):
    """An archive ZIP or folder; the owner is read from data/account.js unless given."""

    account_id: str = Field(default="", description="Owner's numeric id, if account.js is missing.")
    username: str = Field(default="", description="Owner's handle, if account.js is missing.")


@register
class XArchive(Source):
    """Tweets, replies, retweets and mentions from an X account archive (ZIP or folder)."""

    name = "x-archive"
    label = "X account archive"
    default_source = "x"
    capabilities = frozenset({Capability.FILE_IMPORT})
    config_schema = XArchiveConfig

    @classmethod
    def config_from_target(cls, target: str) -> SourceConfig:
        return config_from_json_or_path(cls.config_schema, target)

    @property
    def archive_config(self) -> XArchiveConfig:
        assert isinstance(self.config, XArchiveConfig)
        return self.config

    def content_fingerprint(self) -> str | None:
        archive = Archive(self.archive_config.path)
        try:
            return archive.fingerprint()
        finally:
            archive.close()

    def read(self) -> Iterator[ActivityRecord | Envelope]:
        archive = Archive(self.archive_config.path)
        try:
            owner = self._owner(archive)
            files = archive.tweet_files()
            if not files:
                raise SourceFailure(
                    f"{self.archive_config.path} has no data/tweets.js: is it an X archive?"
                )
            for name in files:
                yield from self._file(archive, name, owner)
        finally:
            archive.close()

    def _owner(self, archive: Archive) -> Person:
        config = self.archive_config
        if config.account_id or config.username:
            return person(config.account_id or None, config.username or None)
        account = read_account(archive)
        if not account or not (account.get("accountId") or account.get("username")):
            raise SourceFailure(
                f"{config.path} has no data/account.js naming its owner; give the owner's "
                'account_id and username in a JSON config ({"path": …, "account_id": …})'
            )
        return owner_person(account)

    def _file(
        self, archive: Archive, name: str, owner: Person
    ) -> Iterator[ActivityRecord | Envelope]:
        short = name[name.rfind("data/") :]
        with archive.open_text(name) as handle:
            for index, item in enumerate(ytd_items(handle, name), start=1):
                tweet = item.get("tweet", item) if isinstance(item, dict) else None
                try:
                    if not isinstance(tweet, dict):
                        raise ValueError("an item that is not a tweet object")
                    yield from tweet_records(tweet, owner, self.source_slug)
                # Any shape the archive should not have (a list where an object belongs)
                # is this tweet's problem, not the import's: quarantine it with the reason.
                except (ValueError, TypeError, AttributeError, KeyError) as error:
                    reason = str(error) or type(error).__name__
                    yield Envelope(
                        position=f"{short}#{index}", payload=None, error=reason, raw=_raw(item)
                    )


class XApiConfig(SourceConfig):
    """A saved X search: the bearer token of an X developer app, and the query."""

    bearer_token: SecretStr
    query: str = Field(
        min_length=1,
        max_length=4096,
        description='X search query, e.g. "@acme OR acme.io -is:retweet".',
    )
    base_url: str = "https://api.x.com"


@register
class XRecentSearch(Source):
    """Tweets matching a search (last 7 days) from the X API v2, incrementally."""

    name = "x-api"
    label = "X API recent search"
    default_source = "x"
    capabilities = frozenset({Capability.LIVE_API, Capability.INCREMENTAL})
    config_schema = XApiConfig
    #: Injectable so tests decide which since_id is too old to search.
    clock: Callable[[], datetime] = staticmethod(lambda: datetime.now(UTC))

    @property
    def api_config(self) -> XApiConfig:
        assert isinstance(self.config, XApiConfig)
        return self.config

    def read(self) -> Iterator[ActivityRecord | Envelope]:
        config = self.api_config
        client = ApiClient(
            config.base_url,
            headers={"Authorization": f"Bearer {config.bearer_token.get_secret_value()}"},
            transport=self.transport,
            sleep=self.sleep,
            label="The X API",
        )
        client.client.event_hooks["response"].append(honour_x_rate_limit_reset)
        params: dict[str, str] = {"query": config.query, **SEARCH_PARAMS}
        since_id = self._since_id()
        if since_id:
            params["since_id"] = since_id
        newest: int | None = None
        try:
            while True:
                body = client.get_json(SEARCH_PATH, params)
                if not isinstance(body, dict):
                    raise SourceFailure(f"The X API sent no JSON object for {SEARCH_PATH}")
                page = Page(body)
                if page.newest_id and page.newest_id.isdigit():
                    newest = max(newest or 0, int(page.newest_id))
                for tweet, result in page_records(page, self.source_slug):
                    if isinstance(result, str):
                        position = f"tweet {tweet.get('id', '?')}"
                        yield Envelope(
                            position=position, payload=None, error=result, raw=_raw(tweet)
                        )
                    else:
                        yield from result
                if not page.next_token:
                    break
                params = {**params, "next_token": page.next_token}
        finally:
            client.close()
        # Only now: every tweet up to `newest` has been yielded (pages run newest first).
        if newest:
            self.cursor = {"since_id": str(newest)}

    def _since_id(self) -> str | None:
        since_id = str(self.cursor.get("since_id") or "")
        if not since_id.isdigit():
            return None
        if snowflake_time(since_id) < self.clock() - SEARCH_WINDOW:
            return None  # beyond what recent search keeps: read the whole window instead
        return since_id
