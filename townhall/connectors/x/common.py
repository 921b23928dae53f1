"""What the archive and the API readers share: ids, links, people and mention records."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from townhall.connectors.base import SourceConfig
from townhall.core.records import ActivityRecord, Person

CHANNEL = "x"
WEB = "https://x.com"
# Tweet ids are "snowflakes": milliseconds since this epoch, shifted left by 22 bits.
SNOWFLAKE_EPOCH_MS = 1288834974657


def tweet_url(username: str | None, tweet_id: str) -> str:
    """The tweet's web address; `i/web` works when the author's handle is unknown."""
    return f"{WEB}/{username}/status/{tweet_id}" if username else f"{WEB}/i/web/status/{tweet_id}"


def person(
    user_id: str | None,
    username: str | None = None,
    name: str | None = None,
    avatar_url: str | None = None,
) -> Person:
    """An X account, keyed by its numeric id (by handle only when the id is unknown)."""
    return Person(
        external_id=user_id or None,
        username=username or None,
        name=name or None,
        url=f"{WEB}/{username}" if username else None,
        avatar_url=avatar_url or None,
    )


def snowflake_time(tweet_id: str) -> datetime:
    """When a tweet (or any snowflake id) was created, from the id alone."""
    return datetime.fromtimestamp(((int(tweet_id) >> 22) + SNOWFLAKE_EPOCH_MS) / 1000, tz=UTC)


def mention_records(
    base: ActivityRecord, mentioned: Iterable[Person], *, skip: set[str]
) -> Iterator[ActivityRecord]:
    """One `mention` per account a tweet mentions, by the tweet's author, targeting them.

    `skip` holds the keys not to count: the author, and the account a reply answers
    (its leading @handle is how replies are written; the reply already targets it).
    """
    seen = set(skip)
    for target in mentioned:
        if target.key in seen:
            continue
        seen.add(target.key)
        yield ActivityRecord(
            source=base.source,
            external_id=f"{base.external_id}:mention:{target.external_id or target.username}",
            kind="mention",
            occurred_at=base.occurred_at,
            actor=base.actor,
            target=target,
            channel=base.channel,
            url=base.url,
            body=base.body,
            conversation_id=base.conversation_id,
            properties={"tweet_id": base.external_id},
        )


def config_from_json_or_path(schema: type[SourceConfig], target: str) -> SourceConfig:
    """`townhall ingest NAME TARGET` for a file source: a path, or a JSON config naming one.

    A JSON config carries the options a bare path cannot (`path` relative to the JSON
    file is resolved against its folder).
    """
    given = Path(target)
    if given.suffix.lower() != ".json" or not given.is_file():
        return schema.model_validate({"path": given})
    try:
        data: Any = json.loads(given.read_text(encoding="utf-8"))
    except ValueError as error:
        raise ValueError(f"{given} is not a JSON config: {error}") from None
    if isinstance(data, dict) and isinstance(data.get("path"), str):
        path = Path(data["path"]).expanduser()
        data["path"] = path if path.is_absolute() else given.parent / path
    return schema.model_validate(data)
