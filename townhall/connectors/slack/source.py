"""Slack: a workspace export ZIP (`slack-export`) and the Web API (`slack-api`).

Both read the same message objects and yield the same records under the source slug
`slack`, with external ids `<channel id>:<ts>` (a message's `ts` is unique in its
channel and survives edits, so an edited message keeps its id):

- `message` — a message by its author (a user, or a bot/integration/webhook, flagged
  `is_bot`). A thread root's `conversation_id` is its own id.
- `thread_reply` — a reply in a thread (`thread_ts` ≠ `ts`, broadcast replies too):
  `parent_id` = `conversation_id` = the root's id, target = the root's author
  (`parent_user_id`).
- `mention` — one per user named as `<@U…>` in the text, target = that user
  (`<id>:mention:<user>`).
- `reaction` — one per user listed in a reaction, target = the message's author
  (`<id>:reaction:<emoji>:<user>`; Slack keeps no reaction time, so the message's).
- `file_shared` — one per file attached to a message (`<id>:file:<file id>`).
- `channel_join` / `channel_leave` — a member joining or leaving a channel.

The channel is `#name` (DMs `dm:<id>`). Skipped: channel administration and
placeholders (topic/purpose/name changes, archiving, pins, bot (de)installation, the
tombstone left by a deleted thread root — its replies are kept); in exports, direct
and multi-person messages unless `include_direct_messages` is set. Profile fields
come from users.json / users.list: id, handle (`name`), real or display name, email,
72px avatar; bots and app users (and Slackbot) are flagged.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
from pydantic import Field, SecretStr

from townhall.connectors.base import Capability, FileConfig, Source, SourceConfig
from townhall.connectors.registry import register
from townhall.core.records import ActivityRecord, InvalidRecord
from townhall.core.services.ingest import Envelope

from .export import Archive, Folder, Unreadable, decode_messages, folders, users
from .messages import Conversation, Message, SlackMapper, User, person_from_user, ts_to_datetime
from .webapi import CHANNEL_ERRORS, SlackError, SlackWebApi

_encode = msgspec.json.encode


def _raw(value: Any) -> str:
    if value is None:
        return ""
    try:
        return _encode(value).decode()[:20000]
    except (TypeError, msgspec.EncodeError):
        return repr(value)[:20000]


class SlackExportConfig(FileConfig):
    #: e.g. https://acme.slack.com — for links to messages; none when empty.
    workspace_url: str = ""
    #: Read DMs and multi-person DMs too (exports of some plans contain them).
    include_direct_messages: bool = False


@register
class SlackExport(Source):
    """A Slack workspace export (ZIP or unzipped folder): messages, threads, reactions,
    mentions, files, joins and leaves of every exported channel."""

    name = "slack-export"
    label = "Slack workspace export"
    default_source = "slack"
    capabilities = frozenset({Capability.FILE_IMPORT})
    config_schema = SlackExportConfig

    @classmethod
    def config_from_target(cls, target: str) -> SourceConfig:
        """A ZIP or folder; or a JSON config (`path` relative to it) to set the options."""
        config_file = Path(target)
        if config_file.suffix.lower() != ".json" or not config_file.is_file():
            return super().config_from_target(target)
        data = json.loads(config_file.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or "path" not in data:
            raise ValueError(f"{target}: a JSON config needs a `path` to the export")
        data["path"] = str(config_file.parent / data["path"])
        return SlackExportConfig.model_validate(data)

    @property
    def export_config(self) -> SlackExportConfig:
        assert isinstance(self.config, SlackExportConfig)
        return self.config

    def read(self) -> Iterator[ActivityRecord | Envelope]:
        archive = Archive(self.export_config.path)
        try:
            yield from self._read(archive)
        finally:
            archive.close()

    def _read(self, archive: Archive) -> Iterator[ActivityRecord | Envelope]:
        config = self.export_config
        members, problems = users(archive)
        conversations, more = folders(archive)
        for problem in (*problems, *more):
            yield Envelope(
                position=problem.position, payload=None, error=problem.reason, raw=_raw(problem.raw)
            )
        mapper = SlackMapper(
            self.source_slug,
            {user.id: person_from_user(user) for user in members},
            workspace_url=config.workspace_url,
        )
        for folder_name, _, name in archive.day_files():
            folder = conversations.get(folder_name) or Folder(folder_name, f"#{folder_name}", False)
            if folder.direct and not config.include_direct_messages:
                continue
            try:
                data = archive.read(name)
                yield from self._day(mapper, folder, name, data)
            except Unreadable as error:
                yield Envelope(position=name, payload=None, error=str(error), raw="")

    def _day(
        self, mapper: SlackMapper, folder: Folder, name: str, data: bytes
    ) -> Iterator[ActivityRecord | Envelope]:
        try:
            entries = list(decode_messages(name, data))
        except Unreadable as error:
            yield Envelope(
                position=name,
                payload=None,
                error=str(error),
                raw=data[:20000].decode("utf-8", errors="replace"),
            )
            return
        records = mapper.records
        for index, message, raw, problem in entries:
            if message is None:
                yield Envelope(
                    position=f"{name}#{index + 1}", payload=None, error=problem, raw=_raw(raw)
                )
                continue
            try:
                yield from records(message, folder.id, folder.label)
            except (InvalidRecord, ValueError) as error:
                yield Envelope(
                    position=f"{name}#{index + 1}",
                    payload=None,
                    error=f"{name}: message {index + 1} (ts {message.ts}): {error}",
                    raw=_raw(raw if raw is not None else message),
                )


class SlackApiConfig(SourceConfig):
    token: SecretStr = Field(
        description="A bot token (xoxb-…) with channels:history, "
        "channels:read, groups:history, groups:read, users:read, "
        "users:read.email"
    )
    base_url: str = "https://slack.com/api"
    #: e.g. https://acme.slack.com — for links to messages; none when empty.
    workspace_url: str = ""
    #: Channel ids or names to read; empty: every channel the app is a member of.
    channels: list[str] = []
    #: conversations.list `types`; add `mpim,im` to read direct messages too.
    types: str = "public_channel,private_channel"
    page_size: int = Field(default=200, ge=1, le=999)
    #: Threads whose last reply is this recent are polled again for new replies.
    thread_lookback_days: int = Field(default=7, ge=0)


def _ts_key(ts: str) -> tuple[int, int]:
    """A `ts` as a sortable pair (string order breaks once seconds gain a digit)."""
    seconds, _, fraction = ts.partition(".")
    try:
        return int(seconds), int(fraction.ljust(6, "0")[:6] or 0)
    except ValueError:
        return (-1, -1)


@register
class SlackApi(Source):
    """A Slack workspace through the Web API, incrementally: new messages of every
    channel the app is in, their threads, and new replies to recently active threads."""

    name = "slack-api"
    label = "Slack (Web API)"
    default_source = "slack"
    capabilities = frozenset({Capability.LIVE_API, Capability.INCREMENTAL})
    config_schema = SlackApiConfig

    def __init__(self, config: SourceConfig, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        #: Replaced in tests: decides which threads are still "recent".
        self.now: Callable[[], datetime] = lambda: datetime.now(UTC)

    @property
    def api_config(self) -> SlackApiConfig:
        assert isinstance(self.config, SlackApiConfig)
        return self.config

    def read(self) -> Iterator[ActivityRecord | Envelope]:
        config = self.api_config
        client = SlackWebApi(
            config.base_url,
            config.token.get_secret_value(),
            transport=self.transport,
            sleep=self.sleep,
        )
        try:
            yield from self._sync(client)
        finally:
            client.close()

    def _sync(self, client: SlackWebApi) -> Iterator[ActivityRecord | Envelope]:
        config = self.api_config
        people = {}
        for page in client.pages("users.list", {"limit": config.page_size}, "members"):
            for item in page:
                try:
                    user = msgspec.convert(item, User)
                except msgspec.ValidationError:
                    continue  # a profile we cannot read: its messages still carry the id
                people[user.id] = person_from_user(user)
        mapper = SlackMapper(self.source_slug, people, workspace_url=config.workspace_url)
        for conversation in self._conversations(client):
            yield from self._channel(client, mapper, conversation)

    def _conversations(self, client: SlackWebApi) -> list[Conversation]:
        config = self.api_config
        wanted = {c.lstrip("#") for c in config.channels}
        found = []
        params = {"types": config.types, "limit": config.page_size}
        for page in client.pages("conversations.list", params, "channels"):
            for item in page:
                try:
                    conversation = msgspec.convert(item, Conversation)
                except msgspec.ValidationError:
                    continue
                if wanted:
                    if conversation.id in wanted or conversation.name in wanted:
                        found.append(conversation)
                # A bot can only read the channels it was invited to (not_in_channel otherwise).
                elif conversation.is_member is not False:
                    found.append(conversation)
        return sorted(found, key=lambda c: c.id)

    def _channel(
        self, client: SlackWebApi, mapper: SlackMapper, conversation: Conversation
    ) -> Iterator[ActivityRecord | Envelope]:
        config = self.api_config
        state = (self.cursor.get("channels") or {}).get(conversation.id) or {}
        oldest: str | None = state.get("ts")
        threads: dict[str, str] = dict(state.get("threads") or {})
        latest = oldest
        label = (
            f"dm:{conversation.id}"
            if conversation.is_im
            else f"#{conversation.name or conversation.id}"
        )
        params: dict[str, Any] = {"channel": conversation.id, "limit": config.page_size}
        if oldest:
            params["oldest"] = oldest
        try:
            for page in client.pages("conversations.history", params, "messages"):
                for item in page:
                    records, message = self._message(mapper, conversation.id, label, item)
                    yield from records
                    if message is None:
                        continue
                    if latest is None or _ts_key(message.ts) > _ts_key(latest):
                        latest = message.ts
                    if message.reply_count and message.thread_ts in (None, message.ts):
                        yield from self._replies(
                            client, mapper, conversation, label, message.ts, None, threads
                        )
            for thread_ts, last_reply in sorted(state.get("threads", {}).items()):
                yield from self._replies(
                    client, mapper, conversation, label, thread_ts, last_reply, threads
                )
        except SlackError as error:
            if error.error not in CHANNEL_ERRORS:
                raise
            yield Envelope(
                position=f"channel {conversation.id}", payload=None, error=str(error), raw=""
            )
            return
        horizon = self.now() - timedelta(days=config.thread_lookback_days)
        recent = {ts: last for ts, last in threads.items() if ts_to_datetime(last) >= horizon}
        # Only now — every record the new cursor covers was yielded — move it on.
        new_state: dict[str, Any] = {}
        if latest:
            new_state["ts"] = latest
        if recent:
            new_state["threads"] = recent
        self.cursor = {
            **self.cursor,
            "channels": {**(self.cursor.get("channels") or {}), conversation.id: new_state},
        }

    def _replies(
        self,
        client: SlackWebApi,
        mapper: SlackMapper,
        conversation: Conversation,
        label: str,
        thread_ts: str,
        since: str | None,
        threads: dict[str, str],
    ) -> Iterator[ActivityRecord | Envelope]:
        """New replies of one thread (all of them when `since` is None)."""
        params: dict[str, Any] = {
            "channel": conversation.id,
            "ts": thread_ts,
            "limit": self.api_config.page_size,
        }
        if since:
            params["oldest"] = since
        last = since
        for page in client.pages("conversations.replies", params, "messages"):
            for item in page:
                ts = item.get("ts") if isinstance(item, dict) else None
                # The root comes back at the top of every answer; it was read from history.
                if ts == thread_ts or (since and ts and _ts_key(ts) <= _ts_key(since)):
                    continue
                records, message = self._message(mapper, conversation.id, label, item)
                yield from records
                if message is not None and (last is None or _ts_key(message.ts) > _ts_key(last)):
                    last = message.ts
        if last:
            threads[thread_ts] = last

    def _message(
        self, mapper: SlackMapper, channel_id: str, label: str, item: Any
    ) -> tuple[list[ActivityRecord | Envelope], Message | None]:
        """The records of one API message, and the message when it could be read."""
        try:
            message = msgspec.convert(item, Message)
        except msgspec.ValidationError as error:
            problem = Envelope(
                position=channel_id, payload=None, error=f"{channel_id}: {error}", raw=_raw(item)
            )
            return [problem], None
        try:
            return list(mapper.records(message, channel_id, label)), message
        except (InvalidRecord, ValueError) as error:
            problem = Envelope(
                position=f"{channel_id}:{message.ts}"[:64],
                payload=None,
                error=f"{channel_id} message {message.ts}: {error}",
                raw=_raw(item),
            )
            return [problem], None
