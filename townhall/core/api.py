"""The core API: members, activities and sources under `/api/v1` (docs/api.md).

`townhall.api` mounts this router behind the accounts app's token authentication, so
core imports nothing from accounts: GETs need a read (or write) token, or a session of
someone who manages members; `POST /activities` needs a write token and hands the
records to `ingest()`, which validates, stores and quarantines them.

Member lists page by offset with a total count; the activity stream pages by a keyset
cursor on (occurred_at, id), which stays fast however deep the page and neither skips
nor repeats rows when new ones arrive.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from django.db.models import Count, Max, Min, Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from ninja import Query, Router
from ninja.errors import HttpError

from townhall.core.models import Activity, Identity, Member, Source
from townhall.core.records import InvalidRecord, from_mapping
from townhall.core.schemas import (
    ActivityBatchIn,
    ActivityFilters,
    ActivityPage,
    ActivityRecordIn,
    ErrorOut,
    IngestOut,
    MemberDetailOut,
    MemberFilters,
    MemberPage,
    MergedOut,
    SourceList,
)
from townhall.core.selectors import final_member, search_members
from townhall.core.services import Envelope, ingest

# A batch bigger than this is refused with 413: split it. ingest() itself takes any size.
MAX_RECORDS = 10_000
MAX_BODY_BYTES = 16 * 1024 * 1024
URL_NAMESPACE = "api-v1"

router = Router()

# Referenced only from `openapi_extra` (the batch body is read by hand, see
# post_activities); townhall.api publishes them under components/schemas.
openapi_schemas = [ActivityRecordIn, ActivityBatchIn]

_ERRORS = {401: ErrorOut, 403: ErrorOut}


# --- members ---------------------------------------------------------------------------


def _identities() -> Prefetch:
    return Prefetch("identities", queryset=Identity.objects.select_related("source").order_by("id"))


def _member_out(member: Member) -> dict[str, Any]:
    organization = member.organization
    return {
        "id": member.pk,
        "name": member.display_name,
        "email": member.primary_email,
        "avatar_url": member.avatar_url,
        "organization": (
            {"id": organization.pk, "name": organization.name, "domain": organization.domain}
            if organization is not None
            else None
        ),
        "role": member.role,
        "is_employee": member.is_employee,
        "is_bot": member.is_bot,
        "created_at": member.created_at,
        "identities": [
            {
                "source": identity.source.slug,
                "external_id": identity.external_id,
                "username": identity.username,
                "email": identity.email,
                "name": identity.name,
                "url": identity.url,
            }
            for identity in member.identities.all()
        ],
    }


def _page_url(request: HttpRequest, **params: Any) -> str:
    query: QueryDict = request.GET.copy()
    for key, value in params.items():
        query[key] = str(value)
    return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")


@router.get(
    "/members",
    response={200: MemberPage, **_ERRORS},
    tags=["members"],
    summary="List members",
    operation_id="list_members",
)
def list_members(request: HttpRequest, filters: Query[MemberFilters]) -> dict[str, Any]:
    """Active members (merged ones are left out), oldest first, `limit` at a time."""
    members = search_members(
        q=filters.q or "",
        source=filters.source or "",
        organization_id=filters.organization,
        include_email=True,
    )
    if filters.is_employee is not None:
        members = members.filter(is_employee=filters.is_employee)
    if filters.role is not None:
        members = members.filter(role=filters.role)
    # By id, not by name: a page boundary stays put while members are added.
    members = members.prefetch_related(None).prefetch_related(_identities()).order_by("id")
    count = members.count()
    limit, offset = filters.limit, filters.offset
    page = list(members[offset : offset + limit]) if offset < count else []
    return {
        "count": count,
        "limit": limit,
        "offset": offset,
        "next": _page_url(request, offset=offset + limit) if offset + limit < count else None,
        "previous": _page_url(request, offset=max(offset - limit, 0)) if offset > 0 else None,
        "items": [_member_out(member) for member in page],
    }


@router.get(
    "/members/{member_id}",
    response={200: MemberDetailOut, 307: MergedOut, 404: ErrorOut, **_ERRORS},
    tags=["members"],
    summary="Get a member",
    operation_id="get_member",
    url_name="member_detail",
)
def get_member(request: HttpRequest, member_id: int, response: HttpResponse) -> Any:
    """One member with identities and activity totals.

    A member merged into another answers 307 with a `Location` header pointing at the
    member it now belongs to (following merges to the end), and `merged_into` in the
    body. Temporary, not permanent: a merge can be undone.
    """
    member = (
        Member.objects.select_related("organization")
        .prefetch_related(_identities())
        .filter(pk=member_id)
        .first()
    )
    if member is None:
        return 404, {"detail": f"There is no member with id {member_id}."}
    if member.merged_into_id is not None:
        survivor = final_member(member)
        location = request.build_absolute_uri(
            reverse(f"{URL_NAMESPACE}:member_detail", kwargs={"member_id": survivor.pk})
        )
        response["Location"] = location
        return 307, {
            "detail": f"Member {member_id} was merged into member {survivor.pk}.",
            "merged_into": survivor.pk,
            "location": location,
        }
    stats = Activity.objects.filter(member=member).aggregate(
        count=Count("id"), first=Min("occurred_at"), last=Max("occurred_at")
    )
    return {
        **_member_out(member),
        "activity_count": stats["count"],
        "first_activity_at": stats["first"],
        "last_activity_at": stats["last"],
    }


# --- activities ------------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def encode_cursor(activity: Activity) -> str:
    """`<microseconds since the epoch>-<id>` of the last row of a page (exact, no floats)."""
    return f"{(activity.occurred_at - _EPOCH) // timedelta(microseconds=1)}-{activity.pk}"


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """`(occurred_at, id)` from a cursor; raises ValueError when it is malformed."""
    micros, _, pk = cursor.partition("-")
    try:
        return _EPOCH + timedelta(microseconds=int(micros)), int(pk)
    except (ValueError, OverflowError):
        raise ValueError(cursor) from None


def _activities(filters: ActivityFilters) -> QuerySet[Activity]:
    activities = Activity.objects.select_related(
        "source", "kind", "member", "identity", "target_member"
    )
    if filters.member is not None:
        activities = activities.filter(member_id=filters.member)
    if filters.source:
        activities = activities.filter(source__slug=filters.source)
    if filters.kind:
        activities = activities.filter(kind__slug=filters.kind)
    if filters.channel:
        activities = activities.filter(channel=filters.channel)
    if filters.since is not None:
        activities = activities.filter(occurred_at__gte=filters.since)
    if filters.until is not None:
        activities = activities.filter(occurred_at__lt=filters.until)
    return activities


def _activity_out(activity: Activity) -> dict[str, Any]:
    target = activity.target_member
    return {
        "id": activity.pk,
        "source": activity.source.slug,
        "external_id": activity.external_id,
        "kind": activity.kind.slug,
        "occurred_at": activity.occurred_at,
        "member": {"id": activity.member_id, "name": activity.member.display_name},
        "identity": {
            "external_id": activity.identity.external_id,
            "username": activity.identity.username,
            "name": activity.identity.name,
        },
        "target_member": {"id": target.pk, "name": target.display_name} if target else None,
        "channel": activity.channel,
        "title": activity.title,
        "url": activity.url,
        "body": activity.body,
        "conversation_id": activity.conversation_id,
        "parent_id": activity.parent_external_id,
        "properties": activity.properties,
    }


@router.get(
    "/activities",
    response={200: ActivityPage, 400: ErrorOut, **_ERRORS},
    tags=["activities"],
    summary="List activities",
    operation_id="list_activities",
)
def list_activities(request: HttpRequest, filters: Query[ActivityFilters]) -> Any:
    """Activities newest first (by `occurred_at`, then id), `limit` at a time.

    `since` is inclusive and `until` exclusive. Page on with `cursor` (or follow `next`).
    """
    activities = _activities(filters)
    if filters.cursor:
        try:
            moment, pk = decode_cursor(filters.cursor)
        except ValueError:
            return 400, {"detail": "Invalid cursor: pass the `cursor` of a previous page as is."}
        activities = activities.filter(Q(occurred_at__lt=moment) | Q(occurred_at=moment, pk__lt=pk))
    rows = list(activities.order_by("-occurred_at", "-id")[: filters.limit + 1])
    cursor = encode_cursor(rows[filters.limit - 1]) if len(rows) > filters.limit else None
    return {
        "cursor": cursor,
        "next": _page_url(request, cursor=cursor) if cursor else None,
        "items": [_activity_out(activity) for activity in rows[: filters.limit]],
    }


def _read_records(request: HttpRequest) -> list[Any]:
    """The posted records: a JSON array, or an object with a `records` array."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    too_big = (
        f"The request body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MiB; "
        f"send at most {MAX_RECORDS:,} records a request, in several requests."
    )
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise HttpError(413, too_big)
    # Read the stream ourselves rather than request.body, so the limit is this one and
    # not DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB), which a full batch exceeds.
    chunks, size = [], 0
    while chunk := request.read(1024 * 1024):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise HttpError(413, too_big)
        chunks.append(chunk)
    body = b"".join(chunks)
    if not body.strip():
        raise HttpError(400, "The request body is empty: send a JSON array of activity records.")
    try:
        data = msgspec.json.decode(body)
    except msgspec.DecodeError as error:
        raise HttpError(400, f"The request body is not valid JSON: {error}.") from None
    if isinstance(data, dict) and set(data) == {"records"}:
        data = data["records"]
    if not isinstance(data, list):
        raise HttpError(
            400,
            'Send a JSON array of activity records, or an object {"records": [...]}; '
            "a single record goes in an array of one.",
        )
    if len(data) > MAX_RECORDS:
        raise HttpError(
            413,
            f"This batch has {len(data):,} records; the limit is {MAX_RECORDS:,} a request. "
            "Split it into several requests (re-sending a record is harmless).",
        )
    return data


def _json_type(value: Any) -> str:
    names = {
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        list: "an array",
    }
    return "null" if value is None else names.get(type(value), type(value).__name__)


@router.post(
    "/activities",
    response={200: IngestOut, 400: ErrorOut, 413: ErrorOut, **_ERRORS},
    tags=["activities"],
    summary="Import activities",
    operation_id="import_activities",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            {
                                "type": "array",
                                "maxItems": MAX_RECORDS,
                                "items": {"$ref": "#/components/schemas/ActivityRecordIn"},
                            },
                            {"$ref": "#/components/schemas/ActivityBatchIn"},
                        ]
                    }
                }
            },
        }
    },
)
def post_activities(request: HttpRequest) -> dict[str, Any]:
    """Import up to 10,000 activity records (the JSON Lines format, as a JSON array).

    Idempotent: a record whose (source, external_id) is stored already counts as a
    duplicate and changes nothing. A bad record is quarantined with its reason (listed
    in `quarantine` by its 0-based position) and never fails the request.
    """
    envelopes: list[Envelope] = []
    quarantine: list[dict[str, Any]] = []
    for position, item in enumerate(_read_records(request)):
        if isinstance(item, dict):
            envelopes.append(Envelope(position=str(position), payload=item))
            # ingest() validates again and quarantines; this only says which and why.
            try:
                from_mapping(item)
            except InvalidRecord as error:
                external_id = item.get("external_id")
                quarantine.append(
                    {
                        "position": position,
                        "external_id": external_id if isinstance(external_id, str) else None,
                        "reason": str(error),
                    }
                )
        else:
            reason = f"expected a JSON object, got {_json_type(item)}"
            raw = msgspec.json.encode(item).decode()
            envelopes.append(Envelope(position=str(position), payload=None, error=reason, raw=raw))
            quarantine.append({"position": position, "external_id": None, "reason": reason})
    # The authenticated caller names the import, e.g. `api:crm-sync (th_1a2b3c4d)`.
    origin = getattr(getattr(request, "auth", None), "origin", "api")
    result = ingest(envelopes, origin=origin)
    return {**result.as_dict(), "quarantine": quarantine}


# --- sources ---------------------------------------------------------------------------


@router.get(
    "/sources",
    response={200: SourceList, **_ERRORS},
    tags=["sources"],
    summary="List sources",
    operation_id="list_sources",
)
def list_sources(request: HttpRequest) -> dict[str, Any]:
    """Every source with how many identities and activities it has, and its latest activity."""
    identities = dict(
        Identity.objects.order_by()
        .values("source_id")
        .annotate(n=Count("id"))
        .values_list("source_id", "n")
    )
    activities: dict[int, dict[str, Any]] = {
        row["source_id"]: dict(row)
        for row in Activity.objects.order_by()
        .values("source_id")
        .annotate(n=Count("id"), last=Max("occurred_at"))
    }
    return {
        "items": [
            {
                "slug": source.slug,
                "name": source.name,
                "connector": source.connector,
                "created_at": source.created_at,
                "identity_count": identities.get(source.pk, 0),
                "activity_count": activities.get(source.pk, {}).get("n", 0),
                "last_activity_at": activities.get(source.pk, {}).get("last"),
            }
            for source in Source.objects.order_by("slug")
        ]
    }
