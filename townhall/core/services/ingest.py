"""`ingest()`: the one way records from outside enter the activity stream.

The pipeline, per batch of `INGEST_BATCH_SIZE` records (one transaction each):

1. validate every record; an invalid one is quarantined with its reason, the rest go on;
2. resolve sources and activity kinds (new ones are registered);
3. resolve identities for actors and targets in bulk, creating members and
   identities that are new (and organizations for company email domains);
4. insert activities in one statement-per-batch, ignoring `(source, external_id)`
   pairs already stored — which is what makes a re-run change nothing;
5. advance the import run's position in the same transaction, so a killed import
   resumes exactly where its last committed batch ended.

PostgreSQL loads each batch with COPY into a temporary table and one
`INSERT … SELECT … ON CONFLICT DO NOTHING`; SQLite uses `executemany` of
`INSERT … ON CONFLICT DO NOTHING` inside the batch's transaction. Imports on
PostgreSQL write behind: steps 4–5 of batch k run on a second connection while steps
1–3 of batch k+1 run here (steps 1–3 then commit on their own; see `ingest()`).

Speed (docs/benchmarks.md, `townhall bench ingest`): the per-record work is kept to
a few dict look-ups and one tuple; identity look-ups read plain rows, never model
instances; the large statements go through the DB-API cursor, because Django's
cursor wrapper in DEBUG re-quotes every parameter for its query log (on SQLite with
extra queries); SQLite gets its datetimes as text directly.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import msgspec
from django.conf import settings
from django.db import connection, connections, transaction
from django.utils import timezone

from townhall.core.models import (
    Activity,
    ActivityKind,
    Identity,
    ImportRun,
    Member,
    MergeRecord,
    Organization,
    QuarantinedRecord,
    Role,
    Source,
)
from townhall.core.records import ActivityRecord, InvalidRecord, Person, decode_json, from_mapping

# Email domains that say nothing about a person's employer.
FREEMAIL_DOMAINS = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.co.uk",
        "hotmail.com",
        "outlook.com",
        "live.com",
        "msn.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.de",
        "gmx.net",
        "web.de",
        "mail.ru",
        "yandex.ru",
        "qq.com",
        "163.com",
        "fastmail.com",
        "hey.com",
        "zoho.com",
        "users.noreply.github.com",
        "example.com",
        "example.org",
        "example.net",
        "localhost",
    ]
)

ACTIVITY_COLUMNS = (
    "source_id",
    "external_id",
    "kind_id",
    "occurred_at",
    "member_id",
    "identity_id",
    "channel",
    "title",
    "url",
    "body",
    "conversation_id",
    "parent_external_id",
    "target_identity_id",
    "target_member_id",
    "properties",
)


class Envelope(msgspec.Struct, frozen=True):
    """One input record with where it came from, before validation.

    `payload` is raw JSON (bytes/str), a mapping, or an already built ActivityRecord;
    `error` marks a record the reader already knows is bad (e.g. a CSV row with a
    value it could not parse), which is quarantined with that reason. A msgspec
    Struct rather than a frozen dataclass: readers build one per input line, and this
    is ten times cheaper to build.
    """

    position: str
    payload: bytes | str | dict[str, Any] | ActivityRecord | None
    error: str = ""
    raw: str = ""


@dataclass
class IngestResult:
    """Counts of one ingest: every record read is created, a duplicate or quarantined."""

    read: int = 0
    created: int = 0
    duplicates: int = 0
    quarantined: int = 0
    members_created: int = 0
    identities_created: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    def add(self, other: IngestResult) -> None:
        self.read += other.read
        self.created += other.created
        self.duplicates += other.duplicates
        self.quarantined += other.quarantined
        self.members_created += other.members_created
        self.identities_created += other.identities_created
        for reason, count in other.reasons.items():
            self.reasons[reason] = self.reasons.get(reason, 0) + count

    def as_dict(self) -> dict[str, int]:
        return {
            "read": self.read,
            "created": self.created,
            "duplicates": self.duplicates,
            "quarantined": self.quarantined,
            "members_created": self.members_created,
            "identities_created": self.identities_created,
        }


def ingest(
    records: Iterable[ActivityRecord | Envelope | dict[str, Any] | bytes | str],
    *,
    origin: str = "python",
    run: ImportRun | None = None,
    batch_size: int | None = None,
    on_batch: Callable[[IngestResult], None] | None = None,
) -> IngestResult:
    """Store records as activities, batched and idempotent; returns what happened to them.

    `run`, when given, has its counts and position advanced in each batch's
    transaction, so re-running the same input after a crash skips exactly the batches
    already committed. `on_batch` is called after each committed batch (progress bars).
    """
    size = batch_size or settings.INGEST_BATCH_SIZE
    total = IngestResult()
    # Positions are only turned into Envelopes for records that are rejected.
    numbered = enumerate(records, start=1)
    state = _BatchState()

    def done(result: IngestResult) -> None:
        total.add(result)
        if on_batch:
            on_batch(result)

    if not _writes_behind(run):
        while batch := list(itertools.islice(numbered, size)):
            with transaction.atomic():
                result, rows = _prepare_batch(batch, origin=origin, run=run, state=state)
                _write_batch(rows, result, run)
            done(result)
        return total

    # Write-behind on PostgreSQL: a second thread, with its own connection, inserts batch
    # k's activities (COPY, INSERT … ON CONFLICT, run position: one transaction) while
    # this one validates and resolves batch k+1, whose new members, identities and
    # quarantined records commit first, on their own. The server's work and the
    # client's overlap; a killed import still resumes from the last batch whose
    # activities committed (its people, already stored, are found again).
    writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ingest-writer")
    pending: Future[IngestResult] | None = None
    try:
        while batch := list(itertools.islice(numbered, size)):
            with transaction.atomic():
                result, rows = _prepare_batch(batch, origin=origin, run=run, state=state)
            if pending is not None:
                done(pending.result())
            pending = writer.submit(_write_batch_committed, rows, result, run)
        if pending is not None:
            done(pending.result())
    finally:
        writer.submit(connections.close_all).result()
        writer.shutdown()
    return total


def _writes_behind(run: ImportRun | None) -> bool:
    """Whether to overlap the client's work with the server's (see `ingest()`).

    Only imports (with a run) on PostgreSQL outside a transaction: the writer's own
    connection could not see rows of an enclosing transaction, and SQLite has a single
    writer anyway.
    """
    return run is not None and connection.vendor == "postgresql" and not connection.in_atomic_block


def validate(envelope: Envelope) -> ActivityRecord:
    """Turn one envelope into a valid ActivityRecord or raise InvalidRecord."""
    if envelope.error:
        raise InvalidRecord(envelope.error)
    return _validate_payload(envelope.payload)


def _validate_payload(payload: Any) -> ActivityRecord:
    if isinstance(payload, bytes | str):
        return decode_json(payload)
    if isinstance(payload, ActivityRecord):
        return payload
    if isinstance(payload, dict):
        return from_mapping(payload)
    raise InvalidRecord(f"expected a JSON object, got {type(payload).__name__}")


class _BatchState:
    """Lookups that stay valid across the batches of one ingest (slugs never change id)."""

    def __init__(self) -> None:
        self.sources: dict[str, int] = {}
        self.kinds: dict[str, int] = {}
        self.identities = _KnownIdentities()


# A stored profile as the cache of known identities keeps it: the seven profile fields
# ("" when blank; links as JSON text) and is_bot.
StoredProfile = tuple[Any, ...]


class _KnownIdentities:
    """Identities resolved in earlier batches of one ingest, so they are not looked up again.

    Most records come from people seen in earlier batches (docs/benchmarks.md). An entry
    holds the identity's id, its member's id and its profile as stored. It answers only
    for a person who has nothing to add to that profile; one who has (a field that is
    blank there, or a bot flag) is read again, fresh, and updated as without the cache.
    A merge or an unmerge moves identities to another member: `check`, at the start of
    each batch, drops every entry when the merge log changed since the last batch.
    """

    # Entries are a few hundred bytes; past this many the cache starts again empty.
    MAX_ENTRIES = 500_000

    def __init__(self) -> None:
        self.entries: dict[IdentityKey, tuple[tuple[int, int], StoredProfile]] = {}
        self.generation: tuple[Any, ...] | None = None

    def check(self) -> None:
        """Forget everything if a merge was made or undone since the last batch."""
        generation = _merge_generation()
        if generation != self.generation:
            self.entries.clear()
            self.generation = generation

    def lookup(self, people: dict[IdentityKey, Person]) -> tuple[IdentityRefs, list[IdentityKey]]:
        """Refs of the people answered from the cache, and the keys left to look up."""
        refs: IdentityRefs = {}
        unknown: list[IdentityKey] = []
        entries = self.entries
        for key, person in people.items():
            entry = entries.get(key)
            if entry is not None:
                ref, (username, email, name, url, avatar_url, zone, links, bot) = entry
                # The same test as _filled_profile's, and the bot flag's.
                if not (
                    (person.username and not username)
                    or (person.email and not email)
                    or (person.name and not name)
                    or (person.url and not url)
                    or (person.avatar_url and not avatar_url)
                    or (person.timezone and not zone)
                    or (person.links and not links)
                    or (person.is_bot and not bot)
                ):
                    refs[key] = ref
                    continue
            unknown.append(key)
        return refs, unknown

    def remember(self, key: IdentityKey, ref: tuple[int, int], profile: StoredProfile) -> None:
        if len(self.entries) >= self.MAX_ENTRIES:
            self.entries.clear()
        self.entries[key] = (ref, profile)


def _merge_generation() -> tuple[Any, ...]:
    """Changes whenever a merge is made (a new MergeRecord) or undone (`undone_at` set)."""
    with _raw_cursor() as cursor:
        cursor.execute(
            f"SELECT MAX(id), COUNT(undone_at), MAX(undone_at) FROM {MergeRecord._meta.db_table}"
        )
        return tuple(cursor.fetchone())


def _prepare_batch(
    batch: list[tuple[int, Any]], *, origin: str, run: ImportRun | None, state: _BatchState
) -> tuple[IngestResult, list[tuple[Any, ...]]]:
    """Validate, quarantine and resolve one batch; returns its counts so far and its rows.

    Runs in the caller's transaction: members, identities and quarantined records.
    """
    result = IngestResult(read=len(batch))
    valid: list[ActivityRecord] = []
    rejected: list[tuple[Envelope, str]] = []
    for index, item in batch:
        try:
            if isinstance(item, Envelope):
                valid.append(validate(item))
            else:
                valid.append(_validate_payload(item))
        except InvalidRecord as error:
            envelope = item if isinstance(item, Envelope) else Envelope(str(index), item)
            rejected.append((envelope, str(error)))

    rows: list[tuple[Any, ...]] = []
    if rejected:
        _quarantine(rejected, origin=origin, run=run)
        result.quarantined = len(rejected)
        for _, reason in rejected:
            short = reason[:160]
            result.reasons[short] = result.reasons.get(short, 0) + 1
    if valid:
        source_ids = _resolve_slugs(Source, {r.source for r in valid}, state.sources)
        kind_ids = _resolve_slugs(ActivityKind, {r.kind for r in valid}, state.kinds)
        state.identities.check()
        keys, identities, created_members, created_identities = _resolve_identities(
            valid, source_ids, state.identities
        )
        result.members_created = created_members
        result.identities_created = created_identities
        rows = _activity_rows(valid, keys, kind_ids, identities)
    return result, rows


def _write_batch(rows: list[tuple[Any, ...]], result: IngestResult, run: ImportRun | None) -> None:
    """Insert one batch's activities and advance the run, in the caller's transaction."""
    if rows:
        result.created = _insert_activities(rows)
        result.duplicates = len(rows) - result.created
    if run is not None:
        ImportRun.objects.filter(pk=run.pk).update(
            position=run.position + result.read,
            read=run.read + result.read,
            created=run.created + result.created,
            duplicates=run.duplicates + result.duplicates,
            quarantined=run.quarantined + result.quarantined,
        )
        run.position += result.read
        run.read += result.read
        run.created += result.created
        run.duplicates += result.duplicates
        run.quarantined += result.quarantined


def _write_batch_committed(
    rows: list[tuple[Any, ...]], result: IngestResult, run: ImportRun | None
) -> IngestResult:
    """`_write_batch` in a transaction of its own (on the write-behind thread)."""
    with transaction.atomic():
        _write_batch(rows, result, run)
    return result


def _quarantine(
    rejected: list[tuple[Envelope, str]], *, origin: str, run: ImportRun | None
) -> None:
    rows = []
    for envelope, reason in rejected:
        raw = envelope.raw or _raw_text(envelope.payload)
        source_slug = _source_slug_of(envelope.payload)
        fingerprint = hashlib.sha256(f"{origin}\0{envelope.position}\0{raw}".encode()).hexdigest()
        rows.append(
            QuarantinedRecord(
                origin=origin[:1000],
                position=envelope.position[:64],
                source_slug=source_slug[:64],
                reason=reason,
                raw=raw,
                fingerprint=fingerprint,
                import_run=run,
            )
        )
    # The fingerprint keeps a re-run from quarantining the same bad line twice.
    QuarantinedRecord.objects.bulk_create(rows, ignore_conflicts=True)


def _raw_text(payload: Any) -> str:
    if isinstance(payload, bytes):
        return payload.decode("utf-8", errors="replace")
    if isinstance(payload, str):
        return payload
    if payload is None:
        return ""
    try:
        return msgspec.json.encode(payload).decode()
    except (TypeError, msgspec.EncodeError):
        return repr(payload)


def _source_slug_of(payload: Any) -> str:
    if isinstance(payload, ActivityRecord):
        return payload.source
    if isinstance(payload, dict) and isinstance(payload.get("source"), str):
        return payload["source"]
    return ""


def _resolve_slugs(
    model: type[Source] | type[ActivityKind], slugs: set[str], cache: dict[str, int]
) -> dict[str, int]:
    """Ids for slugs, registering new ones (new kinds get the neutral weight 1.0)."""
    missing = slugs - cache.keys()
    if missing:
        found = dict(model.objects.filter(slug__in=missing).values_list("slug", "id"))
        new = missing - found.keys()
        if new:
            rows = [model(slug=slug, name=slug.replace("_", " ")) for slug in sorted(new)]
            model.objects.bulk_create(rows, ignore_conflicts=True)  # type: ignore[arg-type]
            found.update(model.objects.filter(slug__in=new).values_list("slug", "id"))
        cache.update(found)
    return cache


# (source id, person key) → (identity id, member id).
IdentityKey = tuple[int, str]
IdentityRefs = dict[IdentityKey, tuple[int, int]]
# Per record: its source id, its actor's key and its target's key (or None).
RecordKeys = list[tuple[int, IdentityKey, IdentityKey | None]]

_PROFILE_FIELDS = ("username", "email", "name", "url", "avatar_url", "timezone", "links")
_LOOKUP_CHUNK = 5000


def _resolve_identities(
    records: list[ActivityRecord], source_ids: dict[str, int], known: _KnownIdentities
) -> tuple[RecordKeys, IdentityRefs, int, int]:
    """Map (source_id, person key) to identity and member ids, creating what is new.

    Known identities get blank profile fields filled from the records (never
    overwritten, so re-running an import changes nothing). Returns each record's
    keys too, so they are worked out once per record. People that `known` remembers
    from earlier batches, with nothing of their profile to fill, are not looked up.
    """
    people: dict[IdentityKey, Person] = {}
    keys: RecordKeys = []
    append = keys.append
    for record in records:
        source_id = source_ids[record.source]
        actor = record.actor
        # Person.key, inlined: this loop runs for every record.
        actor_key = (
            source_id,
            actor.external_id
            or (f"email:{actor.email}" if actor.email else f"username:{actor.username}"),
        )
        if actor_key not in people:
            people[actor_key] = actor
        target = record.target
        if target is None:
            append((source_id, actor_key, None))
            continue
        target_key = (
            source_id,
            target.external_id
            or (f"email:{target.email}" if target.email else f"username:{target.username}"),
        )
        if target_key not in people:
            people[target_key] = target
        append((source_id, actor_key, target_key))

    refs, unknown = known.lookup(people)
    to_fill: list[Identity] = []
    for source_id, external_id, *row in _select_identities(
        unknown, ("id", "member_id", *_PROFILE_FIELDS, "is_bot")
    ):
        key = (source_id, external_id)
        refs[key] = (row[0], row[1])
        person = people[key]
        stored = (*(value or "" for value in row[2:-2]), _stored_links(row[-2]))
        filled = _filled_profile(stored, person)
        # A source that learns later that an account is a bot says so; never the reverse.
        bot = bool(row[-1]) or person.is_bot
        profile = filled if filled is not None else stored
        if filled is not None or bot != bool(row[-1]):
            fields = dict(zip(_PROFILE_FIELDS, profile, strict=True))
            fields["links"] = msgspec.json.decode(fields["links"]) if fields["links"] else []
            to_fill.append(Identity(pk=row[0], is_bot=bot, **fields))
        known.remember(key, refs[key], (*profile, bot))
    if to_fill:
        Identity.objects.bulk_update(to_fill, [*_PROFILE_FIELDS, "is_bot"], batch_size=1000)

    new_keys = [key for key in unknown if key not in refs]
    if not new_keys:
        _fill_organizations(people, refs)
        return keys, refs, 0, 0
    organizations = _organizations_for([people[key].email for key in new_keys])
    named = _organizations_named([people[key].organization for key in new_keys])
    now = _datetime_adapter()(timezone.now())
    member_ids = _insert_returning_ids(
        Member,
        _MEMBER_COLUMNS,
        [
            (
                people[key].display_name[:255],
                people[key].email or "",
                people[key].avatar_url or "",
                # A work email's domain says more than a self-declared company field.
                organizations.get(_domain(people[key].email))
                or named.get(organization_key(people[key].organization)),
                Role.MEMBER.value,
                False,
                people[key].is_bot,
                "{}",
                now,
            )
            for key in new_keys
        ],
    )
    # ON CONFLICT DO NOTHING: a concurrent import may have created some of these
    # meanwhile; re-read ids below and drop the members that lost the race.
    new_rows = [
        (
            key[0],
            key[1],
            member_id,
            people[key].username or "",
            people[key].email or "",
            people[key].name or "",
            people[key].url or "",
            people[key].avatar_url or "",
            people[key].timezone or "",
            _links_text(people[key].links) or "[]",
            people[key].is_bot,
            now,
        )
        for key, member_id in zip(new_keys, member_ids, strict=True)
    ]
    _insert_ignoring_conflicts(
        Identity, _IDENTITY_COLUMNS, new_rows, conflict="source_id, external_id"
    )
    ours = {row[:2]: row for row in new_rows}
    used_members: set[int] = set()
    for source_id, external_id, pk, member_id in _select_identities(new_keys, ("id", "member_id")):
        key = (source_id, external_id)
        refs[key] = (pk, member_id)
        used_members.add(member_id)
        mine = ours[key]
        if mine[2] == member_id:  # ours, so its profile is the one just written
            links = _links_text(people[key].links)
            known.remember(key, refs[key], (*mine[3:9], links, mine[10]))
    created_identities = sum(1 for pk in member_ids if pk in used_members)
    orphans = [pk for pk in member_ids if pk not in used_members]
    if orphans:
        Member.objects.filter(pk__in=orphans).delete()
    new = set(new_keys)  # (a list here made this quadratic in a batch's new people)
    _fill_organizations({key: people[key] for key in people if key not in new}, refs)
    return keys, refs, created_identities, created_identities


def _fill_organizations(people: dict[IdentityKey, Person], refs: IdentityRefs) -> None:
    """Link known members without an organization to the one their account names."""
    # Rare: only records that carry a company field get here, so a query per batch is fine.
    by_key: dict[str, set[int]] = {}
    for key, person in people.items():
        organization = organization_key(person.organization)
        if organization and key in refs:
            by_key.setdefault(organization, set()).add(refs[key][1])
    if not by_key:
        return
    named = _organizations_named(list(by_key))
    for organization, member_ids in by_key.items():
        Member.objects.filter(pk__in=member_ids, organization__isnull=True).update(
            organization_id=named[organization]
        )


def _select_identities(
    keys: list[IdentityKey], columns: tuple[str, ...]
) -> Iterator[tuple[Any, ...]]:
    """Rows (source_id, external_id, *columns) of the stored identities among `keys`."""
    by_source: dict[int, list[str]] = {}
    for source_id, key in keys:
        by_source.setdefault(source_id, []).append(key)
    with _raw_cursor() as cursor:
        if connection.vendor == "postgresql":
            # One array parameter: the statement text stays the same, so psycopg parses
            # it once (it re-parses statements longer than 4 KB every time, which a list
            # of 5,000 placeholders is) and the server plans it once.
            for source_id, external_ids in by_source.items():
                cursor.execute(
                    f"SELECT source_id, external_id, {', '.join(columns)} FROM {_IDENTITY_TABLE} "
                    "WHERE source_id = %s AND external_id = ANY(%s)",
                    [source_id, external_ids],
                )
                yield from cursor.fetchall()
            return
        for source_id, external_ids in by_source.items():
            for chunk in _chunks(external_ids, _LOOKUP_CHUNK):
                cursor.execute(
                    f"SELECT source_id, external_id, {', '.join(columns)} FROM {_IDENTITY_TABLE} "
                    f"WHERE source_id = ? AND external_id IN ({', '.join(['?'] * len(chunk))})",
                    [source_id, *chunk],
                )
                yield from cursor.fetchall()


def _filled_profile(stored: tuple[str, ...], person: Person) -> tuple[str, ...] | None:
    """The stored profile with its blanks filled from `person`, or None if nothing changes."""
    username, email, name, url, avatar_url, zone, links = stored
    # Nearly always nothing changes: test that first, without building anything.
    if not (
        (person.username and not username)
        or (person.email and not email)
        or (person.name and not name)
        or (person.url and not url)
        or (person.avatar_url and not avatar_url)
        or (person.timezone and not zone)
        or (person.links and not links)
    ):
        return None
    return (
        username or person.username or "",
        email or person.email or "",
        name or person.name or "",
        url or person.url or "",
        avatar_url or person.avatar_url or "",
        zone or person.timezone or "",
        links or _links_text(person.links),
    )


def _links_text(links: list[str] | None) -> str:
    """A person's links as the JSON text the identity row stores ('' when none)."""
    return msgspec.json.encode(links).decode() if links else ""


def _stored_links(value: Any) -> str:
    """A stored `links` column as JSON text, '' when empty (drivers give text or a list)."""
    if not value or value == "[]":
        return ""
    if isinstance(value, str):
        return value
    return msgspec.json.encode(value).decode()


def _domain(email: str | None) -> str:
    return email.rsplit("@", 1)[1] if email and "@" in email else ""


def _organizations_for(emails: list[str | None]) -> dict[str, int]:
    """Organization ids by company email domain, created for domains not seen before."""
    domains = {_domain(e) for e in emails} - FREEMAIL_DOMAINS - {""}
    if not domains:
        return {}
    found = dict(Organization.objects.filter(domain__in=domains).values_list("domain", "id"))
    new = domains - found.keys()
    if new:
        Organization.objects.bulk_create(
            [Organization(domain=d, name=_organization_name(d)) for d in sorted(new)],
            ignore_conflicts=True,
        )
        found.update(Organization.objects.filter(domain__in=new).values_list("domain", "id"))
    return found


_LEGAL_SUFFIX_RE = re.compile(
    r"[\s,]+(inc|incorporated|llc|ltd|limited|gmbh|ag|sa|sas|bv|corp|corporation|co|plc)\.?$",
    re.IGNORECASE,
)


def organization_key(name: str | None) -> str:
    """The comparable form of a company name: `@Acme, Inc.` and `acme` are one organization."""
    if not name:
        return ""
    # GitHub profiles often write the company as its GitHub handle: "@acme".
    cleaned = " ".join(name.strip().lstrip("@").split())
    cleaned = _LEGAL_SUFFIX_RE.sub("", cleaned).strip(" ,.")
    return cleaned.casefold()


def _organizations_named(names: list[str | None]) -> dict[str, int]:
    """Organization ids by `organization_key`, created for company names not seen before."""
    wanted: dict[str, str] = {}
    for name in names:
        key = organization_key(name)
        if key and key not in wanted and name:
            display = " ".join(name.strip().lstrip("@").split())
            if name.strip().startswith("@"):  # a handle ("@acme-labs") reads as "Acme Labs"
                display = display.replace("-", " ").title()
            wanted[key] = display[:255]
    if not wanted:
        return {}
    # Organizations are few (thousands); matching their names in Python keeps the rule
    # identical on SQLite and PostgreSQL.
    found: dict[str, int] = {}
    for pk, name in Organization.objects.values_list("id", "name").order_by("id"):
        key = organization_key(name)
        if key in wanted:
            found.setdefault(key, pk)
    for key in sorted(wanted.keys() - found.keys()):
        found[key] = Organization.objects.create(name=wanted[key]).pk
    return found


def _organization_name(domain: str) -> str:
    label = domain.split(".")[-2] if domain.count(".") >= 1 else domain
    return label.replace("-", " ").title()


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_properties_encoder = msgspec.json.Encoder()
_TABLE = Activity._meta.db_table
_IDENTITY_TABLE = Identity._meta.db_table
_COLUMN_LIST = ", ".join(ACTIVITY_COLUMNS)


def _activity_rows(
    records: list[ActivityRecord],
    keys: RecordKeys,
    kind_ids: dict[str, int],
    identities: IdentityRefs,
) -> list[tuple[Any, ...]]:
    """One tuple per record in ACTIVITY_COLUMNS order, with values the database takes as is."""
    to_db_datetime = _datetime_adapter()
    encode = _properties_encoder.encode
    rows = []
    for record, (source_id, actor_key, target_key) in zip(records, keys, strict=True):
        identity_id, member_id = identities[actor_key]
        target_id, target_member_id = identities[target_key] if target_key else (None, None)
        rows.append(
            (
                source_id,
                record.external_id,
                kind_ids[record.kind],
                to_db_datetime(record.occurred_at),
                member_id,
                identity_id,
                record.channel,
                record.title,
                record.url,
                record.body,
                record.conversation_id,
                record.parent_id,
                target_id,
                target_member_id,
                encode(record.properties).decode() if record.properties else "{}",
            )
        )
    return rows


def _datetime_adapter() -> Callable[[datetime], Any]:
    """How occurred_at goes to the database: as is for psycopg, as text for SQLite.

    For SQLite this is what Django's `adapt_datetimefield_value` stores (naive, in
    the connection's time zone, `str()`-formatted) without its per-value checks,
    which cost more than the rest of a row.
    """
    if connection.vendor != "sqlite":
        return _unchanged
    zone = connection.timezone

    def to_text(value: datetime) -> str:
        if value.tzinfo is zone is UTC:
            # str() of a UTC datetime is the naive text plus "+00:00".
            return str(value)[:-6]
        return str(value.astimezone(zone).replace(tzinfo=None))

    return to_text


def _unchanged(value: datetime) -> datetime:
    return value


# Every column of a new member (the others are NULL: user, merged_into).
_MEMBER_COLUMNS = (
    "display_name",
    "primary_email",
    "avatar_url",
    "organization_id",
    "role",
    "is_employee",
    "is_bot",
    "attributes",
    "created_at",
)
_IDENTITY_COLUMNS = (
    "source_id",
    "external_id",
    "member_id",
    "username",
    "email",
    "name",
    "url",
    "avatar_url",
    "timezone",
    "links",
    "is_bot",
    "created_at",
)
# Rows per multi-row INSERT on SQLite: 12 columns × 2,000 stays under its limit of
# 32,766 parameters.
_ROWS_PER_INSERT = 2000


def _values(columns: tuple[str, ...], count: int) -> str:
    """`(?, ?, …), (?, ?, …)…`: `count` rows of SQLite placeholders."""
    one = ", ".join(["?"] * len(columns))
    return ", ".join([f"({one})"] * count)


def _insert_returning_ids(
    model: type[Member], columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> list[int]:
    """Insert rows with multi-row INSERTs and return their new ids, in the rows' order.

    Django's `bulk_create` spends most of its time preparing each field of each object;
    these rows are already in the database's types. Ids come from one sequence and are
    handed out in row order within a statement, so the statement's ids, sorted, are
    the rows' ids in order (whatever order RETURNING lists them in).
    """
    ids: list[int] = []
    with _raw_cursor() as cursor:
        for statement, params in _insert_statements(model, columns, rows):
            cursor.execute(f"{statement} RETURNING id", params)
            ids.extend(sorted(pk for (pk,) in cursor.fetchall()))
    return ids


def _insert_ignoring_conflicts(
    model: type[Identity], columns: tuple[str, ...], rows: list[tuple[Any, ...]], *, conflict: str
) -> None:
    """Insert rows with multi-row INSERTs, skipping those that clash on `conflict`."""
    with _raw_cursor() as cursor:
        for statement, params in _insert_statements(model, columns, rows):
            cursor.execute(f"{statement} ON CONFLICT ({conflict}) DO NOTHING", params)


def _insert_statements(
    model: type[Member] | type[Identity], columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> Iterator[tuple[str, list[Any]]]:
    """`INSERT … ` statements with their parameters for `rows`, the database's fastest way.

    PostgreSQL: one statement, a column-wise array per column unnested into rows (a
    handful of parameters, so psycopg does not re-parse a huge statement and the server
    plans it once). SQLite: multi-row VALUES, 2,000 rows at a time.
    """
    if not rows:
        return
    table, names = model._meta.db_table, ", ".join(columns)
    if connection.vendor == "postgresql":
        arrays = ", ".join(
            f"%s::{model._meta.get_field(name).db_type(connection)}[]" for name in columns
        )
        yield (
            f"INSERT INTO {table} ({names}) SELECT * FROM unnest({arrays})",
            [list(column) for column in zip(*rows, strict=True)],
        )
        return
    for start in range(0, len(rows), _ROWS_PER_INSERT):
        chunk = rows[start : start + _ROWS_PER_INSERT]
        yield (
            f"INSERT INTO {table} ({names}) VALUES {_values(columns, len(chunk))}",
            [value for row in chunk for value in row],
        )


def _raw_cursor() -> Any:
    """The DB-API cursor under Django's, for the statements that carry a whole batch."""
    connection.ensure_connection()
    return closing(connection.connection.cursor())


def _insert_activities(rows: list[tuple[Any, ...]]) -> int:
    """Insert rows, skipping (source, external_id) pairs already stored; returns how many were new."""
    if connection.vendor == "postgresql":
        return _insert_postgresql(rows)
    return _insert_sqlite(rows)


def _insert_sqlite(rows: list[tuple[Any, ...]]) -> int:
    raw = connection.connection
    before = raw.total_changes
    raw.executemany(
        f"INSERT INTO {_TABLE} ({_COLUMN_LIST}) VALUES ({', '.join(['?'] * len(ACTIVITY_COLUMNS))}) "
        "ON CONFLICT (source_id, external_id) DO NOTHING",
        rows,
    )
    return raw.total_changes - before


_STAGING = "townhall_ingest_staging"


def _insert_postgresql(rows: list[tuple[Any, ...]]) -> int:
    with _raw_cursor() as cursor:
        cursor.execute(
            # Same column types, none of the constraints: duplicates are resolved by the
            # INSERT … ON CONFLICT below, not by the COPY. `properties` is staged as
            # text (it arrives as JSON text), and cast once by the INSERT.
            f"CREATE TEMP TABLE IF NOT EXISTS {_STAGING} ON COMMIT DELETE ROWS AS "
            f"SELECT {_COLUMN_LIST.replace('properties', 'properties::text AS properties')} "
            f"FROM {_TABLE} WITH NO DATA"
        )
        cursor.execute(
            "SELECT atttypid::int FROM pg_attribute "
            f"WHERE attrelid = 'pg_temp.{_STAGING}'::regclass AND attnum > 0 AND NOT attisdropped "
            "ORDER BY attnum"
        )
        types = [oid for (oid,) in cursor.fetchall()]
        # Binary COPY: about half the client CPU of text COPY, and nothing to parse.
        with cursor.copy(f"COPY {_STAGING} ({_COLUMN_LIST}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {_TABLE} ({_COLUMN_LIST}) "
            f"SELECT {_COLUMN_LIST.replace('properties', 'properties::jsonb')} FROM {_STAGING} "
            "ON CONFLICT (source_id, external_id) DO NOTHING"
        )
        created = cursor.rowcount
        # ON COMMIT DELETE ROWS empties it at commit; a second batch in the same
        # outer transaction (nested atomic) must not see the first one's rows.
        cursor.execute(f"TRUNCATE {_STAGING}")
    return created


def finish_run(run: ImportRun, *, error: str = "") -> None:
    """Mark an import run finished (or failed with `error`)."""
    run.status = ImportRun.Status.FAILED if error else ImportRun.Status.FINISHED
    run.error = error
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])
