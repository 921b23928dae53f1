"""Blocking keys and pair features: which members to compare, and what their comparison shows.

Blocking keeps resolution near-linear: two members are compared only when they share
a key (an email, a username or a handle their name suggests, a full name, a surname
with an initial, a profile one of them links or both link). Keys shared by too many
members (a very common name) are left out of blocking (see MAX_BLOCK), except exact
emails.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from rapidfuzz import fuzz

from townhall.identity.profiles import Profile

# Largest block compared, by kind of key: a handle or a full name shared by more than
# this many members is too common to tell anyone apart, and comparing every pair in
# it would make resolution quadratic. Exact emails are always compared.
MAX_BLOCK = {"h": 20, "n": 100, "s": 30, "l": 20}


def blocking_keys(profile: Profile) -> set[str]:
    keys = {f"e:{email}" for email in profile.emails}
    if profile.links or profile.own_keys:
        keys |= {f"l:{key}" for key in profile.links | profile.own_keys}
    keys |= {
        f"h:{u}" for u in profile.usernames | profile.local_parts | profile.handles | profile.stems
    }
    for tokens in profile.multi_token_names:
        keys.add("n:" + " ".join(tokens))
        for token in tokens:
            if len(token) >= 3:
                for other in tokens:
                    if other is not token:
                        keys.add(f"s:{token}|{other[0]}")
    return keys


class BlockIndex:
    """Blocking keys → members, kept up to date as groups merge.

    A pair is a candidate when both members hold the same key ("d:" handles a name
    suggests meet "h:" real usernames instead). Blocks larger than MAX_BLOCK for their
    kind are not compared. After a round, only the grown groups are re-indexed and
    only pairs touching them are produced again.
    """

    def __init__(self, profiles: dict[int, Profile]) -> None:
        self.keys_of: dict[int, set[str]] = {}
        self.sources_of: dict[int, tuple[str, ...]] = {}
        self.members: dict[str, set[int]] = defaultdict(set)
        self._people: dict[str, int] = {}
        for member_id, profile in profiles.items():
            self.add(member_id, profile)

    def add(self, member_id: int, profile: Profile) -> None:
        keys = blocking_keys(profile)
        self.keys_of[member_id] = keys
        self.sources_of[member_id] = tuple(profile.accounts)
        for key in keys:
            self.members[key].add(member_id)
            self._people.pop(key, None)

    def remove(self, member_id: int) -> None:
        self.sources_of.pop(member_id, None)
        for key in self.keys_of.pop(member_id, set()):
            self.members[key].discard(member_id)
            self._people.pop(key, None)

    def holders(self, key: str) -> int:
        """How many members (groups, after merges) hold `key`."""
        return len(self.members.get(key, ()))

    def people(self, key: str) -> int:
        """At least how many different people hold `key`: its most holders on any one source.

        Counting holders would count one person's five accounts as five; two accounts on
        the same source, though, are (almost always) two people. So "fatimanovak" held by
        two Slack members is ambiguous, and held once each on Slack, GitHub and the forum
        is not.
        """
        count = self._people.get(key)
        if count is None:
            per_source: dict[str, int] = defaultdict(int)
            for member_id in self.members.get(key, ()):
                for source in self.sources_of[member_id]:
                    per_source[source] += 1
            count = self._people[key] = max(per_source.values(), default=0)
        return count

    def _partners(self, key: str) -> set[int]:
        """Who a holder of `key` is compared with (empty when the block is too big)."""
        kind, value = key[0], key[2:]
        if kind == "d":
            holders = self.members.get("h:" + value, set())
            return holders if len(holders) <= MAX_BLOCK["h"] else set()
        block = self.members.get(key, set())
        if len(block) > MAX_BLOCK.get(kind, len(block)):
            return set()
        if kind == "h":
            suggested = self.members.get("d:" + value, set())
            if len(suggested) <= MAX_BLOCK["h"]:
                return block | suggested
        return block

    def pairs(self, involving: set[int] | None = None) -> Iterator[tuple[int, int]]:
        """Candidate pairs (low id first), each once; only those touching `involving` if given."""
        seen: set[tuple[int, int]] = set()
        sources = (
            self.keys_of
            if involving is None
            else {m: self.keys_of[m] for m in involving if m in self.keys_of}
        )
        for member_id, keys in sources.items():
            for key in keys:
                for other in self._partners(key):
                    if other == member_id:
                        continue
                    pair = (member_id, other) if member_id < other else (other, member_id)
                    if pair not in seen:
                        seen.add(pair)
                        yield pair


def candidate_pairs(profiles: dict[int, Profile]) -> Iterator[tuple[int, int]]:
    """Pairs of member ids that share a blocking key, each pair once."""
    return BlockIndex(profiles).pairs()


@dataclass(frozen=True)
class PairFeatures:
    email: float
    username: float
    username_length: float
    handle: float
    local_part: float
    name_similarity: float
    name_exact: float
    name_initials: float
    lone_first_name: float
    name_commonness: float
    same_domain: float
    source_conflict: float
    handle_stem: float
    activity_overlap: float
    # Not in the fitted model (vector below): rules in model.confidence.
    timezone_conflict: float = 0.0
    #: One account links the other's profile, or both link the same one (links.py):
    #: deterministic, like an email. `link_name_conflict`: a link does, but the names
    #: clearly differ (a link to someone else's profile), so it only earns a review.
    profile_link: float = 0.0
    link_name_conflict: float = 0.0
    #: At least how many different people carry the shared name / identifier (log).
    name_clash: float = 0.0
    identifier_clash: float = 0.0

    def vector(self) -> list[float]:
        return [
            self.email,
            self.username,
            self.username_length,
            self.handle,
            self.local_part,
            self.name_similarity,
            self.name_exact,
            self.name_initials,
            self.lone_first_name,
            self.name_commonness,
            self.same_domain,
            self.source_conflict,
            self.handle_stem,
            self.activity_overlap,
        ]

    @property
    def strong_identifier(self) -> bool:
        """Evidence beyond names: an email, a username, or a handle."""
        return bool(
            self.email or self.username or self.handle or self.local_part or self.profile_link
        )

    def describe(self) -> list[str]:
        parts = []
        if self.email:
            parts.append("same email")
        if self.profile_link:
            parts.append("a profile links the other's, or both link the same")
        if self.link_name_conflict:
            parts.append("a profile links the other's, but the names differ")
        if self.username:
            parts.append("same username on different sources")
        if self.handle:
            parts.append("a username matches the other's name")
        if self.local_part:
            parts.append("same email name at different domains")
        if self.name_exact:
            parts.append("same full name")
        elif self.name_initials:
            parts.append("name matches with initials")
        elif self.name_similarity >= 0.85:
            parts.append(f"similar names ({self.name_similarity:.0%})")
        if self.same_domain:
            parts.append("same company domain")
        if self.handle_stem:
            parts.append("usernames share a stem")
        if self.activity_overlap >= 0.5:
            parts.append("active at the same time")
        if self.source_conflict:
            parts.append("different accounts on the same source")
        if self.timezone_conflict:
            parts.append("time zones hours apart")
        if self.lone_first_name:
            parts.append("only a first name")
        return parts


def _initials_match(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """'m garcia' vs 'garcia maria': every token of the shorter name is a token or an initial of the other."""
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if len(short) < 2:
        return False
    remaining = list(long)
    for token in short:
        match = next(
            (t for t in remaining if t == token or (len(token) == 1 and t.startswith(token))), None
        )
        if match is None:
            return False
        remaining.remove(match)
    return any(len(t) > 1 for t in short)


def pair_features(a: Profile, b: Profile, index: BlockIndex) -> PairFeatures:
    """What comparing two members' profiles shows; `index` says how common shared keys are."""
    email = 1.0 if a.emails & b.emails else 0.0
    # A username equal to the other's username or email name ("tariqnielson" and
    # tariqnielson@proton.me) is the same kind of evidence.
    shared_usernames = (a.usernames & (b.usernames | b.local_parts)) | (b.usernames & a.local_parts)
    username = 1.0 if shared_usernames else 0.0
    # A long or numbered handle ("maria_sousa47") is far more telling than "anna".
    username_length = min(max((len(u) for u in shared_usernames), default=0) / 10, 1.5)
    handle = (
        1.0
        if (a.usernames | a.local_parts) & b.handles or (b.usernames | b.local_parts) & a.handles
        else 0.0
    )
    local_part = 1.0 if a.local_parts & b.local_parts and not email else 0.0
    similarity, exact, initials, lone = 0.0, 0.0, 0.0, 0.0
    for name_a in a.names:
        for name_b in b.names:
            if len(name_a) == 1 or len(name_b) == 1:
                if name_a == name_b or name_a[0] in name_b or name_b[0] in name_a:
                    lone = 1.0
                continue
            score = fuzz.token_sort_ratio(" ".join(name_a), " ".join(name_b)) / 100
            if score > similarity:
                similarity = score
            if name_a == name_b:
                exact = 1.0
            elif _initials_match(name_a, name_b):
                initials = 1.0
    # How common what the two share is: an identifier or a name that several people
    # carry ("fatimanovak" for two Fatima Nováks) tells them apart from no one. Holders
    # over-count (one person's five accounts, before they merge); holders on one source
    # under-count (two namesakes on different sources) — the model weighs both.
    shared = index.keys_of.get(a.member_id, set()) & index.keys_of.get(b.member_id, set())
    best: dict[str, tuple[int, int]] = {}
    for key in shared:
        kind = key[0]
        if kind == "e":
            continue
        counts = (index.holders(key), index.people(key))
        if kind not in best or counts < best[kind]:
            best[kind] = counts
    no_counts = (1, 1)
    if exact:
        name_counts = best.get("n", no_counts)
    elif initials:
        name_counts = best.get("s", no_counts)
    else:
        name_counts = no_counts
    id_counts = best.get("h", no_counts) if (username or handle or local_part) else no_counts
    shared_sources = a.accounts.keys() & b.accounts.keys()
    conflict = 0.0
    for source in shared_sources:
        # Two different accounts on one source usually mean two people — unless an email ties them.
        if a.accounts[source] != b.accounts[source] and not (
            a.account_emails[source] & b.account_emails[source]
        ):
            conflict = 1.0
    link, link_conflict = _profile_link(a, b, index, similarity)
    return PairFeatures(
        profile_link=link,
        link_name_conflict=link_conflict,
        email=email,
        username=username,
        username_length=username_length,
        handle=handle,
        local_part=local_part,
        name_similarity=similarity,
        name_exact=exact,
        name_initials=initials,
        lone_first_name=lone if not similarity else 0.0,
        name_commonness=math.log(name_counts[0]) if exact else 0.0,
        name_clash=math.log(max(name_counts[1], 1)),
        identifier_clash=math.log(max(id_counts[1], 1)),
        same_domain=1.0 if a.domains & b.domains else 0.0,
        source_conflict=conflict,
        handle_stem=1.0 if a.stems & b.stems and not username else 0.0,
        activity_overlap=_overlap(a, b),
        timezone_conflict=_timezone_conflict(a, b),
    )


# Full names less alike than this (token sort ratio) are two people's, whatever links.
LINK_NAME_SIMILARITY = 0.6


def _profile_link(
    a: Profile, b: Profile, index: BlockIndex, similarity: float
) -> tuple[float, float]:
    """(profile_link, link_name_conflict) for a pair; (0, 0) when no usable link ties them.

    A names B's account (A's links meet B's own keys, or the reverse), both link the same
    profile, or both are the same profile seen through two sources. A link that two
    accounts on one source hold (two people's profiles link one company page) ties no
    one. Names that clearly differ, on both sides full names, make it a case for review.
    """
    if not (a.links or b.links or (a.own_keys and b.own_keys)):
        return 0.0, 0.0
    shared = (a.links & (b.own_keys | b.links)) | (b.links & a.own_keys) | (a.own_keys & b.own_keys)
    if not shared or all(index.people(f"l:{key}") > 1 for key in shared):
        return 0.0, 0.0
    if a.multi_token_names and b.multi_token_names and similarity < LINK_NAME_SIMILARITY:
        return 0.0, 1.0
    return 1.0, 0.0


# Stated time zones this many hours apart (or more) say two places, not one person who
# travels or rounds their zone: a neighbouring zone, or half-hour zones, are not a conflict.
TIMEZONE_GAP_HOURS = 3.0


def _timezone_conflict(a: Profile, b: Profile) -> float:
    """1 when both state time zones and every pair of them is far apart."""
    if not (a.utc_offsets and b.utc_offsets):
        return 0.0
    closest = min(abs(x - y) for x in a.utc_offsets for y in b.utc_offsets)
    closest = min(closest, 24 - closest)  # UTC+12 and UTC-11 are neighbours
    return 1.0 if closest >= TIMEZONE_GAP_HOURS else 0.0


def _overlap(a: Profile, b: Profile) -> float:
    """How much two members' active periods overlap (1 = the shorter lies inside the longer)."""
    if not (a.first_seen and b.first_seen):
        return 0.0
    slack = 30.0
    shared = min(a.last_seen, b.last_seen) - max(a.first_seen, b.first_seen) + slack
    shortest = min(a.last_seen - a.first_seen, b.last_seen - b.first_seen) + slack
    return max(0.0, min(1.0, shared / shortest))
