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
`INSERT … ON CONFLICT DO NOTHING` inside the batch's transaction.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import msgspec
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from townhall.core.models import (
    Activity,
    ActivityKind,
    Identity,
    ImportRun,
    Member,
    Organization,
    QuarantinedRecord,
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


@dataclass(frozen=True)
class Envelope:
    """One input record with where it came from, before validation.

    `payload` is raw JSON (bytes/str), a mapping, or an already built ActivityRecord;
    `error` marks a record the reader already knows is bad (e.g. a CSV row with a
    value it could not parse), which is quarantined with that reason.
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
    envelopes = _as_envelopes(records)
    state = _BatchState()
    while batch := list(itertools.islice(envelopes, size)):
        result = _ingest_batch(batch, origin=origin, run=run, state=state)
        total.add(result)
        if on_batch:
            on_batch(result)
    return total


def _as_envelopes(records: Iterable[Any]) -> Iterator[Envelope]:
    for index, record in enumerate(records, start=1):
        yield (
            record
            if isinstance(record, Envelope)
            else Envelope(position=str(index), payload=record)
        )


def validate(envelope: Envelope) -> ActivityRecord:
    """Turn one envelope into a valid ActivityRecord or raise InvalidRecord."""
    if envelope.error:
        raise InvalidRecord(envelope.error)
    payload = envelope.payload
    if isinstance(payload, ActivityRecord):
        return payload
    if isinstance(payload, bytes | str):
        return decode_json(payload)
    if isinstance(payload, dict):
        return from_mapping(payload)
    raise InvalidRecord(f"expected a JSON object, got {type(payload).__name__}")


class _BatchState:
    """Lookups that stay valid across the batches of one ingest (slugs never change id)."""

    def __init__(self) -> None:
        self.sources: dict[str, int] = {}
        self.kinds: dict[str, int] = {}


def _ingest_batch(
    batch: list[Envelope], *, origin: str, run: ImportRun | None, state: _BatchState
) -> IngestResult:
    result = IngestResult(read=len(batch))
    valid: list[ActivityRecord] = []
    rejected: list[tuple[Envelope, str]] = []
    for envelope in batch:
        try:
            valid.append(validate(envelope))
        except InvalidRecord as error:
            rejected.append((envelope, str(error)))

    with transaction.atomic():
        if rejected:
            _quarantine(rejected, origin=origin, run=run)
            result.quarantined = len(rejected)
            for _, reason in rejected:
                short = reason[:160]
                result.reasons[short] = result.reasons.get(short, 0) + 1
        if valid:
            source_ids = _resolve_slugs(Source, {r.source for r in valid}, state.sources)
            kind_ids = _resolve_slugs(ActivityKind, {r.kind for r in valid}, state.kinds)
            identities, created_members, created_identities = _resolve_identities(valid, source_ids)
            result.members_created = created_members
            result.identities_created = created_identities
            rows = [_activity_row(r, source_ids, kind_ids, identities) for r in valid]
            result.created = _insert_activities(rows)
            result.duplicates = len(valid) - result.created
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


@dataclass
class _IdentityRef:
    id: int
    member_id: int


_PROFILE_FIELDS = ("username", "email", "name", "url", "avatar_url")


def _resolve_identities(
    records: list[ActivityRecord], source_ids: dict[str, int]
) -> tuple[dict[tuple[int, str], _IdentityRef], int, int]:
    """Map (source_id, person key) to identity and member ids, creating what is new.

    Known identities get blank profile fields filled from the records (never
    overwritten, so re-running an import changes nothing).
    """
    people: dict[tuple[int, str], Person] = {}
    for record in records:
        source_id = source_ids[record.source]
        for person in (record.actor, record.target):
            if person is not None:
                people.setdefault((source_id, person.key), person)

    refs: dict[tuple[int, str], _IdentityRef] = {}
    to_fill: list[Identity] = []
    by_source: dict[int, list[str]] = {}
    for source_id, key in people:
        by_source.setdefault(source_id, []).append(key)
    for source_id, keys in by_source.items():
        for chunk in _chunks(keys, 5000):
            for identity in Identity.objects.filter(
                source_id=source_id, external_id__in=chunk
            ).only("id", "member_id", "external_id", "source_id", *_PROFILE_FIELDS):
                refs[(source_id, identity.external_id)] = _IdentityRef(
                    identity.pk, identity.member_id
                )
                if _fill_profile(identity, people[(source_id, identity.external_id)]):
                    to_fill.append(identity)
    if to_fill:
        Identity.objects.bulk_update(to_fill, _PROFILE_FIELDS, batch_size=1000)

    new_keys = [key for key in people if key not in refs]
    if not new_keys:
        return refs, 0, 0
    organizations = _organizations_for([people[key].email for key in new_keys])
    members = [
        Member(
            display_name=people[key].display_name[:255],
            primary_email=people[key].email or "",
            avatar_url=people[key].avatar_url or "",
            is_bot=people[key].is_bot,
            organization_id=organizations.get(_domain(people[key].email)),
        )
        for key in new_keys
    ]
    Member.objects.bulk_create(members, batch_size=2000)
    identities = [
        Identity(
            source_id=key[0],
            external_id=key[1],
            member_id=member.pk,
            username=people[key].username or "",
            email=people[key].email or "",
            name=people[key].name or "",
            url=people[key].url or "",
            avatar_url=people[key].avatar_url or "",
            is_bot=people[key].is_bot,
        )
        for key, member in zip(new_keys, members, strict=True)
    ]
    # ignore_conflicts: a concurrent import may have created some of these meanwhile;
    # re-read ids below and drop the members that lost the race.
    Identity.objects.bulk_create(identities, batch_size=2000, ignore_conflicts=True)
    created_identities = 0
    used_members: set[int] = set()
    for source_id, keys in _group_by_source(new_keys).items():
        for chunk in _chunks(keys, 5000):
            for pk, external_id, member_id in Identity.objects.filter(
                source_id=source_id, external_id__in=chunk
            ).values_list("id", "external_id", "member_id"):
                refs[(source_id, external_id)] = _IdentityRef(pk, member_id)
                used_members.add(member_id)
    created_identities = sum(1 for m in members if m.pk in used_members)
    orphans = [m.pk for m in members if m.pk not in used_members]
    if orphans:
        Member.objects.filter(pk__in=orphans).delete()
    return refs, created_identities, created_identities


def _fill_profile(identity: Identity, person: Person) -> bool:
    changed = False
    for name in _PROFILE_FIELDS:
        value = getattr(person, name)
        if value and not getattr(identity, name):
            setattr(identity, name, value)
            changed = True
    return changed


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


def _organization_name(domain: str) -> str:
    label = domain.split(".")[-2] if domain.count(".") >= 1 else domain
    return label.replace("-", " ").title()


def _group_by_source(keys: list[tuple[int, str]]) -> dict[int, list[str]]:
    grouped: dict[int, list[str]] = {}
    for source_id, key in keys:
        grouped.setdefault(source_id, []).append(key)
    return grouped


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


_properties_encoder = msgspec.json.Encoder()


def _activity_row(
    record: ActivityRecord,
    source_ids: dict[str, int],
    kind_ids: dict[str, int],
    identities: dict[tuple[int, str], _IdentityRef],
) -> tuple[Any, ...]:
    source_id = source_ids[record.source]
    actor = identities[(source_id, record.actor.key)]
    target = identities[(source_id, record.target.key)] if record.target is not None else None
    return (
        source_id,
        record.external_id,
        kind_ids[record.kind],
        record.occurred_at,
        actor.member_id,
        actor.id,
        record.channel,
        record.title,
        record.url,
        record.body,
        record.conversation_id,
        record.parent_id,
        target.id if target else None,
        target.member_id if target else None,
        _properties_encoder.encode(record.properties).decode(),
    )


def _insert_activities(rows: list[tuple[Any, ...]]) -> int:
    """Insert rows, skipping (source, external_id) pairs already stored; returns how many were new."""
    if connection.vendor == "postgresql":
        return _insert_postgresql(rows)
    return _insert_sqlite(rows)


_TABLE = Activity._meta.db_table
_COLUMN_LIST = ", ".join(ACTIVITY_COLUMNS)


def _insert_sqlite(rows: list[tuple[Any, ...]]) -> int:
    adapt = connection.ops.adapt_datetimefield_value
    prepared = [(*row[:3], adapt(row[3]), *row[4:]) for row in rows]
    placeholders = ", ".join(["%s"] * len(ACTIVITY_COLUMNS))
    with connection.cursor() as cursor:
        before = connection.connection.total_changes
        cursor.executemany(
            f"INSERT INTO {_TABLE} ({_COLUMN_LIST}) VALUES ({placeholders}) "
            "ON CONFLICT (source_id, external_id) DO NOTHING",
            prepared,
        )
        return connection.connection.total_changes - before


def _insert_postgresql(rows: list[tuple[Any, ...]]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            # Same column types, none of the constraints: duplicates are resolved by the
            # INSERT … ON CONFLICT below, not by the COPY.
            "CREATE TEMP TABLE IF NOT EXISTS townhall_ingest_activity ON COMMIT DELETE ROWS AS "
            f"SELECT {_COLUMN_LIST} FROM {_TABLE} WITH NO DATA"
        )
        with cursor.cursor.copy(
            f"COPY townhall_ingest_activity ({_COLUMN_LIST}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {_TABLE} ({_COLUMN_LIST}) "
            f"SELECT {_COLUMN_LIST} FROM townhall_ingest_activity "
            "ON CONFLICT (source_id, external_id) DO NOTHING"
        )
        created = cursor.rowcount
        # ON COMMIT DELETE ROWS empties it at commit; a second batch in the same
        # outer transaction (nested atomic) must not see the first one's rows.
        cursor.execute("TRUNCATE townhall_ingest_activity")
    return created


def finish_run(run: ImportRun, *, error: str = "") -> None:
    """Mark an import run finished (or failed with `error`)."""
    run.status = ImportRun.Status.FAILED if error else ImportRun.Status.FINISHED
    run.error = error
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])
