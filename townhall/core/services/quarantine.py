"""Quarantine for importers outside `ingest()` (CRM exports…): one row per bad record."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from townhall.core.models import ImportRun, QuarantinedRecord


def quarantine(
    rejected: Iterable[tuple[str, str, str]],
    *,
    origin: str,
    source_slug: str,
    run: ImportRun | None = None,
) -> int:
    """Store (position, reason, raw) records; returns how many were new.

    The fingerprint (origin, position, raw) keeps a re-run from quarantining the same
    bad record twice, as `ingest()` does.
    """
    rows = [
        QuarantinedRecord(
            origin=origin[:1000],
            position=position[:64],
            source_slug=source_slug[:64],
            reason=reason,
            raw=raw,
            fingerprint=hashlib.sha256(f"{origin}\0{position}\0{raw}".encode()).hexdigest(),
            import_run=run,
        )
        for position, reason, raw in rejected
    ]
    before = QuarantinedRecord.objects.filter(fingerprint__in=[r.fingerprint for r in rows]).count()
    QuarantinedRecord.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows) - before
