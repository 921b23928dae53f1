"""Resolution: score candidate pairs, merge confident ones safely, queue the middle band.

Pairs are merged greedily from the most to the least confident. Two groups are joined
only if nothing keeps them apart — a not-same-person decision, or two different
accounts on one source not tied by an email — checked between the whole groups, so no
chain of merges can join two people a rule keeps apart.

Merging pools evidence (a group has all its members' emails, names and handles), so
resolution runs in rounds, rebuilding the groups' profiles, until a round merges
nothing more.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field

from townhall.identity.features import BlockIndex, PairFeatures, pair_features
from townhall.identity.model import AUTO_MERGE, REVIEW, confidence
from townhall.identity.profiles import AccountFacts, Profile, build_profiles, shared_emails

MAX_ROUNDS = 4


@dataclass(frozen=True)
class ScoredPair:
    a: int
    b: int
    confidence: float
    features: PairFeatures


@dataclass(frozen=True)
class Merge:
    """Join `absorb`'s group into `keep`'s (both the groups' current leaders), because of `pair`."""

    keep: int
    absorb: int
    pair: ScoredPair


@dataclass
class Resolution:
    merges: list[Merge] = field(default_factory=list)
    suggestions: list[ScoredPair] = field(default_factory=list)
    refused: list[ScoredPair] = field(default_factory=list)
    group_of: dict[int, int] = field(default_factory=dict)
    pairs_compared: int = 0
    rounds: int = 0


def score_pairs(
    profiles: dict[int, Profile],
    *,
    involving: set[int] | None = None,
    index: BlockIndex | None = None,
) -> list[ScoredPair]:
    """Every blocked pair scoring at least the review threshold, most confident first."""
    scored = []
    index = index or BlockIndex(profiles)
    for a, b in index.pairs(involving):
        features = pair_features(profiles[a], profiles[b], index)
        p = confidence(features)
        if p >= REVIEW:
            scored.append(ScoredPair(a, b, p, features))
    scored.sort(key=lambda s: (-s.confidence, s.a, s.b))
    return scored


def _kept_apart(
    pa: Profile, pb: Profile, members: dict[int, set[int]], not_same: set[tuple[int, int]]
) -> bool:
    if not_same:
        for a in members[pa.member_id]:
            for b in members[pb.member_id]:
                if (min(a, b), max(a, b)) in not_same:
                    return True
    for source in pa.accounts.keys() & pb.accounts.keys():
        if pa.accounts[source] != pb.accounts[source] and not (
            pa.account_emails.get(source, set()) & pb.account_emails.get(source, set())
        ):
            return True
    return False


def _absorb_profile(keep: Profile, gone: Profile) -> None:
    """Pool what the rest of this round needs to check further joins."""
    for source, ids in gone.accounts.items():
        keep.accounts[source] |= ids
    for source, emails in gone.account_emails.items():
        keep.account_emails[source] |= emails


def resolve(
    accounts: list[AccountFacts],
    *,
    not_same: set[tuple[int, int]] | None = None,
    timings: dict[str, float] | None = None,
) -> Resolution:
    """Decide merges and suggestions for these accounts (nothing is written).

    `timings`, when given, receives the seconds spent building profiles, scoring pairs
    and joining groups (for `townhall bench identity`).
    """
    clock = _Clock(timings)
    not_same = not_same or set()
    leader: dict[int, int] = {a.member_id: a.member_id for a in accounts}
    members: dict[int, set[int]] = {m: {m} for m in leader}

    def find(m: int) -> int:
        while leader[m] != m:
            leader[m] = leader[leader[m]]
            m = leader[m]
        return m

    resolution = Resolution()
    with clock("profiles"):
        unusable = shared_emails(accounts)
        profiles = build_profiles(accounts, unusable=unusable)
        index = BlockIndex(profiles)
    accounts_of: dict[int, list[AccountFacts]] = {}
    for account in accounts:
        accounts_of.setdefault(account.member_id, []).append(account)
    suggestions: dict[tuple[int, int], ScoredPair] = {}
    changed: set[int] | None = None  # the first round looks at everyone
    for _ in range(MAX_ROUNDS):
        resolution.rounds += 1
        # The index counts the people holding each key: merging one person's accounts
        # makes their name and handles rarer.
        with clock("scoring"):
            scored = score_pairs(profiles, involving=changed, index=index)
        resolution.pairs_compared += len(scored)
        grown: set[int] = set()
        joining = clock("joining")
        joining.__enter__()
        for pair in scored:
            ra, rb = find(pair.a), find(pair.b)
            if ra == rb:
                continue
            if _kept_apart(profiles[ra], profiles[rb], members, not_same):
                resolution.refused.append(pair)
                continue
            if pair.confidence < AUTO_MERGE:
                suggestions[(pair.a, pair.b)] = pair
                continue
            keep, absorb = (ra, rb) if ra < rb else (rb, ra)
            leader[absorb] = keep
            members[keep] |= members.pop(absorb)
            accounts_of[keep].extend(accounts_of.pop(absorb))
            _absorb_profile(profiles[keep], profiles.pop(absorb))
            index.remove(absorb)
            grown.add(keep)
            grown.discard(absorb)
            resolution.merges.append(Merge(keep, absorb, pair))
        joining.__exit__(None, None, None)
        if not grown:
            break
        # Grown groups pool their members' evidence; only pairs touching them can change.
        with clock("profiles"):
            for group in grown:
                regrouped = [dataclasses.replace(a, member_id=group) for a in accounts_of[group]]
                profiles[group] = build_profiles(regrouped, unusable=unusable)[group]
                index.remove(group)
                index.add(group, profiles[group])
        changed = grown
    resolution.group_of = {m: find(m) for m in leader}
    # A suggestion between members that ended up together needs no review.
    best: dict[tuple[int, int], ScoredPair] = {}
    for pair in suggestions.values():
        key = tuple(sorted((find(pair.a), find(pair.b))))
        if key[0] != key[1] and (key not in best or pair.confidence > best[key].confidence):
            best[key] = pair  # type: ignore[index]
    resolution.suggestions = sorted(best.values(), key=lambda s: -s.confidence)
    return resolution


class _Clock:
    """Adds the seconds spent in `with clock(stage):` blocks to a timings dict (if any)."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.stage = ""
        self.started = 0.0

    def __call__(self, stage: str) -> _Clock:
        self.stage = stage
        return self

    def __enter__(self) -> None:
        self.started = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        if self.timings is not None:
            self.timings[self.stage] = (
                self.timings.get(self.stage, 0.0) + time.perf_counter() - self.started
            )
