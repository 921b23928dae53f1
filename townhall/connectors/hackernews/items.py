"""Hacker News items as ActivityRecords, shared by the API and the CSV export.

External ids are `item:<id>` for stories and comments alike: HN numbers every item from one
sequence, so a story and a comment can never share an id, and a comment can name its
parent (`parent_id`) without knowing whether the parent is a story or a comment.
"""

from __future__ import annotations

import re
from datetime import datetime
from html import unescape
from typing import Any

from townhall.core.records import ActivityRecord, Person

SITE = "https://news.ycombinator.com"
STORY_TYPES = frozenset({"story", "poll"})
# Job ads are posted by YC companies, poll options belong to their poll: not participation.
SKIPPED_TYPES = frozenset({"job", "pollopt"})
NO_AUTHOR = "no author: the item has no `by` and is not marked deleted; not attributed to anyone"
_MARKUP = re.compile(r"<[^>]*>")
_CATEGORIES = (
    ("Ask HN:", "ask"),
    ("Show HN:", "show"),
    ("Launch HN:", "launch"),
    ("Tell HN:", "tell"),
)


def text_excerpt(html: str, limit: int = 1000) -> str:
    """Plain text of an item's HTML `text` (paragraphs as <p>, links, &#x27; entities)."""
    if not html:
        return ""
    text = unescape(_MARKUP.sub(" ", html[: limit * 4]))
    return " ".join(text.split())[:limit]


def person(username: str) -> Person:
    """An HN account: the username is its id (there is no other)."""
    return Person(external_id=username, username=username, url=f"{SITE}/user?id={username}")


def item_id(number: int | str) -> str:
    return f"item:{number}"


def story(
    item: dict[str, Any], occurred_at: datetime, *, source: str, kind_of: str = "story"
) -> ActivityRecord:
    number = int(item["id"])
    title = unescape(str(item.get("title") or ""))
    properties: dict[str, Any] = {
        k: item[k]
        for k in ("score", "descendants")
        if isinstance(item.get(k), int) and not isinstance(item.get(k), bool)
    }
    if kind_of != "story":
        properties["type"] = kind_of
    for prefix, category in _CATEGORIES:
        if title.startswith(prefix):
            properties["category"] = category
    if item.get("url"):
        properties["link"] = item["url"]
    if item.get("dead"):
        properties["dead"] = True
    return ActivityRecord(
        source=source,
        external_id=item_id(number),
        kind="story",
        occurred_at=occurred_at,
        actor=person(str(item["by"])),
        channel="hn",
        title=title[:500],
        url=f"{SITE}/item?id={number}",
        body=text_excerpt(str(item.get("text") or "")),
        conversation_id=item_id(number),
        properties=properties,
    )


def comment(
    item: dict[str, Any],
    occurred_at: datetime,
    *,
    source: str,
    target: Person | None,
    story_id: int | None,
) -> ActivityRecord:
    number = int(item["id"])
    parent = int(item["parent"])
    return ActivityRecord(
        source=source,
        external_id=item_id(number),
        kind="comment",
        occurred_at=occurred_at,
        actor=person(str(item["by"])),
        target=target,
        channel="hn",
        url=f"{SITE}/item?id={number}",
        body=text_excerpt(str(item.get("text") or "")),
        conversation_id=item_id(story_id) if story_id is not None else "",
        parent_id=item_id(parent),
        properties={"dead": True} if item.get("dead") else {},
    )
