"""Discord: DiscordChatExporter exports (`discord-export`) and the bot API (`discord-api`).

Both yield records under the source slug `discord` with the message's snowflake id as
its external id (unique across Discord), so an export and an API sync of the same
server store each message once:

- `message` — a message by its author (bots and webhooks flagged `is_bot` — in the
  API by `bot`/`webhook_id`, in exports by `isBot`). A thread's starter message, or a
  message a thread was started from, has `conversation_id` = its own id.
- `reply` — a message replying to another (Discord's `Reply` type): `parent_id` = the
  message answered, target = its author, `conversation_id` = the thread, or the
  conversation of the message answered, or that message.
- `thread_reply` — any other message in a thread: `parent_id` = `conversation_id` =
  the thread's id (= its starter message's), target = the starter's author (else,
  in the API, the thread's creator).
- `mention` — one per user mentioned (`<id>:mention:<user>`), target = that user;
  the author a reply pings is not counted a second time as a mention.
- `reaction` — one per user who reacted, target = the message's author
  (`<id>:reaction:<emoji id or character>:<user>`; Discord keeps no reaction time).
- `file_shared` — one per attachment (`<id>:file:<attachment id>`).
- `member_join` — "X joined the server" notices (exports); the API reads joins from
  the member list instead (`join:<guild>:<user>:<joined_at>`).

The channel is `#name` — for a thread, its parent's name, the thread's own name in
`properties.thread`; DMs are `dm:<id>`. Skipped: system notices (pins, renames,
calls, boosts, "started a thread" and the starter's copy at the top of a thread).
DiscordChatExporter's CSV has no message ids, types, replies, mentions, bot flags or
reaction authors: its rows become `message`s keyed `<channel>:<author>:<epoch ms>`
with reaction counts in `properties`, and they do not match the JSON's or the API's
ids.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec
from pydantic import Field, SecretStr

from townhall.connectors.base import Capability, FileConfig, Source, SourceConfig
from townhall.connectors.registry import register
from townhall.core.records import ActivityRecord, InvalidRecord, Person
from townhall.core.services.imports import SourceFailure
from townhall.core.services.ingest import Envelope

from . import webapi
from .dce import JsonExport, People, Unreadable, post_of, read_csv, where_of
from .messages import DiscordMapper, Post
from .webapi import DiscordWebApi

EXPORT_SUFFIXES = (".json", ".csv")


def _text(raw: bytes) -> str:
    return raw[:20000].decode("utf-8", errors="replace")


class DiscordExportConfig(FileConfig):
    """A DiscordChatExporter file (JSON or CSV) or a folder of them."""


@register
class DiscordExport(Source):
    """DiscordChatExporter exports — JSON (full fidelity) or CSV — one file or a folder."""

    name = "discord-export"
    label = "Discord export (DiscordChatExporter)"
    default_source = "discord"
    capabilities = frozenset({Capability.FILE_IMPORT})
    config_schema = DiscordExportConfig

    def __init__(self, config: SourceConfig, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        self.thread_ids: set[str] = set()

    def files(self) -> list[tuple[Path, str]]:
        """(file, name shown in errors) in reading order: JSON channels, then JSON threads
        (so a thread's replies find their starter's author), then CSVs (whose authors
        then reuse the JSON's richer profiles); by path within each. Notes the ids of
        exported threads (a thread's id is its starter message's)."""
        assert isinstance(self.config, FileConfig)
        root = self.config.path
        if not root.exists():
            raise SourceFailure(f"{root} does not exist")
        if root.is_file():
            return [(root, root.name)]
        found = sorted(
            p for p in root.rglob("*") if p.suffix.lower() in EXPORT_SUFFIXES and p.is_file()
        )
        if not found:
            raise SourceFailure(
                f"{root} holds no .json or .csv file: export channels with DiscordChatExporter "
                "(format JSON or CSV) into it"
            )
        keys = {}
        for path in found:
            is_json = path.suffix.lower() == ".json"
            header = JsonExport(path, "").peek_header() if is_json else None
            thread_id = where_of(header).thread_id if header is not None else ""
            if thread_id:
                self.thread_ids.add(thread_id)
            group = 2 if not is_json else 1 if thread_id else 0
            keys[path] = (group, path.relative_to(root).as_posix())
        return [(p, keys[p][1]) for p in sorted(found, key=keys.__getitem__)]

    def read(self) -> Iterator[ActivityRecord | Envelope]:
        self.thread_ids.clear()
        mapper = DiscordMapper(self.source_slug)
        people = People()
        for path, name in self.files():
            try:
                if path.suffix.lower() == ".csv":
                    yield from self._csv(mapper, people, path, name)
                else:
                    yield from self._json(mapper, people, path, name)
            except Unreadable as error:
                yield Envelope(position=name[-64:], payload=None, error=str(error), raw="")
            except OSError as error:
                yield Envelope(position=name[-64:], payload=None, error=f"{name}: {error}", raw="")

    def _json(
        self, mapper: DiscordMapper, people: People, path: Path, name: str
    ) -> Iterator[ActivityRecord | Envelope]:
        header, entries = JsonExport(path, name).read()
        where = where_of(header)
        records = mapper.records
        thread_ids = self.thread_ids
        for entry in entries:
            message = entry.message
            if message is None:
                yield Envelope(
                    position=f"{name[-50:]}#{entry.number}",
                    payload=None,
                    error=entry.problem,
                    raw=_text(entry.raw),
                )
                continue
            try:
                post = post_of(message, where, people)
                if post.id in thread_ids:
                    post.starts_thread = True
                yield from records(post)
            except (InvalidRecord, ValueError) as error:
                yield Envelope(
                    position=f"{name[-50:]}#{entry.number}",
                    payload=None,
                    error=f"{name}: message {entry.number} ({message.id}): {error}",
                    raw=_text(entry.raw or msgspec.json.encode(message)),
                )

    def _csv(
        self, mapper: DiscordMapper, people: People, path: Path, name: str
    ) -> Iterator[ActivityRecord | Envelope]:
        for row in read_csv(path, name, people):
            if row.post is None:
                yield Envelope(
                    position=f"{name[-50:]}:{row.line}",
                    payload=None,
                    error=row.problem,
                    raw=row.raw,
                )
                continue
            try:
                yield from mapper.records(row.post)
            except (InvalidRecord, ValueError) as error:
                yield Envelope(
                    position=f"{name[-50:]}:{row.line}",
                    payload=None,
                    error=f"{name}: line {row.line}: {error}",
                    raw=row.raw,
                )


class DiscordApiConfig(SourceConfig):
    token: SecretStr = Field(description="The bot's token (Bot page of the application)")
    guild_id: str = Field(description="The server's id (Developer Mode → Copy Server ID)")
    base_url: str = "https://discord.com/api/v10"
    #: Channel ids or names to read; empty: every text, announcement and forum channel.
    channels: list[str] = []
    include_threads: bool = True
    #: Read the member list (needs the Server Members Intent): profiles and join dates.
    include_members: bool = True
    #: One call per emoji per message with reactions, to know who reacted.
    fetch_reaction_users: bool = True
    member_page_size: int = Field(default=1000, ge=1, le=1000)
    message_page_size: int = Field(default=100, ge=1, le=100)


@register
class DiscordApi(Source):
    """A Discord server through a bot: members (joins), then every readable channel's
    and thread's new messages, oldest first, with mentions, files and reactions."""

    name = "discord-api"
    label = "Discord (bot API)"
    default_source = "discord"
    capabilities = frozenset({Capability.LIVE_API, Capability.INCREMENTAL})
    config_schema = DiscordApiConfig

    def __init__(self, config: SourceConfig, **kwargs: Any) -> None:
        super().__init__(config, **kwargs)
        #: Replaced in tests so rate-limit waits cost nothing.
        self.sleep: Callable[[float], None] = time.sleep

    @property
    def api_config(self) -> DiscordApiConfig:
        assert isinstance(self.config, DiscordApiConfig)
        return self.config

    def read(self) -> Iterator[ActivityRecord | Envelope]:
        config = self.api_config
        client = DiscordWebApi(
            config.base_url,
            config.token.get_secret_value(),
            transport=self.transport,
            sleep=self.sleep,
        )
        try:
            yield from self._sync(client)
        finally:
            client.close()

    def _sync(self, client: DiscordWebApi) -> Iterator[ActivityRecord | Envelope]:
        config = self.api_config
        people = webapi.People()
        if config.include_members:
            yield from self._members(client, people)
        channels = self._guild_channels(client)
        names = {c.id: c.name or c.id for c in channels}
        wanted = {c.lstrip("#") for c in config.channels}

        def chosen(channel: webapi.Channel) -> bool:
            return not wanted or channel.id in wanted or (channel.name or "") in wanted

        readable = [c for c in channels if c.type in webapi.MESSAGE_CHANNELS and chosen(c)]
        threads: list[webapi.Channel] = []
        if config.include_threads:
            parents = [c for c in channels if c.type in webapi.THREAD_PARENTS and chosen(c)]
            threads = self._threads(client, parents)
        mapper = DiscordMapper(self.source_slug)
        for channel in sorted(readable, key=lambda c: int(c.id)):
            yield from self._messages(client, mapper, people, channel, f"#{names[channel.id]}")
        for thread in threads:
            parent = names.get(thread.parent_id or "", thread.parent_id or thread.id)
            yield from self._messages(client, mapper, people, thread, f"#{parent}", thread=thread)

    def _members(
        self, client: DiscordWebApi, people: webapi.People
    ) -> Iterator[ActivityRecord | Envelope]:
        config = self.api_config
        after = "0"
        while True:
            params = {"limit": config.member_page_size, "after": after}
            try:
                body = client.get(f"guilds/{config.guild_id}/members", params)
            except SourceFailure:
                if client.status == 403:
                    raise SourceFailure(
                        "Discord refused the member list (403): turn on the Server Members "
                        "Intent on the application's Bot page, or set include_members to false"
                    ) from None
                raise
            members, problems = _decode_list(body, webapi.Member, f"members after {after}")
            yield from problems
            for member in members:
                person = people.add_member(member)
                if person is None or member.joined_at is None:
                    continue
                yield ActivityRecord(
                    source=self.source_slug,
                    external_id=f"join:{config.guild_id}:{person.external_id}:"
                    f"{int(member.joined_at.timestamp())}",
                    kind="member_join",
                    occurred_at=member.joined_at,
                    actor=person,
                )
            ids = [m.user.id for m in members if m.user is not None]
            if len(members) + len(problems) < config.member_page_size or not ids:
                return
            after = max(ids, key=int)

    def _guild_channels(self, client: DiscordWebApi) -> list[webapi.Channel]:
        guild = self.api_config.guild_id
        try:
            body = client.get(f"guilds/{guild}/channels")
        except SourceFailure:
            if client.status in (403, 404):
                raise SourceFailure(
                    f"Discord has no server {guild} for this bot ({client.status}): check "
                    "guild_id and that the bot was added to the server"
                ) from None
            raise
        channels, _ = _decode_list(body, webapi.Channel, "channels")
        return channels

    def _threads(
        self, client: DiscordWebApi, parents: list[webapi.Channel]
    ) -> list[webapi.Channel]:
        """Active threads of the guild and archived public threads of each parent."""
        parent_ids = {c.id for c in parents}
        found: dict[str, webapi.Channel] = {}
        body = client.get(f"guilds/{self.api_config.guild_id}/threads/active")
        for thread in _decode(body, webapi.Threads, "active threads").threads:
            if thread.parent_id in parent_ids:
                found[thread.id] = thread
        for parent in sorted(parents, key=lambda c: int(c.id)):
            before = ""
            while True:
                params: dict[str, Any] = {"limit": 100}
                if before:
                    params["before"] = before
                try:
                    body = client.get(f"channels/{parent.id}/threads/archived/public", params)
                except SourceFailure:
                    if client.status in (403, 404):
                        break  # the bot cannot read this channel's history
                    raise
                page = _decode(body, webapi.Threads, f"archived threads of {parent.id}")
                for thread in page.threads:
                    found.setdefault(thread.id, thread)
                stamps = [
                    t.thread_metadata.archive_timestamp
                    for t in page.threads
                    if t.thread_metadata and t.thread_metadata.archive_timestamp
                ]
                if not page.has_more or not stamps:
                    break
                before = min(stamps)
        return sorted(found.values(), key=lambda c: int(c.id))

    def _messages(
        self,
        client: DiscordWebApi,
        mapper: DiscordMapper,
        people: webapi.People,
        channel: webapi.Channel,
        label: str,
        *,
        thread: webapi.Channel | None = None,
    ) -> Iterator[ActivityRecord | Envelope]:
        """New messages of one channel or thread, oldest first; the cursor moves after
        each page, once all of that page's records were yielded."""
        config = self.api_config
        done = (self.cursor.get("channels") or {}).get(channel.id)
        last = channel.last_message_id
        if done and last and int(last) <= int(done):
            return  # nothing new: no call
        after = done or "0"
        owner = people.by_user_id(thread.owner_id) if thread and thread.owner_id else None
        while True:
            params = {"limit": config.message_page_size, "after": after}
            try:
                body = client.get(f"channels/{channel.id}/messages", params)
            except SourceFailure as error:
                if client.status in (403, 404):
                    yield Envelope(
                        position=f"channel {channel.id}",
                        payload=None,
                        error=f"{label} ({channel.id}): the bot cannot read it ({error}); give "
                        "it View Channel and Read Message History, or leave it out of `channels`",
                        raw="",
                    )
                    return
                raise
            messages, problems = _decode_list(body, webapi.Message, f"{label} after {after}")
            yield from problems
            # Discord answers newest first even when paging forward with `after`.
            messages.sort(key=lambda m: int(m.id))
            for message in messages:
                if message.type == 7 and config.include_members:
                    continue  # joins come from the member list, with their real date
                post = self._post(client, people, message, channel, label, thread, owner)
                try:
                    yield from mapper.records(post)
                except (InvalidRecord, ValueError) as error:
                    yield Envelope(
                        position=f"{channel.id}:{message.id}",
                        payload=None,
                        error=f"{label} message {message.id}: {error}",
                        raw=msgspec.json.encode(message).decode(),
                    )
            if messages:
                after = messages[-1].id
                self.cursor = {
                    **self.cursor,
                    "channels": {**(self.cursor.get("channels") or {}), channel.id: after},
                }
            if len(messages) + len(problems) < config.message_page_size or not messages:
                return

    def _post(
        self,
        client: DiscordWebApi,
        people: webapi.People,
        message: webapi.Message,
        channel: webapi.Channel,
        label: str,
        thread: webapi.Channel | None,
        owner: Person | None,
    ) -> Post:
        of = people.of
        reference = message.message_reference
        forwarded = reference is not None and reference.type == 1
        reply_to = ""
        reply_author = None
        if message.type == 19 and reference is not None and reference.message_id and not forwarded:
            reply_to = reference.message_id
            if message.referenced_message is not None:
                reply_author = of(message.referenced_message.author)
        reactions = []
        for reaction in message.reactions:
            emoji = reaction.emoji
            count = reaction.count_details.normal if reaction.count_details else reaction.count
            who: list[Person] = []
            if self.api_config.fetch_reaction_users and count:
                who = [of(u) for u in self._reactors(client, channel.id, message.id, emoji)]
            reactions.append((emoji.id or emoji.name or "?", count, who))
        mentions = [of(u) for u in message.mentions]
        content = message.content
        if "<@" in content:
            # Show mentions as people read them (@name), as DiscordChatExporter does.
            names = {p.external_id: p.username or p.name for p in mentions}
            content = webapi.MENTION_RE.sub(lambda m: f"@{names.get(m[1]) or m[1]}", content)
        post = Post(
            id=message.id,
            type=message.type,
            channel_id=channel.id,
            channel=label,
            guild_id=self.api_config.guild_id,
            occurred_at=message.timestamp,
            author=of(message.author, webhook=message.webhook_id is not None),
            content=content,
            edited_at=message.edited_timestamp,
            thread_id=thread.id if thread else "",
            thread_name=(thread.name or "") if thread else "",
            thread_owner=owner,
            reply_to=reply_to,
            reply_author=reply_author,
            forwarded=forwarded,
            starts_thread=message.thread is not None,
            pinned=message.pinned,
            mentions=mentions,
            reactions=reactions,
            attachments=[(a.id, a.filename) for a in message.attachments],
        )
        if message.interaction is not None and message.interaction.name:
            post.properties["command"] = message.interaction.name
        return post

    def _reactors(
        self, client: DiscordWebApi, channel_id: str, message_id: str, emoji: webapi.Emoji
    ) -> list[webapi.User]:
        users: list[webapi.User] = []
        path = f"channels/{channel_id}/messages/{message_id}/reactions/{webapi.emoji_path(emoji)}"
        params: dict[str, Any] = {"limit": 100}
        while True:
            page, _ = _decode_list(client.get(path, params), webapi.User, "reactions")
            users.extend(page)
            if len(page) < 100:
                return users
            params = {"limit": 100, "after": page[-1].id}


_loose = msgspec.json.Decoder()


def _decode(body: bytes, kind: type[Any], where: str) -> Any:
    try:
        return msgspec.json.decode(body, type=kind)
    except msgspec.MsgspecError as error:
        raise SourceFailure(
            f"Discord sent an answer this connector cannot read for {where}: {error}"
        ) from None


def _decode_list(body: bytes, kind: type[Any], where: str) -> tuple[list[Any], list[Envelope]]:
    """A JSON array of `kind`; entries that do not fit become Envelopes with the reason."""
    try:
        return msgspec.json.decode(body, type=list[kind]), []  # type: ignore[valid-type]
    except msgspec.ValidationError:
        pass
    except msgspec.DecodeError as error:
        raise SourceFailure(f"Discord sent malformed JSON for {where}: {error}") from None
    items = _loose.decode(body)
    if not isinstance(items, list):
        raise SourceFailure(
            f"Discord sent {type(items).__name__} where a list was expected ({where})"
        )
    good, problems = [], []
    for index, item in enumerate(items):
        try:
            good.append(msgspec.convert(item, kind))
        except msgspec.ValidationError as error:
            problems.append(
                Envelope(
                    position=f"{where}#{index + 1}"[:64],
                    payload=None,
                    error=f"{where}: entry {index + 1}: {error}",
                    raw=msgspec.json.encode(item).decode(),
                )
            )
    return good, problems
