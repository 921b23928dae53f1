"""Calling Discord's bot API: its objects, rate limits, and errors worth explaining.

Discord limits per route bucket: every answer says how many calls are left
(`X-RateLimit-Remaining`) and when the bucket refills (`X-RateLimit-Reset-After`,
seconds); a 429 carries `Retry-After` and `retry_after` in its JSON body. ApiClient
waits on 429s; the transport below also waits when a bucket is spent (so the next call
is not refused) and fills in `Retry-After` from the body when a proxy dropped it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

import httpx
import msgspec

from townhall.core.http import AdaptingTransport, ApiClient, as_rate_limited, json_or_none
from townhall.core.records import InvalidRecord, Person
from townhall.core.services.imports import SourceFailure

from .messages import avatar_url

AwareDatetime = Annotated[datetime, msgspec.Meta(tz=True)]
#: Channel types whose messages are read: text, announcement, and the three thread kinds.
MESSAGE_CHANNELS = frozenset({0, 5, 10, 11, 12})
#: Channel types whose threads are read (forums and media channels only have threads).
THREAD_PARENTS = frozenset({0, 5, 15, 16})
THREAD_TYPES = frozenset({10, 11, 12})
MAX_BUCKET_WAIT = 60.0
MENTION_RE = re.compile(r"<@!?(\d+)>")


class User(msgspec.Struct):
    id: str
    username: str = ""
    global_name: str | None = None
    avatar: str | None = None
    bot: bool = False
    system: bool = False


class Member(msgspec.Struct):
    user: User | None = None
    nick: str | None = None
    joined_at: AwareDatetime | None = None


class ThreadMetadata(msgspec.Struct):
    archived: bool = False
    archive_timestamp: str | None = None


class Channel(msgspec.Struct):
    id: str
    type: int = 0
    name: str | None = None
    parent_id: str | None = None
    position: int = 0
    last_message_id: str | None = None
    owner_id: str | None = None
    thread_metadata: ThreadMetadata | None = None


class Threads(msgspec.Struct):
    threads: list[Channel] = []
    has_more: bool = False


class Emoji(msgspec.Struct):
    id: str | None = None
    name: str | None = None


class CountDetails(msgspec.Struct):
    normal: int = 0
    burst: int = 0


class Reaction(msgspec.Struct):
    emoji: Emoji
    count: int = 0
    count_details: CountDetails | None = None


class Reference(msgspec.Struct):
    type: int = 0
    message_id: str | None = None
    channel_id: str | None = None


class Attachment(msgspec.Struct):
    id: str
    filename: str = ""


class Interaction(msgspec.Struct):
    name: str = ""


class Referenced(msgspec.Struct):
    id: str
    author: User


class Message(msgspec.Struct, kw_only=True):
    id: str
    type: int = 0
    channel_id: str = ""
    author: User
    content: str = ""
    timestamp: AwareDatetime
    edited_timestamp: AwareDatetime | None = None
    pinned: bool = False
    webhook_id: str | None = None
    mentions: list[User] = []
    attachments: list[Attachment] = []
    reactions: list[Reaction] = []
    message_reference: Reference | None = None
    referenced_message: Referenced | None = None
    interaction: Interaction | None = None
    thread: Channel | None = None


def emoji_path(emoji: Emoji) -> str:
    """An emoji as Discord's reaction routes name it: `name:id`, or the character."""
    if emoji.id:
        return quote(f"{emoji.name or '_'}:{emoji.id}", safe=":")
    return quote(emoji.name or "", safe="")


class Transport(AdaptingTransport):
    """Discord's rate limits as ApiClient understands them: a 429 whose wait is only in
    its body (`retry_after`, which beats the bucket's reset headers) gets a
    `Retry-After`; when a bucket is spent (`X-RateLimit-Remaining: 0`), waits
    `X-RateLimit-Reset-After` before the next request."""

    def __init__(self, inner: httpx.BaseTransport, sleep: Callable[[float], None]) -> None:
        super().__init__(inner)
        self.sleep = sleep

    def adapt(self, request: httpx.Request, response: httpx.Response) -> httpx.Response:
        headers = response.headers
        if response.status_code == 429 and "retry-after" not in headers:
            body = json_or_none(response)
            wait = body.get("retry_after") if isinstance(body, dict) else None
            if isinstance(wait, int | float):
                return as_rate_limited(response, request, wait=wait)
        elif response.status_code < 400 and headers.get("x-ratelimit-remaining") == "0":
            try:
                wait = float(headers.get("x-ratelimit-reset-after", ""))
            except ValueError:
                wait = None
            if wait:
                self.sleep(min(wait, MAX_BUCKET_WAIT))
        return response


class DiscordWebApi:
    """GET Discord's API as a bot; `status` says what the last answer was."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.transport = Transport(transport or httpx.HTTPTransport(), sleep)
        self.api = ApiClient(
            base_url.rstrip("/") + "/",
            headers={"Authorization": f"Bot {token}"},
            transport=self.transport,
            sleep=sleep,
            label="Discord",
        )

    @property
    def status(self) -> int:
        return self.transport.last_status

    def get(self, path: str, params: dict[str, Any] | None = None) -> bytes:
        """The body of one GET; a 401 becomes a SourceFailure saying to fix the token."""
        try:
            return self.api.get(path, params).content
        except SourceFailure:
            if self.status == 401:
                raise SourceFailure(
                    "Discord refused the bot token (401 Unauthorized): copy the token from the "
                    "application's Bot page into the connection"
                ) from None
            raise

    def close(self) -> None:
        self.api.close()


class People:
    """Persons by user id; guild members' nicknames win over global names."""

    def __init__(self) -> None:
        self.by_id: dict[str, Person] = {}
        #: People known only by id (a thread's owner): replaced once a profile is seen.
        self._bare: dict[str, Person] = {}

    def add_member(self, member: Member) -> Person | None:
        if member.user is None:
            return None
        person = self._build(member.user, member.nick)
        self.by_id[member.user.id] = person
        return person

    def of(self, user: User, *, webhook: bool = False) -> Person:
        person = self.by_id.get(user.id)
        if person is None:
            person = self._build(user, None, webhook=webhook)
            self.by_id[user.id] = person
        return person

    def by_user_id(self, user_id: str) -> Person:
        person = self.by_id.get(user_id) or self._bare.get(user_id)
        if person is None:
            person = self._bare[user_id] = Person(external_id=user_id)
        return person

    @staticmethod
    def _build(user: User, nick: str | None, *, webhook: bool = False) -> Person:
        is_bot = user.bot or user.system or webhook
        try:
            return Person(
                external_id=user.id,
                username=user.username or None,
                name=nick or user.global_name,
                avatar_url=avatar_url(user.id, user.avatar),
                is_bot=is_bot,
            )
        except InvalidRecord:
            return Person(external_id=user.id, is_bot=is_bot)
