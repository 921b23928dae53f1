"""What other apps do when people are merged or unmerged, without core importing them.

Core moves identities and activities; an app whose own rows name a Member (the
community's topics, replies, likes…) registers a hook to move them too. Hooks run inside
the merge's transaction, after core's own changes, with plain values: a failing hook
undoes the merge. Registered at start-up (an AppConfig.ready), idempotently.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class MemberMerge:
    """One merge: `absorbed_id` joined `keep_id`, on record as MergeRecord `record_id`."""

    record_id: int
    keep_id: int
    absorbed_id: int


MergeHook = Callable[[list[MemberMerge]], None]
_on_merge: list[MergeHook] = []
_on_unmerge: list[MergeHook] = []


def register_merge_hooks(*, merged: MergeHook, unmerged: MergeHook) -> None:
    """`merged(merges)` runs after merges (in the order they were made, several for a
    bulk merge), `unmerged(merges)` after a merge was undone."""
    if merged not in _on_merge:
        _on_merge.append(merged)
    if unmerged not in _on_unmerge:
        _on_unmerge.append(unmerged)


def members_merged(merges: list[MemberMerge]) -> None:
    if merges:
        for hook in _on_merge:
            hook(merges)


def members_unmerged(merges: list[MemberMerge]) -> None:
    if merges:
        for hook in _on_unmerge:
            hook(merges)
