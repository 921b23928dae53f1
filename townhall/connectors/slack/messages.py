"""Slack's shapes (users, conversations, messages) and one message → ActivityRecords.

The export and the Web API carry the same message objects, so both Slack sources
decode with these msgspec structs (fields not listed are skipped, which is what
keeps decoding fast: `blocks` alone is most of a message's bytes) and map through
`SlackMapper`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import msgspec

from townhall.core.records import ActivityRecord, InvalidRecord, Person

#: Slack's own bot user, author of reminders and auto-responses.
SLACKBOT = "USLACKBOT"

#: Subtypes that are channel administration or placeholders rather than something a
#: person said: a topic change, a pin, the "This message was deleted." tombstone
#: left where a thread root was deleted (its replies are still read).
SKIPPED_SUBTYPES = frozenset(
    {
        "channel_topic",
        "channel_purpose",
        "channel_name",
        "channel_archive",
        "channel_unarchive",
        "channel_convert_to_private",
        "channel_convert_to_public",
        "channel_posting_permissions",
        "group_topic",
        "group_purpose",
        "group_name",
        "group_archive",
        "group_unarchive",
        "pinned_item",
        "unpinned_item",
        "tombstone",
        "bot_add",
        "bot_remove",
        "bot_enable",
        "bot_disable",
        "sh_room_created",
    }
)
#: Membership subtypes and the kind they become (`group_*` is the old private-channel form).
MEMBERSHIP_KINDS = {
    "channel_join": "channel_join",
    "group_join": "channel_join",
    "channel_leave": "channel_leave",
    "group_leave": "channel_leave",
}

MENTION_RE = re.compile(r"<@([UW][A-Z0-9]+)(?:\|([^>]*))?>")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Profile(msgspec.Struct):
    email: str | None = None
    real_name: str | None = None
    display_name: str | None = None
    #: `user_profile` embedded in messages carries the handle as `name`.
    name: str | None = None
    image_72: str | None = None


class User(msgspec.Struct):
    id: str
    name: str | None = None
    real_name: str | None = None
    deleted: bool = False
    is_bot: bool = False
    is_app_user: bool = False
    profile: Profile | None = None
    #: IANA time zone of the user's Slack settings, e.g. "Europe/Berlin".
    tz: str | None = None


class Conversation(msgspec.Struct):
    """A channel, private channel (group), multi-person DM (mpim) or DM."""

    id: str
    name: str | None = None
    is_private: bool = False
    is_im: bool = False
    is_mpim: bool = False
    is_member: bool | None = None
    is_archived: bool = False
    #: The other person of a DM (API); exports list `members` instead.
    user: str | None = None


class Reaction(msgspec.Struct):
    name: str = ""
    users: list[str] = []
    count: int = 0


class File(msgspec.Struct):
    id: str = ""
    name: str | None = None
    title: str | None = None
    filetype: str | None = None
    mode: str | None = None


class Edited(msgspec.Struct):
    user: str | None = None
    ts: str | None = None


class BotProfile(msgspec.Struct):
    id: str | None = None
    name: str | None = None
    app_id: str | None = None


class Attachment(msgspec.Struct):
    fallback: str | None = None
    text: str | None = None


class Message(msgspec.Struct):
    ts: str
    type: str = "message"
    subtype: str | None = None
    user: str | None = None
    bot_id: str | None = None
    username: str | None = None
    text: str | None = ""
    thread_ts: str | None = None
    parent_user_id: str | None = None
    reply_count: int = 0
    latest_reply: str | None = None
    reactions: list[Reaction] = []
    files: list[File] = []
    attachments: list[Attachment] = []
    edited: Edited | None = None
    user_profile: Profile | None = None
    bot_profile: BotProfile | None = None
    hidden: bool = False


def ts_to_datetime(ts: str) -> datetime:
    """A Slack `ts` ("1712345678.000200": epoch seconds and microseconds) in UTC.

    Split rather than `float()` so the microseconds survive exactly.
    """
    seconds, _, fraction = ts.partition(".")
    return _EPOCH + timedelta(seconds=int(seconds), microseconds=int(fraction[:6].ljust(6, "0")))


def person_from_user(user: User) -> Person:
    """The Person for a `users.json` / `users.list` member."""
    profile = user.profile or Profile()
    email = profile.email if profile.email and "@" in profile.email else None
    is_bot = user.is_bot or user.is_app_user or user.id == SLACKBOT
    try:
        return Person(
            external_id=user.id,
            username=user.name,
            name=profile.real_name or user.real_name or profile.display_name,
            email=email,
            avatar_url=profile.image_72,
            timezone=user.tz,
            is_bot=is_bot,
        )
    except InvalidRecord:
        # An over-long or odd profile field must not cost the person: keep the id.
        return Person(external_id=user.id, is_bot=is_bot)


def channel_label(conversation: Conversation) -> str:
    """How a conversation is shown as an activity's `channel`."""
    if conversation.is_im:
        return f"dm:{conversation.id}"
    return f"#{conversation.name or conversation.id}"


class SlackMapper:
    """Turns Slack messages into ActivityRecords, remembering people it has seen.

    `people` maps user ids to Persons (from users.json / users.list); ids not in it
    are built from the message's `user_profile` (shared channels) or the bare id.
    Thread roots' authors are remembered per channel so replies without
    `parent_user_id` still get their target.
    """

    def __init__(self, source: str, people: dict[str, Person], *, workspace_url: str = "") -> None:
        self.source = source
        self.people = people
        self.workspace_url = workspace_url.rstrip("/")
        self._roots: dict[str, Person] = {}
        self._roots_channel = ""

    def person(self, user_id: str, profile: Profile | None = None) -> Person:
        person = self.people.get(user_id)
        if person is None:
            profile = profile or Profile()
            try:
                person = Person(
                    external_id=user_id,
                    username=profile.name,
                    name=profile.real_name or profile.display_name,
                    avatar_url=profile.image_72,
                    is_bot=user_id == SLACKBOT,
                )
            except InvalidRecord:
                person = Person(external_id=user_id)
            self.people[user_id] = person
        return person

    def author(self, message: Message) -> Person:
        """Who posted a message: a user, or a bot/integration/webhook (flagged)."""
        if message.subtype == "bot_message" or (message.bot_id and not message.user):
            bot = message.bot_profile
            bot_id = message.bot_id or (bot.id if bot else None) or message.user
            if message.user and message.user in self.people:
                known = self.people[message.user]
                if known.is_bot:
                    return known
            key = f"bot:{bot_id}:{message.username or ''}"
            person = self.people.get(key)
            if person is None:
                person = Person(
                    external_id=bot_id or message.user,
                    username=message.username or (bot.name if bot else None),
                    name=(bot.name if bot else None) or message.username,
                    is_bot=True,
                    # Incoming webhooks post under any name: keep the id, not the name.
                )
                self.people[key] = person
            return person
        if not message.user:
            raise InvalidRecord("message has neither `user` nor `bot_id`")
        return self.person(message.user, message.user_profile)

    def url(self, channel_id: str, ts: str, thread_ts: str | None = None) -> str:
        if not self.workspace_url:
            return ""
        link = f"{self.workspace_url}/archives/{channel_id}/p{ts.replace('.', '')}"
        if thread_ts and thread_ts != ts:
            link += f"?thread_ts={thread_ts}&cid={channel_id}"
        return link

    def body(self, message: Message) -> str:
        text = message.text or ""
        if not text and message.attachments:
            first = message.attachments[0]
            text = first.fallback or first.text or ""
        if "<@" in text:
            # Show mentions as people read them (@ana), not as Slack's markup.
            text = MENTION_RE.sub(self._mention_text, text)
        return text

    def _mention_text(self, match: re.Match[str]) -> str:
        person = self.people.get(match[1])
        label = match[2] or (person.username or person.name if person else None) or match[1]
        return f"@{label}"

    def records(self, message: Message, channel_id: str, channel: str) -> Iterator[ActivityRecord]:
        """The records of one message: the message (or join/leave), then its mentions,
        files and reactions. Raises InvalidRecord/ValueError for an unreadable message."""
        subtype = message.subtype
        if channel_id != self._roots_channel:
            self._roots.clear()
            self._roots_channel = channel_id
        if subtype in SKIPPED_SUBTYPES or message.type != "message":
            return
        ts = message.ts
        occurred_at = ts_to_datetime(ts)
        actor = self.author(message)
        external_id = f"{channel_id}:{ts}"
        source = self.source
        membership = MEMBERSHIP_KINDS.get(subtype) if subtype else None
        if membership:
            yield ActivityRecord(
                source=source,
                external_id=external_id,
                kind=membership,
                occurred_at=occurred_at,
                actor=actor,
                channel=channel,
                url=self.url(channel_id, ts),
            )
            return

        thread_ts = message.thread_ts
        properties: dict[str, object] = {}
        target: Person | None = None
        parent_id = conversation_id = ""
        if thread_ts and thread_ts != ts:
            kind = "thread_reply"
            parent_id = conversation_id = f"{channel_id}:{thread_ts}"
            if message.parent_user_id:
                target = self.person(message.parent_user_id)
            else:
                target = self._roots.get(thread_ts)
            if subtype == "thread_broadcast":
                properties["broadcast"] = True
        else:
            kind = "message"
            if thread_ts or message.reply_count:
                conversation_id = external_id
                self._roots[ts] = actor
                if message.reply_count:
                    properties["replies"] = message.reply_count
        if subtype and subtype not in ("thread_broadcast", "bot_message"):
            properties["subtype"] = subtype
        if message.edited is not None and message.edited.ts:
            properties["edited_at"] = ts_to_datetime(message.edited.ts).isoformat()
        if message.files:
            properties["files"] = len(message.files)
        if message.reactions:
            properties["reactions"] = sum(r.count for r in message.reactions)
        url = self.url(channel_id, ts, thread_ts)
        yield ActivityRecord(
            source=source,
            external_id=external_id,
            kind=kind,
            occurred_at=occurred_at,
            actor=actor,
            target=target,
            channel=channel,
            url=url,
            body=self.body(message),
            conversation_id=conversation_id,
            parent_id=parent_id,
            properties=properties,
        )
        text = message.text or ""
        if "<@" in text:
            seen: set[str] = set()
            for match in MENTION_RE.finditer(text):
                user_id = match[1]
                if user_id in seen:
                    continue
                seen.add(user_id)
                yield ActivityRecord(
                    source=source,
                    external_id=f"{external_id}:mention:{user_id}",
                    kind="mention",
                    occurred_at=occurred_at,
                    actor=actor,
                    target=self.person(user_id),
                    channel=channel,
                    url=url,
                    conversation_id=conversation_id,
                    parent_id=external_id,
                )
        for file in message.files:
            # Files hidden by the free plan's limit or deleted ("tombstone") have no id.
            if not file.id or file.mode in ("tombstone", "hidden_by_limit"):
                continue
            yield ActivityRecord(
                source=source,
                external_id=f"{external_id}:file:{file.id}",
                kind="file_shared",
                occurred_at=occurred_at,
                actor=actor,
                channel=channel,
                title=(file.title or file.name or "")[:500],
                url=url,
                conversation_id=conversation_id,
                parent_id=external_id,
                properties={"filetype": file.filetype} if file.filetype else {},
            )
        for reaction in message.reactions:
            # Slack does not say when a reaction was added: the message's time stands in.
            for user_id in reaction.users:
                yield ActivityRecord(
                    source=source,
                    external_id=f"{external_id}:reaction:{reaction.name}:{user_id}",
                    kind="reaction",
                    occurred_at=occurred_at,
                    actor=self.person(user_id),
                    target=actor,
                    channel=channel,
                    url=url,
                    conversation_id=conversation_id,
                    parent_id=external_id,
                    properties={"emoji": reaction.name},
                )
