"""Profiles: what identity resolution knows of each member, gathered from their identities.

A profile holds the normalised identifiers of all of a member's accounts. Emails
that are placeholders (root@localhost, noreply@…) or shared by clearly different
people (a team's support@ address) are kept aside and never used as evidence; so are
profile links that clearly different people state (a company blog, a company's X
account: see links.py).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rapidfuzz import fuzz

from townhall.core.services.ingest import FREEMAIL_DOMAINS
from townhall.identity.links import link_keys, own_key
from townhall.identity.normalize import (
    github_noreply_login,
    handles_for,
    is_placeholder_email,
    is_placeholder_name,
    name_tokens,
    normalize_email,
    normalize_username,
    ordered_name_tokens,
)

MIN_USERNAME = 4
# Sources whose accounts other profiles name by username (links.own_key).
OWN_KEY_SOURCES = frozenset({"x", "twitter", "github"})


@dataclass(frozen=True)
class AccountFacts:
    """One identity, as resolution sees it."""

    member_id: int
    source: str
    external_id: str
    username: str = ""
    email: str = ""
    name: str = ""
    #: First and last activity of the account, in days since the epoch (0 when unknown).
    first_seen: float = 0.0
    last_seen: float = 0.0
    #: As the source states it (an IANA name or a UTC offset); "" when unknown.
    timezone: str = ""
    #: The account's own profile url, and the other profiles it links (as stated).
    url: str = ""
    links: tuple[str, ...] = ()


@dataclass
class Profile:
    member_id: int
    accounts: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    emails: set[str] = field(default_factory=set)
    account_emails: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    names: set[tuple[str, ...]] = field(default_factory=set)
    full_names: set[str] = field(default_factory=set)
    usernames: set[str] = field(default_factory=set)
    local_parts: set[str] = field(default_factory=set)
    handles: set[str] = field(default_factory=set)
    domains: set[str] = field(default_factory=set)
    stems: set[str] = field(default_factory=set)
    #: UTC offsets (hours, standard time) of the time zones the accounts state.
    utc_offsets: set[float] = field(default_factory=set)
    #: Profile keys (links.py) of the accounts themselves, and of the profiles they link.
    own_keys: set[str] = field(default_factory=set)
    links: set[str] = field(default_factory=set)
    first_seen: float = 0.0
    last_seen: float = 0.0

    @property
    def multi_token_names(self) -> list[tuple[str, ...]]:
        return [n for n in self.names if len(n) >= 2]


_OFFSET_RE = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$")
# A fixed day in January: the standard (winter, northern) offset, so summer time on one
# account and winter time on another never look like two places.
_REFERENCE = datetime(2025, 1, 15, 12, tzinfo=UTC)


@lru_cache(maxsize=1024)
def utc_offset(zone: str) -> float | None:
    """Hours from UTC of a stated time zone ("Europe/Berlin", "+05:30", "UTC-3"), or None."""
    zone = (zone or "").strip()
    if not zone:
        return None
    match = _OFFSET_RE.match(zone)
    if match:
        sign, hours, minutes = match.groups()
        value = int(hours) + int(minutes or 0) / 60
        return -value if sign == "-" else value
    if zone.upper() in ("UTC", "GMT", "Z"):
        return 0.0
    try:
        delta = _REFERENCE.astimezone(ZoneInfo(zone)).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return delta.total_seconds() / 3600 if delta is not None else None


def shared_emails(accounts: Iterable[AccountFacts]) -> set[str]:
    """Addresses used by clearly different people: two accounts on them with unrelated full names.

    Profile links count the same way: a link (its key, links.py) that accounts with
    unrelated full names state — a company blog on every employee's profile — is
    returned too, and so never used as evidence.
    """
    names_by_email: dict[str, set[str]] = defaultdict(set)
    for account in accounts:
        email = normalize_email(account.email)
        if (email or account.links) and account.name and not is_placeholder_name(account.name):
            tokens = name_tokens(account.name)
            if len(tokens) >= 2:
                full_name = " ".join(tokens)
                if email:
                    names_by_email[email].add(full_name)
                for key in link_keys(account.links):
                    names_by_email[key].add(full_name)
    shared = set()
    for email, names in names_by_email.items():
        if len(names) < 2:
            continue
        ordered = sorted(names)
        if any(
            fuzz.token_sort_ratio(a, b) < 60
            for i, a in enumerate(ordered)
            for b in ordered[i + 1 :]
        ):
            shared.add(email)
    return shared


def build_profiles(
    accounts: list[AccountFacts], *, unusable: set[str] | None = None
) -> dict[int, Profile]:
    """Profiles by member id from their accounts (`unusable`: shared emails, found if not given)."""
    unusable = shared_emails(accounts) if unusable is None else unusable
    profiles: dict[int, Profile] = {}
    for account in accounts:
        profile = profiles.get(account.member_id)
        if profile is None:
            profile = profiles[account.member_id] = Profile(account.member_id)
        profile.accounts[account.source].add(account.external_id)
        if account.url or account.links:
            key = own_key(account.source, account.username, account.url)
            if key:
                profile.own_keys.add(key)
            profile.links |= link_keys(account.links) - unusable
        elif account.username and account.source in OWN_KEY_SOURCES:
            key = own_key(account.source, account.username, "")
            if key:
                profile.own_keys.add(key)
        offset = utc_offset(account.timezone)
        if offset is not None:
            profile.utc_offsets.add(offset)
        if account.first_seen:
            profile.first_seen = min(profile.first_seen or account.first_seen, account.first_seen)
            profile.last_seen = max(profile.last_seen, account.last_seen)
        email = normalize_email(account.email)
        if email:
            login = github_noreply_login(email)
            if login:
                profile.usernames.add(normalize_username(login))
            elif not is_placeholder_email(email) and email not in unusable:
                profile.emails.add(email)
                profile.account_emails[account.source].add(email)
                local, _, domain = email.rpartition("@")
                local_norm = normalize_username(local)
                if len(local_norm) >= MIN_USERNAME:
                    profile.local_parts.add(local_norm)
                if domain not in FREEMAIL_DOMAINS:
                    profile.domains.add(domain)
        if account.username:
            username = normalize_username(account.username)
            if len(username) >= MIN_USERNAME and not is_placeholder_name(account.username):
                profile.usernames.add(username)
        if account.name and not is_placeholder_name(account.name):
            tokens = name_tokens(account.name)
            if tokens:
                profile.names.add(tokens)
                profile.full_names.add(" ".join(tokens))
                profile.handles |= handles_for(tokens, ordered_name_tokens(account.name))
    for profile in profiles.values():
        profile.stems = {
            stem
            for u in profile.usernames | profile.local_parts
            if len(stem := u.rstrip("0123456789")) >= 5
        }
    return profiles
