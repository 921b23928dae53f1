"""Identity verbs: resolve everyone, decide suggestions, mark employees.

Resolution reads every active member's identities, decides (see resolve.py), then
applies confident merges through `core.services.merge_members` — each one audited
and reversible — and queues the middle band as MergeSuggestions for review.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from townhall.core.models import Activity, Identity, Member, NotSamePerson, Role
from townhall.core.services import (
    PlannedMerge,
    mark_not_same_person,
    merge_members,
    merge_members_bulk,
)
from townhall.identity.models import MergeSuggestion
from townhall.identity.profiles import AccountFacts
from townhall.identity.resolve import Resolution, resolve

RESOLVER = "identity resolution"
DAY = 86400.0


@dataclass
class ResolveSummary:
    members: int = 0
    pairs_compared: int = 0
    merges: list[tuple[int, int, float, list[str]]] = field(default_factory=list)
    suggestions: int = 0
    refused: int = 0
    employees_marked: int = 0


def load_accounts() -> list[AccountFacts]:
    """Every identity of an active member, with its first and last activity."""
    spans = {
        row["identity_id"]: (row["first"], row["last"])
        for row in Activity.objects.values("identity_id").annotate(
            first=Min("occurred_at"), last=Max("occurred_at")
        )
    }
    accounts = []
    rows = Identity.objects.filter(member__merged_into__isnull=True, is_bot=False).values_list(
        "id",
        "member_id",
        "source__slug",
        "external_id",
        "username",
        "email",
        "name",
        "timezone",
        "url",
        "links",
    )
    for (
        identity_id,
        member_id,
        source,
        external_id,
        username,
        email,
        name,
        zone,
        url,
        links,
    ) in rows.iterator(chunk_size=5000):
        first, last = spans.get(identity_id, (None, None))
        accounts.append(
            AccountFacts(
                member_id=member_id,
                source=source,
                external_id=external_id,
                username=username,
                email=email,
                name=name,
                first_seen=first.timestamp() / DAY if first else 0.0,
                last_seen=last.timestamp() / DAY if last else 0.0,
                timezone=zone,
                url=url,
                links=tuple(links) if links else (),
            )
        )
    return accounts


def _active_root(member_id: int, merged_into: dict[int, int]) -> int:
    while member_id in merged_into:
        member_id = merged_into[member_id]
    return member_id


def load_not_same() -> set[tuple[int, int]]:
    """Not-same-person decisions between today's active members (following merges)."""
    merged_into = dict(
        Member.objects.filter(merged_into__isnull=False).values_list("id", "merged_into_id")
    )
    pairs = set()
    for low, high in NotSamePerson.objects.values_list("member_low_id", "member_high_id"):
        a, b = _active_root(low, merged_into), _active_root(high, merged_into)
        pairs.add((min(a, b), max(a, b)))
    return pairs


def resolve_identities(*, dry_run: bool = False) -> tuple[ResolveSummary, Resolution]:
    """Find who is who across sources; merge the confident, queue the uncertain."""
    accounts = load_accounts()
    resolution = resolve(accounts, not_same=load_not_same())
    summary = ResolveSummary(
        members=len({a.member_id for a in accounts}),
        pairs_compared=resolution.pairs_compared,
        refused=len(resolution.refused),
    )
    for merge in resolution.merges:
        summary.merges.append(
            (merge.keep, merge.absorb, merge.pair.confidence, merge.pair.features.describe())
        )
    summary.suggestions = len(resolution.suggestions)
    if dry_run:
        return summary, resolution
    merge_members_bulk(
        [
            PlannedMerge(
                merge.keep,
                merge.absorb,
                f"automatic ({merge.pair.confidence:.1%}): {', '.join(merge.pair.features.describe())}",
            )
            for merge in resolution.merges
        ],
        by=RESOLVER,
    )
    _queue_suggestions(resolution)
    summary.employees_marked = mark_employees()
    return summary, resolution


def _queue_suggestions(resolution: Resolution) -> None:
    group_of = resolution.group_of
    existing = set(MergeSuggestion.objects.values_list("member_low_id", "member_high_id"))
    new = []
    for pair in resolution.suggestions:
        a, b = sorted((group_of[pair.a], group_of[pair.b]))
        if a == b or (a, b) in existing:
            continue
        existing.add((a, b))
        new.append(
            MergeSuggestion(
                member_low_id=a,
                member_high_id=b,
                confidence=round(pair.confidence, 4),
                evidence=pair.features.describe(),
                features=asdict(pair.features),
            )
        )
    MergeSuggestion.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    # Suggestions whose members were merged away meanwhile no longer need a decision.
    MergeSuggestion.objects.filter(status=MergeSuggestion.Status.PENDING).filter(
        member_low__merged_into__isnull=False
    ).update(status=MergeSuggestion.Status.STALE)
    MergeSuggestion.objects.filter(status=MergeSuggestion.Status.PENDING).filter(
        member_high__merged_into__isnull=False
    ).update(status=MergeSuggestion.Status.STALE)


def can_review(member: Member | None) -> bool:
    """Community managers, admins and site superusers decide who is who."""
    if member is None:
        return False
    return member.has_role(Role.COMMUNITY_MANAGER) or bool(member.user and member.user.is_superuser)


def _check_reviewer(by: Member) -> None:
    if not can_review(by):
        raise PermissionDenied("only community managers and admins decide who is who")


@transaction.atomic
def accept_suggestion(suggestion: MergeSuggestion, *, by: Member) -> None:
    """A reviewer says the two are one person: merge them (reversibly)."""
    _check_reviewer(by)
    merge_members(
        suggestion.member_low,
        suggestion.member_high,
        reason=f"reviewed ({suggestion.confidence:.0%}): {', '.join(suggestion.evidence)}",
        by=f"{by} (member {by.pk})",
    )
    _decide(suggestion, MergeSuggestion.Status.MERGED, by)


@transaction.atomic
def reject_suggestion(suggestion: MergeSuggestion, *, by: Member) -> None:
    """A reviewer says they are different people: never suggest or merge them again."""
    _check_reviewer(by)
    mark_not_same_person(
        suggestion.member_low,
        suggestion.member_high,
        by=f"{by} (member {by.pk})",
        reason="review queue",
    )
    _decide(suggestion, MergeSuggestion.Status.REJECTED, by)


def _decide(suggestion: MergeSuggestion, status: str, by: Member) -> None:
    suggestion.status = status
    suggestion.decided_at = timezone.now()
    suggestion.decided_by = f"{by} (member {by.pk})"
    suggestion.save(update_fields=["status", "decided_at", "decided_by"])


def mark_employees(domains: list[str] | None = None, emails: list[str] | None = None) -> int:
    """Mark members with an email at the company's domains (or on a list) as employees."""
    domains = [d.lower() for d in (settings.EMPLOYEE_DOMAINS if domains is None else domains)]
    emails = [e.lower() for e in (emails or [])]
    if not domains and not emails:
        return 0
    member_ids: set[int] = set()
    for domain in domains:
        member_ids |= set(
            Identity.objects.filter(email__iendswith=f"@{domain}").values_list(
                "member_id", flat=True
            )
        )
    if emails:
        member_ids |= set(
            Identity.objects.filter(email__in=emails).values_list("member_id", flat=True)
        )
    return Member.objects.filter(pk__in=member_ids, is_employee=False).update(is_employee=True)
