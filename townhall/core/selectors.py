"""Read-side queries that pages and the API share: the directory, profiles, organizations.

Each function returns plain values or frozen dataclasses with everything a page shows
already loaded, so a template never triggers a query of its own (the web tests assert
query counts). Merged members are hidden everywhere: `Member.active` is the base.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, Max, Min, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone

from townhall.core.models import Activity, Identity, Member, Organization, Source

PAGE_SIZE = 50
TIMELINE_PAGE_SIZE = 25
# A merge chain longer than this is a data error, not something to follow forever.
MAX_MERGE_DEPTH = 50


# --- shared pieces ---------------------------------------------------------------------


@dataclass(frozen=True)
class MemberRow:
    """A member as a list shows it: the member (organization loaded) and its sources."""

    member: Member
    sources: list[Source]


def _identities_with_sources() -> Prefetch[Any]:
    return Prefetch(
        "identities",
        queryset=Identity.objects.select_related("source").order_by("source__slug", "id"),
    )


def _rows(members: list[Member]) -> list[MemberRow]:
    """Rows for members whose identities (with sources) were prefetched."""
    rows = []
    for member in members:
        seen: dict[int, Source] = {}
        for identity in member.identities.all():
            seen.setdefault(identity.source_id, identity.source)
        rows.append(MemberRow(member=member, sources=list(seen.values())))
    return rows


def _page_of_rows(members: QuerySet[Member], page: int | str | None) -> Page:
    """Page `page` of `members` (50 a page; out-of-range pages give the nearest one)."""
    result = Paginator(members, PAGE_SIZE).get_page(page)
    # The page keeps its numbering; its rows become MemberRows with their sources.
    result.object_list = _rows(list(result.object_list))  # type: ignore[assignment]
    return result


# --- the directory ---------------------------------------------------------------------


def search_members(
    *,
    q: str = "",
    source: str = "",
    organization_id: int | None = None,
    include_email: bool = True,
) -> QuerySet[Member]:
    """Active members matching a search, a source and an organization, ordered by name.

    `q` matches the member's name and any identity's username or name, and — when
    `include_email` — the member's or an identity's email (people who may not see
    addresses must not be able to probe for them either). A leading `@` is ignored,
    so `@alice` finds the handle `alice`.
    """
    members = Member.active.select_related("organization").prefetch_related(
        _identities_with_sources()
    )
    q = q.strip().lstrip("@").strip()
    if q:
        identity_match = Q(username__icontains=q) | Q(name__icontains=q)
        member_match = Q(display_name__icontains=q)
        if include_email:
            identity_match |= Q(email__icontains=q)
            member_match |= Q(primary_email__icontains=q)
        # EXISTS instead of a join: a member with several matching identities is one row.
        members = members.filter(
            member_match | Exists(Identity.objects.filter(identity_match, member_id=OuterRef("pk")))
        )
    if source:
        members = members.filter(
            Exists(Identity.objects.filter(member_id=OuterRef("pk"), source__slug=source))
        )
    if organization_id is not None:
        members = members.filter(organization_id=organization_id)
    return members.order_by("display_name", "id")


def member_directory(
    *,
    q: str = "",
    source: str = "",
    organization_id: int | None = None,
    include_email: bool = True,
    page: int | str | None = 1,
) -> Page:
    """One page of the member directory; its `object_list` holds `MemberRow`s."""
    members = search_members(
        q=q, source=source, organization_id=organization_id, include_email=include_email
    )
    return _page_of_rows(members, page)


def source_choices() -> list[Source]:
    """Every source, for filter menus (a community has tens of them, not thousands)."""
    return list(Source.objects.order_by("slug"))


def organization_choices(
    *, limit: int = 100, selected: int | None = None
) -> Sequence[Organization]:
    """The biggest organizations for a filter menu, plus the selected one if it is smaller."""
    organizations = list(
        Organization.objects.annotate(member_count=_member_count())
        .filter(member_count__gt=0)
        .order_by("-member_count", "name")[:limit]
    )
    if selected is not None and all(o.pk != selected for o in organizations):
        extra = (
            Organization.objects.filter(pk=selected).annotate(member_count=_member_count()).first()
        )
        if extra is not None:
            organizations.append(extra)
    return organizations


# --- a member's profile ----------------------------------------------------------------


def final_member(member: Member) -> Member:
    """The member this one ended up in after merges (itself when never merged)."""
    seen = {member.pk}
    while member.merged_into_id is not None and len(seen) < MAX_MERGE_DEPTH:
        member = Member.objects.select_related("organization").get(pk=member.merged_into_id)
        if member.pk in seen:
            break
        seen.add(member.pk)
    return member


@dataclass(frozen=True)
class SourcePresence:
    """Where a member takes part: one source, their accounts there, their activity there."""

    source: Source
    identities: list[Identity]
    activities: int
    first_at: datetime | None
    last_at: datetime | None


@dataclass(frozen=True)
class Profile:
    member: Member
    presence: list[SourcePresence]
    activities: int
    first_at: datetime | None
    last_at: datetime | None


def profile_member(member_id: int) -> Member:
    """The member behind a profile address, organization loaded; raises Member.DoesNotExist.

    It may be a merged member: callers redirect to `final_member` then.
    """
    return Member.objects.select_related("organization").get(pk=member_id)


def member_profile(member: Member) -> Profile:
    """Who a member is and where they take part: accounts per source, activity counts."""
    identities = list(
        Identity.objects.filter(member=member)
        .select_related("source")
        .order_by("source__slug", "username", "id")
    )
    stats: dict[int, dict[str, Any]] = {
        row["source_id"]: dict(row)
        for row in Activity.objects.filter(member=member)
        .values("source_id")
        .annotate(n=Count("id"), first=Min("occurred_at"), last=Max("occurred_at"))
        .order_by()
    }
    by_source: dict[int, list[Identity]] = {}
    sources: dict[int, Source] = {}
    for identity in identities:
        by_source.setdefault(identity.source_id, []).append(identity)
        sources[identity.source_id] = identity.source
    presence = [
        SourcePresence(
            source=sources[source_id],
            identities=accounts,
            activities=stats.get(source_id, {}).get("n", 0),
            first_at=stats.get(source_id, {}).get("first"),
            last_at=stats.get(source_id, {}).get("last"),
        )
        for source_id, accounts in by_source.items()
    ]
    # Busiest source first: that is where to reach the person.
    presence.sort(key=lambda p: (-p.activities, p.source.slug))
    firsts = [s["first"] for s in stats.values() if s["first"]]
    lasts = [s["last"] for s in stats.values() if s["last"]]
    return Profile(
        member=member,
        presence=presence,
        activities=sum(s["n"] for s in stats.values()),
        first_at=min(firsts) if firsts else None,
        last_at=max(lasts) if lasts else None,
    )


@dataclass(frozen=True)
class TimelinePage:
    """Activities newest first, and the cursor for the next (older) page, if any."""

    activities: list[Activity]
    next_cursor: str


def encode_cursor(activity: Activity) -> str:
    micros = int(activity.occurred_at.timestamp() * 1_000_000)
    return f"{micros}-{activity.pk}"


def decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    """`(occurred_at, id)` from a cursor, or None when it is missing or malformed."""
    try:
        micros, pk = cursor.split("-", 1)
        moment = datetime.fromtimestamp(int(micros) / 1_000_000, tz=UTC)
        return moment, int(pk)
    except (ValueError, OverflowError, OSError):
        return None


def _activities_with_context() -> QuerySet[Activity]:
    return Activity.objects.select_related("source", "kind", "identity", "target_member")


def member_timeline(
    member: Member, *, before: str = "", size: int = TIMELINE_PAGE_SIZE
) -> TimelinePage:
    """A member's activities newest first, `size` at a time, older than cursor `before`.

    Keyset paging on (occurred_at, id) uses the (member, occurred_at) index and stays
    as fast on page 1,000 as on page 1, which offset paging would not.
    """
    activities = _activities_with_context().filter(member=member)
    position = decode_cursor(before) if before else None
    if position is not None:
        moment, pk = position
        activities = activities.filter(Q(occurred_at__lt=moment) | Q(occurred_at=moment, pk__lt=pk))
    rows = list(activities.order_by("-occurred_at", "-id")[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return TimelinePage(activities=rows, next_cursor=encode_cursor(rows[-1]) if more else "")


# --- organizations ---------------------------------------------------------------------


def _member_count() -> Count:
    """Active members of an organization (merged-away rows are not people any more)."""
    return Count("members", filter=Q(members__merged_into__isnull=True))


def organization_directory(*, q: str = "", page: int | str | None = 1) -> Page:
    """One page of organizations matching `q` (name or domain), biggest first."""
    organizations = Organization.objects.annotate(member_count=_member_count())
    q = q.strip()
    if q:
        organizations = organizations.filter(Q(name__icontains=q) | Q(domain__icontains=q))
    organizations = organizations.order_by("-member_count", "name", "id")
    return Paginator(organizations, PAGE_SIZE).get_page(page)


@dataclass(frozen=True)
class OrganizationPage:
    organization: Organization
    members: Page
    recent: list[Activity]


def organization_page(
    organization_id: int, *, page: int | str | None = 1, recent: int = 20
) -> OrganizationPage:
    """An organization, a page of its active members, and its latest activities.

    Raises Organization.DoesNotExist.
    """
    organization = (
        Organization.objects.filter(pk=organization_id).annotate(member_count=_member_count()).get()
    )
    members = (
        Member.active.filter(organization=organization)
        .select_related("organization")
        .prefetch_related(_identities_with_sources())
        .order_by("display_name", "id")
    )
    latest = list(
        _activities_with_context()
        .select_related("member")
        .filter(member__organization=organization)
        .order_by("-occurred_at", "-id")[:recent]
    )
    return OrganizationPage(
        organization=organization, members=_page_of_rows(members, page), recent=latest
    )


# --- the community at a glance ---------------------------------------------------------


@dataclass(frozen=True)
class SourceCount:
    source: Source
    identities: int
    activities: int


@dataclass(frozen=True)
class DayCount:
    day: date
    activities: int


@dataclass(frozen=True)
class ActiveMember:
    member: Member
    activities: int


@dataclass(frozen=True)
class Overview:
    """The community at a glance; `days` covers the window oldest first, zeros included."""

    members: int
    identities: int
    activities: int
    organizations: int
    sources: list[SourceCount]
    days: list[DayCount]
    since: datetime
    most_active: list[ActiveMember]
    biggest_organizations: Sequence[Organization]
    latest_activity_at: datetime | None

    @property
    def activities_in_window(self) -> int:
        return sum(day.activities for day in self.days)

    @property
    def busiest_day(self) -> DayCount | None:
        busiest = max(self.days, key=lambda d: d.activities, default=None)
        return busiest if busiest and busiest.activities else None


def community_overview(
    *, window_days: int = 30, top: int = 8, now: datetime | None = None
) -> Overview:
    """Counts, sources, daily activity over the last `window_days`, top members and organizations.

    These are exact counts over the operational tables; once the analytics snapshot
    exists, the big numbers should come from it instead.
    """
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    today = timezone.localtime(now, tz).date()
    first_day = today - timedelta(days=window_days - 1)
    since = datetime.combine(first_day, datetime.min.time(), tzinfo=tz)

    activity_by_source = dict(
        Activity.objects.values("source_id").annotate(n=Count("id")).values_list("source_id", "n")
    )
    sources = [
        SourceCount(
            source=source,
            identities=source.identity_count,
            activities=activity_by_source.get(source.pk, 0),
        )
        for source in Source.objects.annotate(identity_count=Count("identities"))
    ]
    sources.sort(key=lambda s: (-s.activities, -s.identities, s.source.slug))

    per_day = dict(
        Activity.objects.filter(occurred_at__gte=since)
        .annotate(day=TruncDate("occurred_at", tzinfo=tz))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    days = []
    for offset in range(window_days):
        day = first_day + timedelta(days=offset)
        days.append(DayCount(day=day, activities=per_day.get(day, 0)))

    top_counts = list(
        Activity.objects.filter(occurred_at__gte=since)
        .values("member_id")
        .annotate(n=Count("id"))
        .order_by("-n", "member_id")
        .values_list("member_id", "n")[:top]
    )
    members = Member.objects.select_related("organization").in_bulk([m for m, _ in top_counts])
    most_active = [
        ActiveMember(member=members[member_id], activities=n)
        for member_id, n in top_counts
        if member_id in members
    ]

    biggest = list(
        Organization.objects.annotate(member_count=_member_count())
        .filter(member_count__gt=0)
        .order_by("-member_count", "name")[:top]
    )
    return Overview(
        members=Member.active.count(),
        identities=Identity.objects.count(),
        activities=sum(activity_by_source.values()),
        organizations=Organization.objects.count(),
        sources=sources,
        days=days,
        since=since,
        most_active=most_active,
        biggest_organizations=biggest,
        latest_activity_at=Activity.objects.aggregate(latest=Max("occurred_at"))["latest"],
    )
