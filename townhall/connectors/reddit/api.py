"""Reading subreddits through Reddit's OAuth API (what it yields: see source.py).

Listings are `{"kind": "Listing", "data": {"children": [{"kind": "t3", "data": {…}}],
"after": "t3_…"}}`; `after` is the cursor of the next (older) page. A submission's page,
`/r/{sub}/comments/{id}`, is a pair of listings: the submission, then the comment tree,
where each comment's `replies` is "" or another Listing and `more` stubs stand for
comments not sent (expanding them costs one call per stub; their count is recorded).

Rate limits: every response carries `X-Ratelimit-Remaining` and `X-Ratelimit-Reset`
(seconds until the window ends). When the window is spent the reader waits for its end
before the next call, so Reddit never has to answer 429.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from datetime import datetime
from functools import partial
from typing import Any

import httpx

from townhall.connectors.reddit import things
from townhall.core.http import ApiClient
from townhall.core.records import ActivityRecord, InvalidRecord, Person
from townhall.core.services.imports import SourceFailure
from townhall.core.services.ingest import Envelope


class RelativeResetTransport(httpx.BaseTransport):
    """Gives Reddit's 429s a Retry-After that ApiClient understands.

    Reddit's `X-Ratelimit-Reset` counts seconds until the window ends, while ApiClient
    reads that header as an epoch time (GitHub's meaning) and would retry after a second.
    """

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner = inner

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        reset = response.headers.get("x-ratelimit-reset")
        if response.status_code == 429 and reset and "retry-after" not in response.headers:
            with contextlib.suppress(ValueError):
                response.headers["Retry-After"] = str(int(float(reset)) + 1)
        return response

    def close(self) -> None:
        self.inner.close()


class RedditApi:
    """GET JSON from oauth.reddit.com, waiting out a spent rate-limit window first."""

    def __init__(self, client: ApiClient, sleep: Callable[[float], None]) -> None:
        self.client = client
        self.sleep = sleep
        self.wait_before_next = 0.0

    def get(self, path: str, params: dict[str, Any]) -> Any:
        if self.wait_before_next:
            self.sleep(self.wait_before_next)
            self.wait_before_next = 0.0
        try:
            response = self.client.get(path, {**params, "raw_json": 1})
        except SourceFailure as failure:
            # ApiFailure.status where the framework has it, else its message.
            if getattr(failure, "status", None) == 401 or "answered 401 " in str(failure):
                raise SourceFailure(
                    f"{failure} — the access token was refused: it is wrong or expired "
                    "(app tokens last a day); update the connection's access_token"
                ) from None
            raise
        remaining = response.headers.get("x-ratelimit-remaining")
        reset = response.headers.get("x-ratelimit-reset")
        try:
            if remaining is not None and reset is not None and float(remaining) < 1:
                self.wait_before_next = float(reset) + 1
        except ValueError:
            pass
        try:
            return response.json()
        except ValueError:
            raise SourceFailure(f"Reddit sent something that is not JSON for {path}") from None


def _children(listing: Any) -> list[dict[str, Any]]:
    if isinstance(listing, dict) and isinstance(listing.get("data"), dict):
        children = listing["data"].get("children")
        if isinstance(children, list):
            return children
    return []


class SubredditReader:
    """New submissions of subreddits since the cursor, each with its comment tree."""

    def __init__(
        self,
        api: RedditApi,
        *,
        source: str,
        subreddits: list[str],
        since: datetime | None,
        page_size: int,
        max_pages: int,
        comment_limit: int,
        cursor: dict[str, Any],
        save_cursor: Callable[[dict[str, Any]], None],
    ) -> None:
        self.api = api
        self.source = source
        self.subreddits = subreddits
        self.since = since.timestamp() if since else None
        self.page_size = page_size
        self.max_pages = max_pages
        self.comment_limit = comment_limit
        self.cursor = cursor
        self.save_cursor = save_cursor

    def read(self) -> Iterator[ActivityRecord | Envelope]:
        for subreddit in self.subreddits:
            yield from self._subreddit(subreddit.removeprefix("r/").strip("/"))

    def _subreddit(self, subreddit: str) -> Iterator[ActivityRecord | Envelope]:
        key = subreddit.lower()
        mark = self.cursor.get("subreddits", {}).get(key)
        fresh = self._new_since(subreddit, mark)
        # Oldest first, so the cursor can follow each submission once its thread is yielded.
        for data in reversed(fresh):
            yield from self._thread(subreddit, data)
            marks = {
                **self.cursor.get("subreddits", {}),
                key: {"name": data["name"], "created": float(data["created_utc"])},
            }
            self.cursor = {**self.cursor, "subreddits": marks}
            self.save_cursor(self.cursor)

    def _new_since(self, subreddit: str, mark: dict[str, Any] | None) -> list[dict[str, Any]]:
        """Submissions newer than the mark (or `since`), newest first, `max_pages` at most."""
        fresh: list[dict[str, Any]] = []
        after: str | None = None
        for _ in range(self.max_pages):
            params: dict[str, Any] = {"limit": self.page_size}
            if after:
                params["after"] = after
            listing = self.api.get(f"/r/{subreddit}/new", params)
            for child in _children(listing):
                data = child.get("data") or {}
                if child.get("kind") != "t3" or "name" not in data:
                    continue
                when = float(data.get("created_utc") or 0)
                if mark and (data["name"] == mark["name"] or when < mark["created"]):
                    return fresh
                if self.since is not None and when < self.since:
                    return fresh
                fresh.append(data)
            after = listing.get("data", {}).get("after") if isinstance(listing, dict) else None
            if not after:
                break
        return fresh

    def _thread(
        self, subreddit: str, listed: dict[str, Any]
    ) -> Iterator[ActivityRecord | Envelope]:
        page = self.api.get(
            f"/r/{subreddit}/comments/{listed['id']}", {"limit": self.comment_limit}
        )
        if not isinstance(page, list) or len(page) != 2:
            raise SourceFailure(
                f"Reddit sent an unexpected page for r/{subreddit} submission {listed['id']}"
            )
        posts = _children(page[0])
        data = posts[0]["data"] if posts else listed  # the thread's copy is the fresher one
        comments, not_loaded = self._flatten(_children(page[1]))
        authors: dict[str, Person | None] = {}
        actor = authors[data["name"]] = things.author(data)
        extra = {"comments_not_loaded": not_loaded} if not_loaded else {}
        yield self._record(
            data,
            actor,
            partial(things.submission, data, actor, source=self.source, properties=extra),
        )
        for item in comments:
            who = authors[item.get("name", "")] = things.author(item)
            # The parent was seen before (thread order); a deleted parent author leaves None.
            target = authors.get(item.get("parent_id", ""))
            yield self._record(
                item, who, partial(things.comment, item, who, target, source=self.source)
            )

    @staticmethod
    def _flatten(children: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
        """Comments in thread order (each before its replies) and how many `more` hid."""
        out: list[dict[str, Any]] = []
        hidden = 0
        stack = list(reversed(children))
        while stack:
            child = stack.pop()
            data = child.get("data") or {}
            if child.get("kind") == "more":
                hidden += int(data.get("count") or 0)
                continue
            if child.get("kind") != "t1":
                continue
            out.append(data)
            stack.extend(reversed(_children(data.get("replies"))))
        return out, hidden

    @staticmethod
    def _record(
        data: dict[str, Any], actor: Person | None, build: Callable[[], ActivityRecord]
    ) -> ActivityRecord | Envelope:
        if actor is None:
            reason = things.DELETED_AUTHOR
        else:
            try:
                return build()
            except (KeyError, TypeError, ValueError, InvalidRecord) as error:
                reason = f"unreadable Reddit item: {error}"
        # Only fields that never change go in `raw`, so a re-sync quarantines nothing twice.
        stable = {k: data.get(k) for k in ("name", "parent_id", "created_utc", "author")}
        return Envelope(
            position=str(data.get("name") or data.get("id") or "?"),
            payload=None,
            error=reason,
            raw=json.dumps(stable),
        )
