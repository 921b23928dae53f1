"""Reading the audit log: the filters the audit page offers, applied in one place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from townhall.accounts.models import AuditEvent


@dataclass(frozen=True)
class AuditFilters:
    verb: str = ""
    target_type: str = ""
    target_id: str = ""
    actor_id: int | None = None
    since: date | None = None
    until: date | None = None

    @property
    def active(self) -> bool:
        return any(
            (self.verb, self.target_type, self.target_id, self.actor_id, self.since, self.until)
        )


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def audit_events(filters: AuditFilters) -> QuerySet[AuditEvent]:
    """Audit entries matching `filters`, newest first, with their actors."""
    events = AuditEvent.objects.select_related("actor")
    if filters.verb:
        events = events.filter(verb=filters.verb)
    if filters.target_type:
        events = events.filter(target_type=filters.target_type)
    if filters.target_id:
        events = events.filter(target_id=filters.target_id)
    if filters.actor_id:
        events = events.filter(actor_id=filters.actor_id)
    if filters.since:
        events = events.filter(created_at__gte=_start_of(filters.since))
    if filters.until:
        events = events.filter(created_at__lt=_start_of(filters.until + timedelta(days=1)))
    return events.order_by("-created_at", "-id")


def audit_choices() -> tuple[list[str], list[str]]:
    """The verbs and target types present in the log, for the filter menus."""
    verbs = sorted(set(AuditEvent.objects.values_list("verb", flat=True).distinct()))
    types = sorted(set(AuditEvent.objects.values_list("target_type", flat=True).distinct()))
    return verbs, types
