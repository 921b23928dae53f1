"""Community content follows merges of people (core's `merge_members`, identity
resolution's bulk merges) and goes back on `unmerge`.

Core moves identities and activities and calls the hooks registered here
(`core.services.merge_hooks`) inside the merge's transaction. For each merge, in order:

- the absorbed member's topics and replies, likes, votes, article answers, "solved my
  problem too", follows, badges, MVP grants, bans and notifications (as recipient and
  as actor) are moved to the kept member, and the ids moved are kept per merge
  (`MovedRows`), so `unmerge` moves exactly those back. Where the kept member already
  has the same thing (both liked a reply, both follow a board, both hold a badge, both
  are MVPs), theirs stays and the absorbed member's row is left where it is (one person
  likes a reply once);
- the reputation ledger follows the content it was earned for: on a merge every row of
  the absorbed member goes to the kept one; on an unmerge the kept member's rows for
  content that goes back (including rows added meanwhile: a like or its reversal) go
  back with it. Both totals are summed again from the ledger;
- the pages that show the moved posts' author (their topics, and the boards listing
  them) get new cache versions, so no cached page shows the old name.

Left as they are: flags, edit histories, drafts and view counts (private records of
what each account did) and email preferences (the kept member's choice stands).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Exists, Model, OuterRef, Q, QuerySet, Sum

from townhall.community.models import (
    ArticleFeedback,
    Like,
    MovedRows,
    Notification,
    Reply,
    Subscription,
    Topic,
    Vote,
)
from townhall.community.models_moderation import Ban
from townhall.community.models_reputation import (
    MemberBadge,
    Mvp,
    ReputationAction,
    ReputationEvent,
    ReputationTotal,
)
from townhall.community.models_search import SolvedToo
from townhall.community.pagecache import content_changed
from townhall.core.services.merge_hooks import MemberMerge

CHUNK = 5000


@dataclass(frozen=True)
class _Moves:
    """A member field that follows merges; `conflicts`: groups of fields on which the
    kept member may already have a row (then the absorbed member's stays), each only
    where `when` holds."""

    model: type[Model]
    field: str
    conflicts: tuple[tuple[str, ...], ...] = ()
    when: Q | None = None


MOVES = (
    _Moves(Topic, "author"),
    _Moves(Reply, "author"),
    _Moves(Like, "member", (("topic",), ("reply",))),
    _Moves(Vote, "member", (("topic",),)),
    _Moves(ArticleFeedback, "member", (("topic",),)),
    _Moves(SolvedToo, "member", (("topic",),)),
    _Moves(Subscription, "member", (("topic",), ("board",), ("tag",))),
    _Moves(MemberBadge, "member", (("badge",),)),
    _Moves(Mvp, "member", ((),), when=Q(revoked_at__isnull=True)),
    _Moves(Ban, "member"),
    _Moves(Notification, "recipient"),
    _Moves(Notification, "actor"),
    _Moves(ReputationEvent, "actor"),
)
# Ledger actions earned by a topic's author (else: by a reply's, named in the key).
_TOPIC_ACTIONS = (
    ReputationAction.TOPIC_LIKED,
    ReputationAction.IDEA_VOTED,
    ReputationAction.IDEA_SHIPPED,
    ReputationAction.ARTICLE_HELPFUL,
)
_REPLY_ACTIONS = (ReputationAction.REPLY_LIKED, ReputationAction.SOLUTION_ACCEPTED)


def _label(model: type[Model]) -> str:
    return model._meta.label_lower


def _movable(moves: _Moves, absorbed_id: int, keep_id: int) -> QuerySet[Model]:
    rows = moves.model._default_manager.filter(**{f"{moves.field}_id": absorbed_id})
    for group in moves.conflicts:
        theirs = moves.model._default_manager.filter(
            **{f"{moves.field}_id": keep_id}, **{name: OuterRef(name) for name in group}
        )
        clash = Exists(theirs.filter(moves.when) if moves.when is not None else theirs)
        rows = rows.exclude(clash & moves.when if moves.when is not None else clash)
    return rows


def _update(model: type[Model], field: str, ids: list[int], *, to: int) -> None:
    for start in range(0, len(ids), CHUNK):
        model._default_manager.filter(pk__in=ids[start : start + CHUNK]).update(
            **{f"{field}_id": to}
        )


def _has_content(member_ids: list[int]) -> set[int]:
    """Those of `member_ids` with anything here that follows a merge (most people merged
    by identity resolution never posted: their merges cost one pass of queries)."""
    found: set[int] = set()
    for start in range(0, len(member_ids), CHUNK):
        chunk = member_ids[start : start + CHUNK]
        for moves in (*MOVES, _Moves(ReputationEvent, "member")):
            column = f"{moves.field}_id"
            found.update(
                moves.model._default_manager.filter(**{f"{column}__in": chunk})
                .values_list(column, flat=True)
                .distinct()
            )
    return found


def _totals(member_ids: Iterable[int]) -> None:
    for member_id in set(member_ids):
        points = (
            ReputationEvent.objects.filter(member_id=member_id).aggregate(total=Sum("points"))[
                "total"
            ]
            or 0
        )
        ReputationTotal.objects.update_or_create(member_id=member_id, defaults={"points": points})


def _bump_pages(topic_ids: set[int]) -> None:
    if topic_ids:
        boards = set(
            Topic.objects.filter(pk__in=sorted(topic_ids)).values_list("board_id", flat=True)
        )
        content_changed(topics=topic_ids, boards=boards)


def _topics_of(model: type[Model], ids: list[int]) -> set[int]:
    column = "pk" if model is Topic else "topic_id"
    found: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        found.update(
            model._default_manager.filter(pk__in=ids[start : start + CHUNK]).values_list(
                column, flat=True
            )
        )
    return found


def content_follows_merges(merges: list[MemberMerge]) -> None:
    """Move each absorbed member's community content to the member kept (see module)."""
    owners = _has_content(sorted({m.absorbed_id for m in merges}))
    for merge in merges:
        if merge.absorbed_id not in owners:
            continue
        owners.add(merge.keep_id)  # a later merge in the batch may absorb them in turn
        shown: set[int] = set()
        for moves in MOVES:
            ids = list(
                _movable(moves, merge.absorbed_id, merge.keep_id).values_list("pk", flat=True)
            )
            if not ids:
                continue
            _update(moves.model, moves.field, ids, to=merge.keep_id)
            MovedRows.objects.create(
                merge_id=merge.record_id, model=_label(moves.model), field=moves.field, row_ids=ids
            )
            if moves.model in (Topic, Reply):
                shown |= _topics_of(moves.model, ids)
        ReputationEvent.objects.filter(member_id=merge.absorbed_id).update(member_id=merge.keep_id)
        _totals([merge.keep_id, merge.absorbed_id])
        _bump_pages(shown)


def content_follows_unmerges(merges: list[MemberMerge]) -> None:
    """Move back what each merge moved (see module)."""
    models = {_label(moves.model): moves.model for moves in MOVES}
    for merge in merges:
        shown: set[int] = set()
        moved = list(MovedRows.objects.filter(merge_id=merge.record_id))
        for rows in moved:
            model = models[rows.model]
            for start in range(0, len(rows.row_ids), CHUNK):
                model._default_manager.filter(
                    pk__in=rows.row_ids[start : start + CHUNK],
                    **{f"{rows.field}_id": merge.keep_id},
                ).update(**{f"{rows.field}_id": merge.absorbed_id})
            if model in (Topic, Reply):
                shown |= _topics_of(model, rows.row_ids)
        _ledger_back(merge)
        MovedRows.objects.filter(merge_id=merge.record_id).delete()
        _totals([merge.keep_id, merge.absorbed_id])
        _bump_pages(shown)


def _ledger_back(merge: MemberMerge) -> None:
    """The kept member's ledger rows for content the absorbed member owns again."""
    topics = Topic.objects.filter(author_id=merge.absorbed_id).values("pk")
    ReputationEvent.objects.filter(
        member_id=merge.keep_id, action__in=_TOPIC_ACTIONS, topic_id__in=topics
    ).update(member_id=merge.absorbed_id)
    replies = set(Reply.objects.filter(author_id=merge.absorbed_id).values_list("pk", flat=True))
    if not replies:
        return
    back = [
        pk
        for pk, key in ReputationEvent.objects.filter(
            member_id=merge.keep_id,
            action__in=_REPLY_ACTIONS,
            topic_id__in=Reply.objects.filter(author_id=merge.absorbed_id).values("topic_id"),
        ).values_list("pk", "key")
        # "like:reply:<reply>:<liker>", "solution:<topic>:<reply>"
        if _reply_in_key(key) in replies
    ]
    _update(ReputationEvent, "member", back, to=merge.absorbed_id)


def _reply_in_key(key: str) -> int | None:
    parts = key.split(":")
    if parts[0] == "like" and len(parts) == 4 and parts[2].isdigit():
        return int(parts[2])
    if parts[0] == "solution" and len(parts) == 3 and parts[2].isdigit():
        return int(parts[2])
    return None


def follow_earlier_merges() -> int:
    """Move the content of members merged before this hook existed (merges still in
    force, oldest first, that moved nothing here yet); returns how many merges moved
    some. Safe to repeat: a merge that moved rows is on record and skipped."""
    from django.db import transaction

    from townhall.core.models import MergeRecord

    done = set(MovedRows.objects.values_list("merge_id", flat=True).distinct())
    pending = [
        MemberMerge(pk, keep_id, absorbed_id)
        for pk, keep_id, absorbed_id in MergeRecord.objects.filter(undone_at__isnull=True)
        .order_by("created_at", "id")
        .values_list("pk", "keep_id", "absorbed_id")
        if pk not in done
    ]
    with transaction.atomic():
        content_follows_merges(pending)
    return len(set(MovedRows.objects.values_list("merge_id", flat=True).distinct()) - done)


def register() -> None:
    """Called by the app's ready()."""
    from townhall.core.services.merge_hooks import register_merge_hooks

    register_merge_hooks(merged=content_follows_merges, unmerged=content_follows_unmerges)
