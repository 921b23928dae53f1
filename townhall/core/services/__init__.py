"""The core app's verbs. Other apps call these, never the models' save()."""

from townhall.core.services.ingest import Envelope, IngestResult, ingest
from townhall.core.services.merge import (
    MergeRefused,
    PlannedMerge,
    mark_not_same_person,
    merge_members,
    merge_members_bulk,
    unmerge,
)
from townhall.core.services.record import record_activity, rewrite_activities

__all__ = [
    "Envelope",
    "IngestResult",
    "MergeRefused",
    "PlannedMerge",
    "ingest",
    "mark_not_same_person",
    "merge_members",
    "merge_members_bulk",
    "record_activity",
    "rewrite_activities",
    "unmerge",
]
