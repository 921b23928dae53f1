"""The core app's verbs. Other apps call these, never the models' save()."""

from townhall.core.services.ingest import Envelope, IngestResult, ingest
from townhall.core.services.merge import MergeRefused, mark_not_same_person, merge_members, unmerge
from townhall.core.services.record import record_activity

__all__ = [
    "Envelope",
    "IngestResult",
    "MergeRefused",
    "ingest",
    "mark_not_same_person",
    "merge_members",
    "record_activity",
    "unmerge",
]
