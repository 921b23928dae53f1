"""Reading notifications."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from townhall.community.models import Notification
from townhall.community.services._common import active_member
from townhall.core.models import Member


@transaction.atomic
def mark_notifications_read(*, by: Member, ids: Iterable[int] | None = None) -> int:
    """Mark the member's own notifications read (all of them when `ids` is None)."""
    by = active_member(by)
    rows = Notification.objects.filter(recipient=by, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return rows.update(read_at=timezone.now())
