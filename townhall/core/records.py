"""The import contract: `ActivityRecord`, the validated, normalized input of `ingest()`.

Every source (a JSON Lines file, a CSV with a mapping, a connector, the API) turns
its input into these. Decoding is done with msgspec because it is the hot path of
every import (about a microsecond a record); the checks that go beyond types live in
`__post_init__`, so they also hold for records built in Python by connectors.
docs/import-format.md documents the JSON Lines form field by field.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import msgspec

from townhall.core.models import (
    BODY_EXCERPT_MAX,
    CHANNEL_MAX,
    EXTERNAL_ID_MAX,
    NAME_MAX,
    TIMEZONE_MAX,
    TITLE_MAX,
    URL_MAX,
)

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
PROPERTIES_MAX_BYTES = 64 * 1024


class InvalidRecord(ValueError):
    """A record that breaks the import contract; the message says which field and why."""


LINKS_MAX = 10


def _clean_links(links: list[str]) -> list[str] | None:
    """Stripped, without blanks or repeats; None when nothing is left (the rare path)."""
    cleaned: list[str] = []
    for link in links:
        link = link.strip()
        if link and link not in cleaned:
            if len(link) > URL_MAX:
                raise InvalidRecord(
                    f"a link is {len(link)} characters long; the limit is {URL_MAX}"
                )
            cleaned.append(link)
    if len(cleaned) > LINKS_MAX:
        raise InvalidRecord(f"`links` has {len(cleaned)} links; the limit is {LINKS_MAX}")
    return cleaned or None


def _check_length(field: str, value: str | None, limit: int) -> None:
    if value is not None and len(value) > limit:
        raise InvalidRecord(f"`{field}` is {len(value)} characters long; the limit is {limit}")


class Person(msgspec.Struct, omit_defaults=True, forbid_unknown_fields=True, gc=False):
    """Who acted (`actor`) or was acted upon (`target`): one account on the record's source."""

    external_id: str | None = None
    username: str | None = None
    email: str | None = None
    name: str | None = None
    url: str | None = None
    avatar_url: str | None = None
    # The company the account names on its profile (GitHub's `company`, a CRM field…):
    # links a new member to an Organization when no work email domain does.
    organization: str | None = None
    # The account's time zone as its source states it: an IANA name ("Europe/Berlin",
    # Slack's `tz`) or a UTC offset ("+01:00"). Evidence for identity resolution.
    timezone: str | None = None
    # Other profiles of the same person that the account states (GitHub's `blog` and
    # `twitter_username`, Stack Exchange's `WebsiteUrl`…), as URLs: identity resolution
    # treats a link to another account as strong evidence (townhall/identity/links.py).
    links: list[str] | None = None
    is_bot: bool = False

    def __post_init__(self) -> None:
        # The hot path of every import: written out flat (no helper calls, no loops over
        # field names) because it runs for every actor and target of every record.
        external_id = self.external_id
        if external_id is not None:
            external_id = self.external_id = external_id.strip() or None
        username = self.username
        if username is not None:
            username = self.username = username.strip() or None
        email = self.email
        if email is not None:
            email = self.email = email.strip().lower() or None
            if email is not None and "@" not in email:
                raise InvalidRecord(f"email {email!r} has no @")
        name = self.name
        if name is not None:
            name = self.name = name.strip() or None
        if self.organization is not None:
            self.organization = self.organization.strip() or None
        if self.links is not None:
            self.links = _clean_links(self.links)
        if (
            (external_id is not None and len(external_id) > EXTERNAL_ID_MAX)
            or (username is not None and len(username) > NAME_MAX)
            or (name is not None and len(name) > NAME_MAX)
            or (email is not None and len(email) > 254)
            or (self.url is not None and len(self.url) > URL_MAX)
            or (self.avatar_url is not None and len(self.avatar_url) > URL_MAX)
            or (self.organization is not None and len(self.organization) > NAME_MAX)
            or (self.timezone is not None and len(self.timezone) > TIMEZONE_MAX)
        ):
            self._raise_for_length()
        if not (external_id or email or username):
            raise InvalidRecord("a person needs an `external_id`, an `email` or a `username`")

    def _raise_for_length(self) -> None:
        """Name the first field that is too long (the rare path, so it may be slow)."""
        _check_length("external_id", self.external_id, EXTERNAL_ID_MAX)
        for field in ("username", "name", "organization"):
            _check_length(field, getattr(self, field), NAME_MAX)
        _check_length("email", self.email, 254)
        _check_length("url", self.url, URL_MAX)
        _check_length("avatar_url", self.avatar_url, URL_MAX)
        _check_length("timezone", self.timezone, TIMEZONE_MAX)

    @property
    def key(self) -> str:
        """The identity's key on its source: its id there, else `email:…`, else `username:…`."""
        if self.external_id:
            return self.external_id
        if self.email:
            return f"email:{self.email}"
        return f"username:{self.username}"

    @property
    def display_name(self) -> str:
        if self.name:
            return self.name
        if self.username:
            return self.username
        return (self.email or "").split("@")[0]


class ActivityRecord(msgspec.Struct, omit_defaults=True, forbid_unknown_fields=True, gc=False):
    """One activity as a source reports it. See docs/import-format.md."""

    source: str
    external_id: str
    kind: str
    occurred_at: datetime
    actor: Person
    target: Person | None = None
    channel: str = ""
    title: str = ""
    url: str = ""
    body: str = ""
    conversation_id: str = ""
    parent_id: str = ""
    properties: dict[str, Any] = msgspec.field(default_factory=dict)

    def __post_init__(self) -> None:
        # Written out flat for speed, like Person's; slugs seen before skip the regex.
        source = self.source = self.source.strip().lower()
        if source not in _VALID_SLUGS:
            _check_slug("source", source)
        kind = self.kind = self.kind.strip().lower()
        if kind not in _VALID_SLUGS:
            _check_slug("kind", kind)
        external_id = self.external_id = self.external_id.strip()
        if not external_id:
            raise InvalidRecord("`external_id` is empty")
        occurred_at = self.occurred_at
        if occurred_at.tzinfo is None or occurred_at.utcoffset() is None:
            raise InvalidRecord(
                "`occurred_at` has no UTC offset; write it as ISO 8601 with an offset, "
                "e.g. 2026-03-01T09:30:00Z or 2026-03-01T10:30:00+01:00"
            )
        if (
            len(external_id) > EXTERNAL_ID_MAX
            or len(self.channel) > CHANNEL_MAX
            or len(self.title) > TITLE_MAX
            or len(self.url) > URL_MAX
            or len(self.conversation_id) > EXTERNAL_ID_MAX
            or len(self.parent_id) > EXTERNAL_ID_MAX
        ):
            self._raise_for_length()
        # The body is kept as an excerpt: long posts are normal, not an error.
        if len(self.body) > BODY_EXCERPT_MAX:
            self.body = self.body[: BODY_EXCERPT_MAX - 1] + "…"
        if self.properties and len(msgspec.json.encode(self.properties)) > PROPERTIES_MAX_BYTES:
            raise InvalidRecord(f"`properties` is larger than {PROPERTIES_MAX_BYTES // 1024} KiB")

    def _raise_for_length(self) -> None:
        """Name the first field that is too long (the rare path, so it may be slow)."""
        _check_length("external_id", self.external_id, EXTERNAL_ID_MAX)
        _check_length("channel", self.channel, CHANNEL_MAX)
        _check_length("title", self.title, TITLE_MAX)
        _check_length("url", self.url, URL_MAX)
        _check_length("conversation_id", self.conversation_id, EXTERNAL_ID_MAX)
        _check_length("parent_id", self.parent_id, EXTERNAL_ID_MAX)


# Slugs that passed SLUG_RE; bounded so a stream of made-up kinds cannot grow it forever.
_VALID_SLUGS: set[str] = set()
_VALID_SLUGS_MAX = 10_000


def _check_slug(field: str, value: str) -> None:
    if not SLUG_RE.match(value):
        raise InvalidRecord(
            f"`{field}` {value!r} must be a slug: lower-case letters, digits, '_', '-' "
            "or '.', at most 64 characters"
        )
    if len(_VALID_SLUGS) < _VALID_SLUGS_MAX:
        _VALID_SLUGS.add(value)


_json_decoder = msgspec.json.Decoder(ActivityRecord)


def decode_json(raw: bytes | str) -> ActivityRecord:
    """Decode and validate one JSON object; raises InvalidRecord with a precise reason."""
    try:
        return _json_decoder.decode(raw)
    except msgspec.ValidationError as error:
        raise InvalidRecord(_explain(error)) from None
    except msgspec.DecodeError as error:
        raise InvalidRecord(f"invalid JSON: {error}") from None


def from_mapping(data: dict[str, Any]) -> ActivityRecord:
    """Validate a Python mapping (API payloads, CSV rows, connectors) into a record."""
    try:
        return msgspec.convert(data, ActivityRecord)
    except msgspec.ValidationError as error:
        raise InvalidRecord(_explain(error)) from None


def to_json(record: ActivityRecord) -> bytes:
    return msgspec.json.encode(record)


def _explain(error: msgspec.ValidationError) -> str:
    message = str(error)
    # msgspec words the tz check "Expected `datetime` with a timezone component"; say what to do.
    if "timezone" in message or "RFC3339" in message:
        message += " (write `occurred_at` as ISO 8601 with an offset, e.g. 2026-03-01T09:30:00Z)"
    return message
