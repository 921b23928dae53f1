"""Reddit "things" (t3 submissions, t1 comments) as ActivityRecords, for the API and dumps.

Both connectors see the same JSON objects (Pushshift archived what the API returned), so
they share one conversion and write the same external ids: the thing's fullname
(`t3_…`, `t1_…`), which Reddit already namespaces by kind.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from townhall.core.records import ActivityRecord, Person

SITE = "https://www.reddit.com"
# What Reddit shows in place of an account that was deleted (or content that was removed).
GONE = frozenset({"[deleted]", "[removed]", ""})
KNOWN_BOTS = frozenset({"automoderator", "reddit", "autotldr", "remindmebot", "sneakpeekbot"})
# RemindMeBot, WikiTextBot, image_linker_bot, imgur-bot: a "bot" suffix set off as a word.
BOT_NAME = re.compile(r"(?:[a-z0-9]Bot|[_-]bot)$", re.IGNORECASE)
DELETED_AUTHOR = (
    "author deleted: Reddit shows '[deleted]' instead of the account, which no longer exists; "
    "not attributed to anyone (the content stays quarantined here)"
)


def is_bot(name: str) -> bool:
    return name.lower() in KNOWN_BOTS or bool(BOT_NAME.search(name))


def author(data: dict[str, Any], fullname: str | None = None) -> Person | None:
    """The thing's author; None when the account is gone. `fullname` fills in a missing
    `author_fullname` (older dumps lack it) from another thing by the same author."""
    name = data.get("author") or ""
    if name in GONE:
        return None
    return Person(
        external_id=data.get("author_fullname") or fullname or None,
        username=name,
        url=f"{SITE}/user/{name}",
        is_bot=is_bot(name),
    )


def created(data: dict[str, Any]) -> datetime:
    """`created_utc`: epoch seconds, as a number or (in some dumps) a string."""
    value = data.get("created_utc")
    if value is None or isinstance(value, bool):
        raise ValueError("it has no created_utc")
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"created_utc {value!r} is not a Unix time") from None


def fullname(data: dict[str, Any], prefix: str) -> str:
    """`name` (`t3_abc`), built from `id` when a dump left it out."""
    name = data.get("name")
    if isinstance(name, str) and name.startswith(prefix):
        return name
    thing = data.get("id")
    if not thing:
        raise ValueError("it has neither name nor id")
    return f"{prefix}{thing}"


def _text(value: Any) -> str:
    return "" if not isinstance(value, str) or value in GONE else value


def _numbers(data: dict[str, Any], *names: str) -> dict[str, Any]:
    return {n: data[n] for n in names if isinstance(data.get(n), int | float | bool)}


def submission(
    data: dict[str, Any], actor: Person, *, source: str, properties: dict[str, Any] | None = None
) -> ActivityRecord:
    name = fullname(data, "t3_")
    subreddit = data.get("subreddit") or ""
    permalink = data.get("permalink") or f"/r/{subreddit}/comments/{name[3:]}/"
    extra = _numbers(data, "score", "num_comments", "upvote_ratio", "over_18", "stickied")
    if data.get("link_flair_text"):
        extra["flair"] = data["link_flair_text"]
    if not data.get("is_self", True) and data.get("url"):
        extra["link"] = data["url"]
    return ActivityRecord(
        source=source,
        external_id=name,
        kind="submission",
        occurred_at=created(data),
        actor=actor,
        channel=subreddit,
        title=(data.get("title") or "")[:500],
        url=SITE + permalink,
        body=_text(data.get("selftext")),
        conversation_id=name,
        properties={**extra, **(properties or {})},
    )


def comment(
    data: dict[str, Any], actor: Person, target: Person | None, *, source: str
) -> ActivityRecord:
    name = fullname(data, "t1_")
    link, parent = data.get("link_id"), data.get("parent_id")
    if not link or not parent:
        raise ValueError("a comment needs link_id and parent_id")
    subreddit = data.get("subreddit") or ""
    permalink = data.get("permalink") or f"/r/{subreddit}/comments/{link[3:]}/_/{name[3:]}/"
    extra = _numbers(data, "score", "stickied")
    if data.get("distinguished"):
        extra["distinguished"] = data["distinguished"]
    return ActivityRecord(
        source=source,
        external_id=name,
        kind="comment",
        occurred_at=created(data),
        actor=actor,
        target=target,
        channel=subreddit,
        url=SITE + permalink,
        body=_text(data.get("body")),
        conversation_id=link,
        parent_id=parent,
        properties=extra,
    )
