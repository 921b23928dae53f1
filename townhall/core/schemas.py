"""Schemas of the core API (`townhall.core.api`): what goes in and comes out of `/api/v1`.

Kept apart from the endpoints so the routes read as a list of routes. `PersonIn`,
`ActivityRecordIn` and `ActivityBatchIn` only document the import format in the
OpenAPI schema: the endpoint hands posted records to `ingest()` as they are, and
`townhall.core.records.ActivityRecord` alone decides what is valid.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import AwareDatetime, BeforeValidator

from townhall.core.models import Role

MEMBERS_DEFAULT_LIMIT = 50
MEMBERS_MAX_LIMIT = 500
ACTIVITIES_DEFAULT_LIMIT = 100
ACTIVITIES_MAX_LIMIT = 1000

_SPACE_OFFSET = re.compile(r"^(.*T.*) (\d{2}(?::?\d{2})?)$")


def _plus_from_space(value: Any) -> Any:
    # An unencoded `+01:00` in a query string arrives as ` 01:00`; take the evident meaning.
    if isinstance(value, str):
        match = _SPACE_OFFSET.match(value)
        if match:
            return f"{match[1]}+{match[2]}"
    return value


QueryTime = Annotated[AwareDatetime, BeforeValidator(_plus_from_space)]


class ErrorOut(Schema):
    detail: str = Field(description="What was wrong, and what to do about it.")


# --- members ---------------------------------------------------------------------------


class MemberFilters(Schema):
    q: str | None = Field(
        None,
        description="Text in the member's name or email, or an identity's username, name or email. A leading @ is ignored.",
    )
    source: str | None = Field(
        None, description="Only members with an identity on this source (slug)."
    )
    organization: int | None = Field(None, description="Only members of this organization (id).")
    is_employee: bool | None = Field(
        None, description="Only employees (true) or non-employees (false)."
    )
    role: Role | None = Field(None, description="Only members with exactly this role.")
    limit: int = Field(MEMBERS_DEFAULT_LIMIT, ge=1, le=MEMBERS_MAX_LIMIT, description="Page size.")
    offset: int = Field(0, ge=0, description="How many matching members to skip.")


class OrganizationOut(Schema):
    id: int
    name: str
    domain: str


class IdentityOut(Schema):
    source: str = Field(description="Slug of the source this account is on.")
    external_id: str = Field(description="The account's key on its source.")
    username: str
    email: str
    name: str
    url: str


class MemberOut(Schema):
    id: int
    name: str
    email: str
    avatar_url: str
    organization: OrganizationOut | None
    role: Role
    is_employee: bool
    is_bot: bool
    created_at: datetime
    identities: list[IdentityOut]


class MemberDetailOut(MemberOut):
    activity_count: int
    first_activity_at: datetime | None
    last_activity_at: datetime | None


class MemberPage(Schema):
    count: int = Field(description="How many members match the filters, on every page together.")
    limit: int
    offset: int
    next: str | None = Field(description="URL of the next page; null on the last page.")
    previous: str | None = Field(description="URL of the previous page; null on the first.")
    items: list[MemberOut]


class MergedOut(Schema):
    detail: str
    merged_into: int = Field(description="Id of the member this one now belongs to.")
    location: str = Field(description="URL of that member (also in the Location header).")


# --- activities ------------------------------------------------------------------------


class ActivityFilters(Schema):
    member: int | None = Field(None, description="Only this member's activities (id).")
    source: str | None = Field(None, description="Only activities from this source (slug).")
    kind: str | None = Field(None, description="Only activities of this kind (slug).")
    channel: str | None = Field(None, description="Only activities in this channel (exact).")
    since: QueryTime | None = Field(
        None, description="Only activities at or after this time (ISO 8601 with an offset)."
    )
    until: QueryTime | None = Field(
        None, description="Only activities before this time (ISO 8601 with an offset)."
    )
    limit: int = Field(
        ACTIVITIES_DEFAULT_LIMIT, ge=1, le=ACTIVITIES_MAX_LIMIT, description="Page size."
    )
    cursor: str | None = Field(
        None, description="Where the page starts: the `cursor` of the previous page."
    )


class MemberRef(Schema):
    id: int
    name: str


class ActorOut(Schema):
    external_id: str
    username: str
    name: str


class ActivityOut(Schema):
    id: int
    source: str
    external_id: str
    kind: str
    occurred_at: datetime
    member: MemberRef
    identity: ActorOut
    target_member: MemberRef | None
    channel: str
    title: str
    url: str
    body: str = Field(description="An excerpt of at most 1,000 characters.")
    conversation_id: str
    parent_id: str
    properties: dict[str, Any]


class ActivityPage(Schema):
    cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )
    next: str | None = Field(description="URL of the next page; null on the last page.")
    items: list[ActivityOut]


class PersonIn(Schema):
    """Who acted or was acted upon: one account on the record's source."""

    external_id: str | None = Field(
        None, max_length=255, description="The account's id on the source."
    )
    username: str | None = Field(None, max_length=255)
    email: str | None = Field(None, max_length=254)
    name: str | None = Field(None, max_length=255)
    url: str | None = Field(None, max_length=2000)
    avatar_url: str | None = Field(None, max_length=2000)
    organization: str | None = Field(
        None, max_length=255, description="The company the account names on its profile."
    )
    timezone: str | None = Field(
        None, max_length=64, description='IANA time zone ("Europe/Berlin") or UTC offset.'
    )
    is_bot: bool = False


class ActivityRecordIn(Schema):
    """One activity as a source reports it: the JSON Lines import format, one object.

    A person needs at least one of `external_id`, `email` or `username`. Unknown fields
    are refused. A record that breaks these rules is quarantined with its reason; it
    never fails the request.
    """

    source: str = Field(
        description="Source slug: lower-case letters, digits, `_`, `-`, `.`; at most 64.",
        examples=["slack"],
    )
    external_id: str = Field(
        max_length=255,
        description="The activity's id on its source; re-sending it changes nothing.",
    )
    kind: str = Field(
        description="Activity kind slug (`message`, `reply`, `star`…); new kinds are registered.",
        examples=["message"],
    )
    occurred_at: datetime = Field(description="ISO 8601 with an offset, e.g. 2026-03-01T09:30:00Z.")
    actor: PersonIn
    target: PersonIn | None = None
    channel: str = Field("", max_length=255)
    title: str = Field("", max_length=500)
    url: str = Field("", max_length=2000)
    body: str = Field("", description="Kept as an excerpt of 1,000 characters.")
    conversation_id: str = Field("", max_length=255)
    parent_id: str = Field("", max_length=255)
    properties: dict[str, Any] = Field(
        default_factory=dict, description="Anything else; at most 64 KiB as JSON."
    )


class ActivityBatchIn(Schema):
    records: list[ActivityRecordIn]


class QuarantinedOut(Schema):
    position: int = Field(description="0-based index of the record in the posted array.")
    external_id: str | None = Field(description="The record's `external_id`, when it has one.")
    reason: str


class IngestOut(Schema):
    read: int
    created: int
    duplicates: int = Field(description="Records already stored (same source and external_id).")
    quarantined: int
    members_created: int
    identities_created: int
    quarantine: list[QuarantinedOut] = Field(description="Each quarantined record: where and why.")


# --- sources ---------------------------------------------------------------------------


class SourceOut(Schema):
    slug: str
    name: str
    connector: str
    created_at: datetime
    identity_count: int
    activity_count: int
    last_activity_at: datetime | None


class SourceList(Schema):
    items: list[SourceOut]
