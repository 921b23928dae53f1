"""One Discord message → ActivityRecords, shared by the export and the bot API sources.

Both sources normalise a message into a `Post` and let `DiscordMapper` decide kinds,
ids, threads and targets, so an export and an API sync of the same server produce the
same records (and importing both stores each message once).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from datetime import datetime

import msgspec

from townhall.core.records import ActivityRecord, Person

#: Message types (API numbers, DiscordChatExporter names) that are notices, not something
#: a person said: recipient changes, calls, renames, pins, boosts, "X started a thread",
#: the copy of a thread's starter message shown at the top of the thread, follows.
SKIPPED_TYPES = frozenset(
    {
        1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 14, 15, 16, 17, 18, 21, 22, 24, 25, 26,
        27, 28, 29, 31, 32, 36, 37, 38, 39, 44, 46,
        "RecipientAdd", "RecipientRemove", "Call", "ChannelNameChange",
        "ChannelIconChange", "ChannelPinnedMessage", "ThreadCreated",
    }
)  # fmt: skip
#: "X joined the server" system messages.
JOIN_TYPES = frozenset({7, "GuildMemberJoin"})
#: At most this many recent messages' authors are remembered to find whom a reply answers.
REMEMBERED_MESSAGES = 300_000


class Post(msgspec.Struct, kw_only=True):
    """A Discord message, whichever format it came in (a Struct: cheap to build)."""

    id: str
    type: int | str
    channel_id: str
    #: `#name`; a thread's parent channel for messages in threads.
    channel: str
    guild_id: str
    occurred_at: datetime
    author: Person
    content: str = ""
    edited_at: datetime | None = None
    #: The thread (a channel) the message is in, if any; its id is its starter message's.
    thread_id: str = ""
    thread_name: str = ""
    #: Who started the thread, when known (the API's `owner_id`).
    thread_owner: Person | None = None
    #: The message this one replies to (a `Reply`), and its author when known.
    reply_to: str = ""
    reply_author: Person | None = None
    forwarded: bool = False
    #: A thread was started from this message.
    starts_thread: bool = False
    pinned: bool = False
    mentions: Sequence[Person] = ()
    #: (emoji key, count, the people who reacted — empty when the format has no names).
    reactions: Sequence[tuple[str, int, Sequence[Person]]] = ()
    #: (attachment id, file name).
    attachments: Sequence[tuple[str, str]] = ()
    properties: dict[str, object] = {}


def avatar_url(user_id: str, avatar_hash: str | None) -> str | None:
    if not avatar_hash:
        return None
    extension = "gif" if avatar_hash.startswith("a_") else "png"
    return f"https://cdn.discordapp.com/avatars/{user_id}/{avatar_hash}.{extension}"


def message_url(guild_id: str, channel_id: str, message_id: str) -> str:
    guild = guild_id if guild_id and guild_id != "0" else "@me"
    return f"https://discord.com/channels/{guild}/{channel_id}/{message_id}"


class DiscordMapper:
    """Turns Posts into records, remembering recent messages' authors for replies."""

    def __init__(self, source: str) -> None:
        self.source = source
        #: message id → (author, conversation id), oldest first.
        self._seen: dict[str, tuple[Person, str]] = {}

    def author_of(self, message_id: str) -> Person | None:
        known = self._seen.get(message_id)
        return known[0] if known else None

    def _remember(self, message_id: str, author: Person, conversation: str) -> None:
        seen = self._seen
        seen[message_id] = (author, conversation)
        if len(seen) > REMEMBERED_MESSAGES:
            # Forget the oldest half: replies to them lose their target, nothing else.
            for key in list(itertools.islice(seen, REMEMBERED_MESSAGES // 2)):
                del seen[key]

    def records(self, post: Post) -> Iterator[ActivityRecord]:
        """The message, then its mentions, files and reactions (each with its own id)."""
        kind_of = post.type
        if kind_of in SKIPPED_TYPES:
            return
        source = self.source
        message_id = post.id
        actor = post.author
        url = message_url(post.guild_id, post.channel_id, message_id)
        if kind_of in JOIN_TYPES:
            yield ActivityRecord(
                source=source,
                external_id=message_id,
                kind="member_join",
                occurred_at=post.occurred_at,
                actor=actor,
                channel=post.channel,
                url=url,
            )
            return

        properties = post.properties
        thread_id = post.thread_id
        target: Person | None = None
        parent_id = conversation_id = ""
        if post.reply_to and not post.forwarded:
            kind = "reply"
            parent_id = post.reply_to
            known = self._seen.get(parent_id)
            target = post.reply_author or (known[0] if known else None)
            conversation_id = thread_id or (known[1] if known else "") or parent_id
        elif thread_id and thread_id != message_id:
            kind = "thread_reply"
            parent_id = conversation_id = thread_id
            target = self.author_of(thread_id) or post.thread_owner
        else:
            kind = "message"
            if thread_id or post.starts_thread:
                conversation_id = message_id
        if post.thread_name:
            properties["thread"] = post.thread_name
        if post.forwarded:
            properties["forwarded"] = True
        if post.edited_at is not None:
            properties["edited_at"] = post.edited_at.isoformat()
        if post.pinned:
            properties["pinned"] = True
        if post.attachments:
            properties["files"] = len(post.attachments)
        if post.reactions:
            properties["reactions"] = sum(count for _, count, _ in post.reactions)
        self._remember(message_id, actor, conversation_id or message_id)
        occurred_at = post.occurred_at
        channel = post.channel
        yield ActivityRecord(
            source=source,
            external_id=message_id,
            kind=kind,
            occurred_at=occurred_at,
            actor=actor,
            target=target,
            channel=channel,
            url=url,
            body=post.content,
            conversation_id=conversation_id,
            parent_id=parent_id,
            properties=properties,
        )

        mentioned: set[str] = set()
        for person in post.mentions:
            key = person.key
            # A reply pings the author it answers: that is the reply, not a second interaction.
            if key in mentioned or (target is not None and key == target.key and kind == "reply"):
                continue
            mentioned.add(key)
            yield ActivityRecord(
                source=source,
                external_id=f"{message_id}:mention:{key}",
                kind="mention",
                occurred_at=occurred_at,
                actor=actor,
                target=person,
                channel=channel,
                url=url,
                conversation_id=conversation_id,
                parent_id=message_id,
            )
        for attachment_id, file_name in post.attachments:
            yield ActivityRecord(
                source=source,
                external_id=f"{message_id}:file:{attachment_id}",
                kind="file_shared",
                occurred_at=occurred_at,
                actor=actor,
                channel=channel,
                title=file_name[:500],
                url=url,
                conversation_id=conversation_id,
                parent_id=message_id,
            )
        for emoji, _, people in post.reactions:
            # Discord keeps no reaction time: the message's stands in.
            for person in people:
                yield ActivityRecord(
                    source=source,
                    external_id=f"{message_id}:reaction:{emoji}:{person.key}"[:255],
                    kind="reaction",
                    occurred_at=occurred_at,
                    actor=person,
                    target=actor,
                    channel=channel,
                    url=url,
                    conversation_id=conversation_id,
                    parent_id=message_id,
                    properties={"emoji": emoji},
                )
