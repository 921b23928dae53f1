"""Reading Hacker News through its Firebase API, and Algolia's HN Search for story searches.

The API serves one item a request (`/v0/item/{id}.json`: `id`, `type`, `by`, `time`,
`text`, `title`, `url`, `score`, `kids`, `parent`, `descendants`, `deleted`, `dead`;
`null` for an id not yet visible) and `/v0/maxitem.json`. Three ways to choose items:

- **walk** (default): every item from the cursor up to `maxitem`, `max_items` a sync,
  oldest first. It walks *up* from the cursor, not down from maxitem, so the cursor can
  move after every item and a sync cut short resumes without a gap;
- **stories**: the listed stories with their whole comment trees (a fixed set re-read
  each sync; the ingest skips what it already has);
- **search**: stories matching `search` (hn.algolia.com `search_by_date`, `tags=story`,
  `numericFilters=created_at_i>=…`) since the cursor, each with its comment tree.

A comment's target is its parent's author, and its conversation the story it hangs under:
both come from items already read, else from fetching the parent chain once (cached).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from townhall.connectors.hackernews import items
from townhall.core.http import ApiClient
from townhall.core.records import ActivityRecord, InvalidRecord
from townhall.core.services.ingest import Envelope

CACHE_MAX = 200_000
CLIMB_MAX = 500  # deepest comment chain followed up to its story


class ItemReader:
    """Yields HN items as records; see the module docstring for the three modes."""

    def __init__(
        self,
        api: ApiClient,
        search: ApiClient | None,
        *,
        source: str,
        story_ids: list[int],
        query: str,
        since: int,
        max_items: int,
        start_item: int | None,
        max_stories: int,
        cursor: dict[str, Any],
        save_cursor: Callable[[dict[str, Any]], None],
    ) -> None:
        self.api = api
        self.search = search
        self.source = source
        self.story_ids = story_ids
        self.query = query
        self.since = since
        self.max_items = max_items
        self.start_item = start_item
        self.max_stories = max_stories
        self.cursor = cursor
        self.save_cursor = save_cursor
        # item id → (author or None, story id or None): targets and conversations.
        self.known: dict[int, tuple[str | None, int | None]] = {}

    def read(self) -> Iterator[ActivityRecord | Envelope]:
        if self.story_ids:
            return self._stories()
        if self.query:
            return self._search()
        return self._walk()

    def _move(self, **marks: Any) -> None:
        self.cursor = {**self.cursor, **marks}
        self.save_cursor(self.cursor)

    # --- fetching ------------------------------------------------------------------------

    def item(self, number: int) -> dict[str, Any] | None:
        body = self.api.get_json(f"/item/{number}.json")
        return body if isinstance(body, dict) else None

    def _info(self, number: int) -> tuple[str | None, int | None]:
        """(author, story) of an item, fetching its chain up to the story when not known."""
        if len(self.known) > CACHE_MAX:
            self.known.clear()
        chain: list[dict[str, Any]] = []
        current = number
        while current not in self.known and len(chain) < CLIMB_MAX:
            item = self.item(current)
            if item is None:
                self.known[current] = (None, None)
                break
            if item.get("type") != "comment" or "parent" not in item:
                story = current if item.get("type") in items.STORY_TYPES else None
                self.known[current] = (item.get("by"), story)
                break
            chain.append(item)
            current = int(item["parent"])
        for item in reversed(chain):
            parent_story = self.known.get(int(item["parent"]), (None, None))[1]
            self.known[int(item["id"])] = (item.get("by"), parent_story)
        return self.known.get(number, (None, None))

    # --- records -------------------------------------------------------------------------

    def _emit(self, item: dict[str, Any]) -> ActivityRecord | Envelope | None:
        """The item's record; None for what is skipped by design (deleted, jobs, poll options)."""
        try:
            number = int(item["id"])
            kind = item.get("type")
            author, story = None, None
            if kind == "comment":
                author, story = self._info(int(item["parent"]))
            elif kind in items.STORY_TYPES:
                story = number
            self.known[number] = (item.get("by"), story)
            if item.get("deleted") or kind in items.SKIPPED_TYPES:
                return None  # a deleted item keeps only its id and time: nothing to credit
            if not item.get("by"):
                return self._bad(item, items.NO_AUTHOR)
            occurred_at = datetime.fromtimestamp(int(item["time"]), UTC)
            if kind in items.STORY_TYPES:
                return items.story(item, occurred_at, source=self.source, kind_of=kind)
            if kind == "comment":
                target = items.person(author) if author else None
                return items.comment(
                    item, occurred_at, source=self.source, target=target, story_id=story
                )
            return self._bad(item, f"unknown item type {kind!r}")
        except (KeyError, TypeError, ValueError, OverflowError, InvalidRecord) as error:
            return self._bad(item, f"unreadable item: {type(error).__name__}: {error}")

    @staticmethod
    def _bad(item: dict[str, Any], reason: str) -> Envelope:
        # Only fields that never change go in `raw`, so a re-sync quarantines nothing twice.
        stable = {k: item.get(k) for k in ("id", "type", "by", "time", "parent")}
        return Envelope(
            position=items.item_id(item.get("id", "?")),
            payload=None,
            error=reason,
            raw=json.dumps(stable),
        )

    def _tree(self, root: int) -> Iterator[tuple[int, ActivityRecord | Envelope | None]]:
        """A story (or comment) and everything under it, each item before its replies."""
        stack = [root]
        while stack:
            number = stack.pop()
            item = self.item(number)
            if item is None:
                continue
            yield number, self._emit(item)
            kids = item.get("kids") or []
            stack.extend(reversed([int(k) for k in kids]))

    # --- modes ---------------------------------------------------------------------------

    def _walk(self) -> Iterator[ActivityRecord | Envelope]:
        top = int(self.api.get_json("/maxitem.json"))
        last = self.cursor.get("max_item")
        first = int(last) + 1 if last is not None else self.start_item or top - self.max_items + 1
        first = max(first, 1)
        for number in range(first, min(top, first + self.max_items - 1) + 1):
            item = self.item(number)
            record = self._emit(item) if item is not None else None
            if record is not None:
                yield record
            self._move(max_item=number)

    def _stories(self) -> Iterator[ActivityRecord | Envelope]:
        highest = int(self.cursor.get("max_item", 0))
        for root in self.story_ids:
            for number, record in self._tree(root):
                highest = max(highest, number)
                if record is not None:
                    yield record
        self._move(max_item=highest)

    def _search(self) -> Iterator[ActivityRecord | Envelope]:
        assert self.search is not None
        since = int(self.cursor.get("created_at_i", self.since))
        seen_at_since = set(self.cursor.get("stories_at", []))
        found: list[tuple[int, int]] = []
        page = 0
        while True:
            body = self.search.get_json(
                "/search_by_date",
                {
                    "query": self.query,
                    "tags": "story",
                    # >= and the ids already read at that second: same-second stories are
                    # neither missed nor walked twice.
                    "numericFilters": f"created_at_i>={since}",
                    "hitsPerPage": 100,
                    "page": page,
                },
            )
            for hit in body.get("hits", []):
                story = int(hit["objectID"])
                created = int(hit["created_at_i"])
                if not (created == since and story in seen_at_since):
                    found.append((created, story))
            page += 1
            if page >= int(body.get("nbPages", 0)) or len(found) >= 10 * self.max_stories:
                break
        highest = int(self.cursor.get("max_item", 0))
        for created, story in sorted(found)[: self.max_stories]:
            for number, record in self._tree(story):
                highest = max(highest, number)
                if record is not None:
                    yield record
            if created != since:
                since, seen_at_since = created, set()
            seen_at_since.add(story)
            self._move(created_at_i=since, stories_at=sorted(seen_at_since), max_item=highest)
