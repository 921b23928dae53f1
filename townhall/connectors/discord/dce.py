"""Reading DiscordChatExporter's exports: its JSON (one channel a file) and its CSV.

DiscordChatExporter writes JSON indented by two spaces, always: the root object's
`"messages": [` array holds one object per message, each opening at `\\n    {` and
closing at `\\n    }` (deeper objects are indented further, and a string cannot
hold a raw newline). So messages are cut out of the stream at those boundaries and
each is decoded on its own with msgspec — a file of any size streams in small memory
and a damaged message costs only itself. Files laid out otherwise (minified, other
tools) are decoded whole.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, BinaryIO

import msgspec

from townhall.core.records import InvalidRecord, Person

from .messages import Post

AwareDatetime = Annotated[datetime, msgspec.Meta(tz=True)]
THREAD_TYPES = frozenset({"GuildPublicThread", "GuildPrivateThread", "GuildNewsThread"})
DIRECT_TYPES = frozenset({"DirectTextChat", "DirectGroupTextChat"})
CSV_HEADER = ["AuthorID", "Author", "Date", "Content", "Attachments", "Reactions"]
CHUNK = 1 << 20
HEADER_LIMIT = 16 << 20
_MESSAGES_KEY = re.compile(rb'"messages"\s*:\s*\[')
_SEPARATORS = re.compile(rb"[\s,]*")
_MESSAGE_END = b"\n    }"
#: The last part of "Guild - Category - channel [123456789012345678] (after 2024-01-01).csv".
_FILE_NAME_RE = re.compile(r"^(?P<name>.*?)\s*\[(?P<id>\d+)\](?:\s*\(.*\))?$")
_CSV_REACTION_RE = re.compile(r"\s*(?P<emoji>[^,]+?) \((?P<count>\d+)\)")
_ATTACHMENT_ID_RE = re.compile(r"/attachments/\d+/(\d+)/")


class Unreadable(Exception):
    """A whole file could not be read; the message names it and says why."""


class User(msgspec.Struct, rename="camel"):
    id: str
    name: str = ""
    discriminator: str | None = None
    nickname: str | None = None
    is_bot: bool = False
    avatar_url: str | None = None


class Emoji(msgspec.Struct):
    id: str | None = None
    name: str = ""


class Reaction(msgspec.Struct):
    emoji: Emoji
    count: int = 0
    users: list[User] = []


class Reference(msgspec.Struct, rename="camel"):
    type: str | None = None
    message_id: str | None = None
    channel_id: str | None = None


class Attachment(msgspec.Struct, rename="camel"):
    id: str = ""
    file_name: str = ""


class Interaction(msgspec.Struct):
    name: str = ""


class Message(msgspec.Struct, rename="camel", kw_only=True):
    id: str
    type: str = "Default"
    timestamp: AwareDatetime
    timestamp_edited: AwareDatetime | None = None
    is_pinned: bool = False
    content: str | None = ""
    author: User
    attachments: list[Attachment] = []
    reactions: list[Reaction] = []
    mentions: list[User] = []
    reference: Reference | None = None
    interaction: Interaction | None = None


class Guild(msgspec.Struct):
    id: str = "0"
    name: str = ""


class Channel(msgspec.Struct, rename="camel"):
    id: str
    type: str = "GuildTextChat"
    category_id: str | None = None
    category: str | None = None
    name: str = ""


class Header(msgspec.Struct):
    guild: Guild
    channel: Channel


_message = msgspec.json.Decoder(Message)
_header = msgspec.json.Decoder(Header)
_any = msgspec.json.Decoder()


@dataclass
class Where:
    """The channel a file's messages are in, as records name it."""

    guild_id: str
    channel_id: str
    channel: str
    thread_id: str = ""
    thread_name: str = ""


def where_of(header: Header) -> Where:
    channel = header.channel
    if channel.type in THREAD_TYPES:
        # `category` is the thread's parent channel (the format predates threads).
        return Where(
            header.guild.id,
            channel.id,
            f"#{channel.category or channel.category_id or channel.id}",
            thread_id=channel.id,
            thread_name=channel.name,
        )
    if channel.type in DIRECT_TYPES:
        return Where(header.guild.id, channel.id, f"dm:{channel.id}")
    return Where(header.guild.id, channel.id, f"#{channel.name or channel.id}")


@dataclass
class Entry:
    """One message of a file: decoded, or the reason it could not be."""

    number: int
    message: Message | None
    raw: bytes
    problem: str = ""


class JsonExport:
    """One DiscordChatExporter JSON file: its header, then its messages streamed."""

    def __init__(self, path: Path, name: str) -> None:
        self.path = path
        self.name = name

    def peek_header(self) -> Header | None:
        """The header from the first bytes only (for ordering files), or None."""
        with self.path.open("rb") as handle:
            start = handle.read(1 << 16)
        match = _MESSAGES_KEY.search(start)
        if match is None:
            return None
        try:
            return _header.decode(_header_bytes(start[: match.start()]))
        except msgspec.MsgspecError:
            return None

    def read(self) -> tuple[Header, Iterator[Entry]]:
        """The header and an iterator of the messages; Unreadable if the file is no export."""
        handle = self.path.open("rb")
        try:
            buffer = b""
            while (match := _MESSAGES_KEY.search(buffer)) is None:
                chunk = handle.read(CHUNK)
                if not chunk or len(buffer) > HEADER_LIMIT:
                    raise Unreadable(
                        f'{self.name}: no "messages" array: not a DiscordChatExporter JSON export'
                    )
                buffer += chunk
            try:
                header = _header.decode(_header_bytes(buffer[: match.start()]))
            except msgspec.MsgspecError:
                handle.close()
                return self._read_whole()
            start = _SEPARATORS.match(buffer, match.end()).end()  # type: ignore[union-attr]
            while start == len(buffer) and (chunk := handle.read(CHUNK)):
                # The array's first byte decides the layout: read on until it is here.
                buffer += chunk
                start = _SEPARATORS.match(buffer, match.end()).end()  # type: ignore[union-attr]
            indented = buffer[start - 5 : start] == b"\n    " or buffer[start : start + 1] == b"]"
            if not indented:
                handle.close()
                return self._read_whole()
        except BaseException:
            handle.close()
            raise
        return header, self._stream(handle, buffer, start)

    def _stream(self, handle: BinaryIO, buffer: bytes, position: int) -> Iterator[Entry]:
        number = 0
        with handle:
            while True:
                start = _SEPARATORS.match(buffer, position).end()  # type: ignore[union-attr]
                while start == len(buffer):
                    chunk = handle.read(CHUNK)
                    if not chunk:
                        yield Entry(
                            number + 1,
                            None,
                            b"",
                            f"{self.name}: the file ends after message {number} without "
                            "closing the messages array (an interrupted export?)",
                        )
                        return
                    buffer = buffer[position:] + chunk
                    position = 0
                    start = _SEPARATORS.match(buffer, 0).end()  # type: ignore[union-attr]
                opening = buffer[start : start + 1]
                if opening == b"]":
                    return
                number += 1
                if opening != b"{":
                    yield Entry(
                        number,
                        None,
                        buffer[start : start + 2000],
                        f"{self.name}: unexpected {opening.decode(errors='replace')!r} where "
                        f"message {number} should start; the rest of the file is skipped",
                    )
                    return
                end = buffer.find(_MESSAGE_END, start)
                while end == -1:
                    chunk = handle.read(CHUNK)
                    if not chunk:
                        yield Entry(
                            number,
                            None,
                            buffer[start : start + 20000],
                            f"{self.name}: the file ends inside message {number} "
                            "(an interrupted export?)",
                        )
                        return
                    buffer = buffer[start:] + chunk
                    start = 0
                    # Only the new bytes (and a boundary split across chunks) can hold the end.
                    end = buffer.find(
                        _MESSAGE_END, max(0, len(buffer) - len(chunk) - len(_MESSAGE_END))
                    )
                position = end + len(_MESSAGE_END)
                raw = buffer[start:position]
                try:
                    yield Entry(number, _message.decode(raw), raw)
                except msgspec.MsgspecError as error:
                    yield Entry(number, None, raw, f"{self.name}: message {number}: {error}")
                if position > CHUNK:
                    buffer = buffer[position:]
                    position = 0

    def _read_whole(self) -> tuple[Header, Iterator[Entry]]:
        data = self.path.read_bytes()
        try:
            document = _any.decode(data)
        except msgspec.DecodeError as error:
            raise Unreadable(f"{self.name}: malformed JSON ({error})") from None
        try:
            header = msgspec.convert(document, Header)
        except msgspec.ValidationError as error:
            raise Unreadable(
                f"{self.name}: not a DiscordChatExporter JSON export ({error})"
            ) from None
        messages = document.get("messages") if isinstance(document, dict) else None
        if not isinstance(messages, list):
            raise Unreadable(f'{self.name}: "messages" is not an array')
        return header, self._entries(messages)

    def _entries(self, items: list[Any]) -> Iterator[Entry]:
        for number, item in enumerate(items, start=1):
            try:
                yield Entry(number, msgspec.convert(item, Message), b"")
            except msgspec.ValidationError as error:
                yield Entry(
                    number,
                    None,
                    msgspec.json.encode(item),
                    f"{self.name}: message {number}: {error}",
                )


def _header_bytes(head: bytes) -> bytes:
    head = head.rstrip()
    if head.endswith(b","):
        head = head[:-1]
    return head + b"}"


class People:
    """Persons by Discord user id, built once each."""

    def __init__(self) -> None:
        self.by_id: dict[str, Person] = {}

    def of(self, user: User) -> Person:
        person = self.by_id.get(user.id)
        if person is None:
            avatar = user.avatar_url if user.avatar_url and "://" in user.avatar_url else None
            try:
                person = Person(
                    external_id=user.id,
                    username=user.name or None,
                    name=user.nickname or None,
                    avatar_url=avatar,
                    is_bot=user.is_bot,
                )
            except InvalidRecord:
                person = Person(external_id=user.id, is_bot=user.is_bot)
            self.by_id[user.id] = person
        return person

    def named(self, user_id: str, full_name: str) -> Person:
        """A CSV author: an id and `name` or legacy `name#1234`."""
        person = self.by_id.get(user_id)
        if person is None:
            person = Person(external_id=user_id, username=full_name or None)
            self.by_id[user_id] = person
        return person


def post_of(message: Message, where: Where, people: People) -> Post:
    """A JSON export's message as a Post."""
    of = people.of
    reference = message.reference
    reply_to = ""
    forwarded = False
    if reference is not None and reference.message_id:
        if reference.type == "Forward":
            forwarded = True
        elif message.type == "Reply":
            reply_to = reference.message_id
    # Types DiscordChatExporter has no name for are written as their number.
    kind = int(message.type) if message.type.isdigit() else message.type
    post = Post(
        id=message.id,
        type=kind,
        channel_id=where.channel_id,
        channel=where.channel,
        guild_id=where.guild_id,
        occurred_at=message.timestamp,
        author=of(message.author),
        content=message.content or "",
        edited_at=message.timestamp_edited,
        thread_id=where.thread_id,
        thread_name=where.thread_name,
        reply_to=reply_to,
        forwarded=forwarded,
        pinned=message.is_pinned,
        mentions=[of(user) for user in message.mentions] if message.mentions else (),
        reactions=[
            (r.emoji.id or r.emoji.name, r.count, [of(user) for user in r.users])
            for r in message.reactions
        ]
        if message.reactions
        else (),
        attachments=[(a.id, a.file_name) for a in message.attachments]
        if message.attachments
        else (),
    )
    if message.interaction is not None and message.interaction.name:
        post.properties["command"] = message.interaction.name
    return post


def where_from_file_name(path: Path) -> Where:
    """A CSV's channel, from DiscordChatExporter's file name `Guild - … - name [id].csv`."""
    match = _FILE_NAME_RE.match(path.stem.rsplit(" - ", 1)[-1])
    if match is None:
        return Where("0", path.stem, f"#{path.stem}")
    name = match["name"].strip() or match["id"]
    return Where("0", match["id"], f"#{name}")


@dataclass
class CsvRow:
    line: int
    post: Post | None
    raw: str
    problem: str = ""


def read_csv(path: Path, name: str, people: People) -> Iterator[CsvRow]:
    """The rows of a DiscordChatExporter CSV as Posts (it has no message ids, types,
    mentions, replies or reaction authors: ids are made of channel, author and time)."""
    where = where_from_file_name(path)
    seen: dict[str, int] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader, None)
        if header is None or header[:4] != CSV_HEADER[:4]:
            raise Unreadable(
                f"{name}: not a DiscordChatExporter CSV (its header is {header!r}, "
                f"expected {','.join(CSV_HEADER)})"
            )
        for row in reader:
            line = reader.line_num
            if len(row) < 4:
                yield CsvRow(
                    line,
                    None,
                    _csv_text(row),
                    f"{name}: line {line}: {len(row)} columns, expected 6",
                )
                continue
            author_id, author, date, content = row[0], row[1], row[2], row[3]
            try:
                occurred_at = datetime.fromisoformat(date)
                if occurred_at.tzinfo is None:
                    raise ValueError("no UTC offset")
                if not author_id.isdigit():
                    raise ValueError(f"AuthorID {author_id!r} is not a Discord id")
            except ValueError as error:
                yield CsvRow(line, None, _csv_text(row), f"{name}: line {line}: {error}")
                continue
            key = f"{where.channel_id}:{author_id}:{int(occurred_at.timestamp() * 1000)}"
            # Two rows by one author in the same millisecond: number the later ones.
            repeat = seen.get(key, 0)
            seen[key] = repeat + 1
            message_id = f"{key}:{repeat + 1}" if repeat else key
            attachments = row[4] if len(row) > 4 else ""
            reactions = row[5] if len(row) > 5 else ""
            post = Post(
                id=message_id,
                type="Default",
                channel_id=where.channel_id,
                channel=where.channel,
                guild_id=where.guild_id,
                occurred_at=occurred_at,
                author=people.named(author_id, author),
                content=content,
                attachments=_csv_attachments(attachments),
                reactions=[
                    (m["emoji"], int(m["count"]), ()) for m in _CSV_REACTION_RE.finditer(reactions)
                ],
            )
            yield CsvRow(line, post, "")


def _csv_attachments(cell: str) -> list[tuple[str, str]]:
    found = []
    for index, url in enumerate(u for u in cell.split(",") if u.strip()):
        match = _ATTACHMENT_ID_RE.search(url)
        found.append((match[1] if match else str(index + 1), url.rsplit("/", 1)[-1].split("?")[0]))
    return found


def _csv_text(row: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow(row)
    return out.getvalue()
