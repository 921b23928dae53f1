"""The columnar snapshot: what the database holds, as Parquet, kept up to date incrementally.

Layout under `settings.DATA_DIR / "analytics" / "snapshot"`:

    manifest.json                     version, watermark, row count, the part files
    activities/part-<gen>-<n>.parquet activities, appended by watermark (activity id)
    identities.parquet                identity → its current live member, bot flag
                                      (the identity's or its member's)
    members.parquet                   live (not merged-away) members
    kinds.parquet, sources.parquet    slugs and weights

Activities are stored with their *identity* ids, not member ids: a merge moves
identities between members, so an activity's member is looked up at load time
through `identities.parquet`, which (with members, kinds and sources) is small and
rewritten on every refresh. Appending therefore never has to revisit old parts.

`refresh_snapshot()` appends the activities above the watermark, streaming them from
the database in chunks (keyset pages; only one chunk is in Python at a time). It
rebuilds everything from the database when the manifest or a part is missing or
unreadable, when the schema version changed, or when the database now holds a
different number of activities at or below the watermark than the snapshot (rows
were deleted — a source removed — or a transaction committed an id below the
watermark late). The manifest is written last and atomically: it is the commit point,
so an interrupted refresh leaves the previous snapshot intact.

`load_tables(engine)` binds the snapshot into an engine as the `Tables` of tables.py.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ibis
import pyarrow as pa
import pyarrow.parquet as pq

from townhall.analytics.engines import Engine
from townhall.analytics.tables import Tables

VERSION = 1
CHUNK_ROWS = 100_000  # rows fetched from the database per query
PART_ROWS = 2_000_000  # rows per part file when rebuilding (so engines can read in parallel)
COMPACT_AFTER = 48  # parts; beyond this the small ones are merged into one

ACTIVITY_COLUMNS = (
    "activity_id",
    "occurred_at",
    "source_id",
    "kind_id",
    "channel",
    "identity_id",
    "target_identity_id",
    "conversation_id",
    "parent_id",
    "external_id",
)
RAW_ACTIVITIES = pa.schema(
    [
        ("activity_id", pa.int64()),
        ("occurred_at", pa.timestamp("us", tz="UTC")),
        ("source_id", pa.int64()),
        ("kind_id", pa.int64()),
        ("channel", pa.string()),
        ("identity_id", pa.int64()),
        ("target_identity_id", pa.int64()),
        ("conversation_id", pa.string()),
        ("parent_id", pa.string()),
        ("external_id", pa.string()),
    ]
)
RAW_IDENTITIES = pa.schema(
    [("identity_id", pa.int64()), ("member_id", pa.int64()), ("is_bot", pa.bool_())]
)
RAW_MEMBERS = pa.schema(
    [
        ("member_id", pa.int64()),
        ("display_name", pa.string()),
        ("is_bot", pa.bool_()),
        ("is_employee", pa.bool_()),
        ("organization_id", pa.int64()),
        ("created_at", pa.timestamp("us", tz="UTC")),
    ]
)
RAW_KINDS = pa.schema([("kind_id", pa.int64()), ("kind", pa.string()), ("weight", pa.float64())])
RAW_SOURCES = pa.schema(
    [("source_id", pa.int64()), ("source", pa.string()), ("weight", pa.float64())]
)
DIMENSIONS = {
    "identities": RAW_IDENTITIES,
    "members": RAW_MEMBERS,
    "kinds": RAW_KINDS,
    "sources": RAW_SOURCES,
}

Progress = Callable[[int, int], None]  # (rows done, rows expected)


class SnapshotMissing(RuntimeError):
    """There is no usable snapshot to load (run `townhall analyze` to build one)."""


class SnapshotBusy(RuntimeError):
    """Another process is refreshing or analysing the snapshot right now."""


@dataclass
class Part:
    file: str
    rows: int
    min_id: int
    max_id: int


@dataclass
class Manifest:
    version: int = VERSION
    watermark: int = 0  # the highest activity id in the snapshot
    rows: int = 0
    parts: list[Part] = field(default_factory=list)
    updated_at: str = ""
    # The watermark before the last refresh: stages that work incrementally read only
    # activities above it.
    previous_watermark: int = 0


@dataclass
class RefreshResult:
    """What a refresh did, for the run summary."""

    mode: str  # "rebuilt", "appended" or "unchanged"
    reason: str
    new_rows: int
    rows: int
    watermark: int
    previous_watermark: int
    parts: int
    seconds: float


def snapshot_dir() -> Path:
    """Where the snapshot lives (read from settings at call time, so tests can move it)."""
    from django.conf import settings

    return Path(settings.DATA_DIR) / "analytics" / "snapshot"


# --- the manifest ------------------------------------------------------------------------


def read_manifest(directory: Path | None = None) -> Manifest:
    """The manifest, or SnapshotMissing saying what is wrong with it."""
    path = (directory or snapshot_dir()) / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        parts = [Part(**part) for part in data.pop("parts")]
        manifest = Manifest(**data, parts=parts)
    except FileNotFoundError as error:
        raise SnapshotMissing("no snapshot yet") from error
    except (ValueError, TypeError, KeyError) as error:
        raise SnapshotMissing(f"the manifest is damaged ({error})") from error
    if manifest.version != VERSION:
        raise SnapshotMissing(f"snapshot version {manifest.version}, this code writes {VERSION}")
    return manifest


def write_manifest(manifest: Manifest, directory: Path | None = None) -> None:
    """Write the manifest atomically: the commit point of every refresh."""
    directory = directory or snapshot_dir()
    manifest.updated_at = datetime.now(UTC).isoformat()
    _write_atomic(directory / "manifest.json", json.dumps(asdict(manifest), indent=1).encode())


def check_snapshot(directory: Path | None = None) -> Manifest:
    """The manifest if every part is there and agrees with it, else SnapshotMissing.

    Reads only the Parquet footers (cheap), not the data.
    """
    directory = directory or snapshot_dir()
    manifest = read_manifest(directory)
    total = 0
    for part in manifest.parts:
        path = directory / "activities" / part.file
        try:
            rows = pq.ParquetFile(path).metadata.num_rows
        except (OSError, pa.ArrowException) as error:
            raise SnapshotMissing(f"part {part.file} is unreadable ({error})") from error
        if rows != part.rows:
            raise SnapshotMissing(
                f"part {part.file} has {rows} rows, the manifest says {part.rows}"
            )
        total += rows
    if total != manifest.rows:
        raise SnapshotMissing(f"parts hold {total} rows, the manifest says {manifest.rows}")
    for name in DIMENSIONS:
        if not (directory / f"{name}.parquet").exists():
            raise SnapshotMissing(f"{name}.parquet is missing")
    return manifest


@contextmanager
def locked(directory: Path | None = None, *, wait: bool = True) -> Iterator[None]:
    """Hold the snapshot's lock: one refresh or analysis at a time per data directory."""
    directory = directory or snapshot_dir()
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise SnapshotBusy("another analysis is running") from error
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- refreshing from the database -------------------------------------------------------


def refresh_snapshot(
    *, rebuild: bool = False, progress: Progress | None = None, directory: Path | None = None
) -> RefreshResult:
    """Bring the snapshot up to date with the database: append, or rebuild when needed."""
    from townhall.core.models import Activity

    started = time.perf_counter()
    directory = directory or snapshot_dir()
    (directory / "activities").mkdir(parents=True, exist_ok=True)
    top = Activity.objects.order_by("-id").values_list("id", flat=True).first() or 0

    reason = "asked to rebuild" if rebuild else ""
    manifest: Manifest | None = None
    if not rebuild:
        try:
            manifest = check_snapshot(directory)
        except SnapshotMissing as error:
            reason = str(error)
    if manifest is not None:
        in_database = Activity.objects.filter(id__lte=manifest.watermark).count()
        if in_database < manifest.rows:
            reason = f"{manifest.rows - in_database:,} activities were deleted from the database"
            manifest = None
        elif in_database > manifest.rows:
            reason = f"{in_database - manifest.rows:,} activities appeared below the watermark"
            manifest = None
        elif top < manifest.watermark:
            reason = "the database's activities end below the watermark"
            manifest = None

    if manifest is None:
        previous = 0
        manifest = Manifest()
        mode = "rebuilt"
    else:
        previous = manifest.watermark
        mode = "appended" if top > manifest.watermark else "unchanged"
        reason = reason or ("new activities" if mode == "appended" else "up to date")

    expected = Activity.objects.filter(id__gt=manifest.watermark, id__lte=top).count()
    generation = uuid.uuid4().hex[:8]
    new_parts = _write_activity_parts(
        directory / "activities", generation, manifest.watermark, top, expected, progress
    )
    for name, table_rows in _dimension_batches().items():
        _write_parquet(directory / f"{name}.parquet", DIMENSIONS[name], table_rows)

    manifest.parts.extend(new_parts)
    manifest.rows += sum(part.rows for part in new_parts)
    manifest.previous_watermark = previous
    manifest.watermark = max([manifest.watermark, *(part.max_id for part in new_parts)])
    if len(manifest.parts) > COMPACT_AFTER:
        _compact(directory / "activities", manifest, generation)
    write_manifest(manifest, directory)
    _remove_unlisted_parts(directory / "activities", manifest)
    return RefreshResult(
        mode=mode,
        reason=reason,
        new_rows=sum(part.rows for part in new_parts),
        rows=manifest.rows,
        watermark=manifest.watermark,
        previous_watermark=previous,
        parts=len(manifest.parts),
        seconds=time.perf_counter() - started,
    )


def _activity_chunks(after: int, upto: int) -> Iterator[pa.RecordBatch]:
    """Activities with after < id ≤ upto, in id order, one Arrow batch per keyset page.

    Each page is its own short query, so nothing holds a long transaction or cursor
    open, and only one page of rows is ever in Python.
    """
    from django.db import connection

    from townhall.core.models import Activity

    table = connection.ops.quote_name(Activity._meta.db_table)
    sql = (
        "SELECT id, occurred_at, source_id, kind_id, channel, identity_id, "
        "target_identity_id, conversation_id, parent_external_id, external_id "
        f"FROM {table} WHERE id > %s AND id <= %s ORDER BY id LIMIT %s"
    )
    while after < upto:
        with connection.cursor() as cursor:
            cursor.execute(sql, [after, upto, CHUNK_ROWS])
            rows = cursor.fetchall()
        if not rows:
            return
        columns = list(zip(*rows, strict=True))
        del rows
        batch = pa.RecordBatch.from_arrays(
            [
                pa.array(values, type=RAW_ACTIVITIES.field(i).type)
                for i, values in enumerate(_normalise(columns))
            ],
            schema=RAW_ACTIVITIES,
        )
        after = int(batch.column(0)[-1].as_py())
        yield batch


def _normalise(columns: list[tuple[Any, ...]]) -> list[Any]:
    """Database values as Arrow accepts them: datetimes in UTC, text never null."""
    from django.utils.dateparse import parse_datetime

    times = columns[1]
    if times and isinstance(times[0], str):  # a backend that hands back text
        times = tuple(parse_datetime(value) for value in times)
    # Naive datetimes (SQLite) are UTC wall time; Arrow reads them as such.
    out: list[Any] = list(columns)
    out[1] = times
    return out


def _write_activity_parts(
    folder: Path,
    generation: str,
    after: int,
    upto: int,
    expected: int,
    progress: Progress | None,
) -> list[Part]:
    """Stream activities into part files of at most PART_ROWS rows each."""
    parts: list[Part] = []
    writer: pq.ParquetWriter | None = None
    current: Part | None = None
    done = 0
    for batch in _activity_chunks(after, upto):
        if current is None or current.rows >= PART_ROWS:
            if writer is not None:
                writer.close()
            current = Part(
                file=f"part-{generation}-{len(parts):05d}.parquet",
                rows=0,
                min_id=int(batch.column(0)[0].as_py()),
                max_id=0,
            )
            parts.append(current)
            writer = pq.ParquetWriter(folder / current.file, RAW_ACTIVITIES, compression="zstd")
        assert writer is not None
        writer.write_batch(batch)
        current.rows += batch.num_rows
        current.max_id = int(batch.column(0)[-1].as_py())
        done += batch.num_rows
        if progress is not None:
            progress(done, expected)
    if writer is not None:
        writer.close()
    return parts


def _dimension_batches() -> dict[str, Iterator[list[tuple[Any, ...]]]]:
    """Identities, live members, kinds and sources, each as pages of row tuples."""
    from townhall.core.models import ActivityKind, Identity, Member, Source

    def pages(queryset: Any) -> Iterator[list[tuple[Any, ...]]]:
        page: list[tuple[Any, ...]] = []
        for row in queryset.iterator(chunk_size=CHUNK_ROWS):
            page.append(row)
            if len(page) >= CHUNK_ROWS:
                yield page
                page = []
        if page:
            yield page

    def identities() -> Iterator[list[tuple[Any, ...]]]:
        rows = Identity.objects.order_by("id").values_list(
            "id", "member_id", "is_bot", "member__is_bot", "member__merged_into_id"
        )
        for page in pages(rows):
            # Merges move identities to the kept member; following `merged_into` once
            # more only guards against a merge caught half-way.
            yield [
                (pk, merged_into or member, bool(own_bot or member_bot))
                for pk, member, own_bot, member_bot, merged_into in page
            ]

    def members() -> Iterator[list[tuple[Any, ...]]]:
        return pages(
            Member.active.order_by("id").values_list(
                "id", "display_name", "is_bot", "is_employee", "organization_id", "created_at"
            )
        )

    def kinds() -> Iterator[list[tuple[Any, ...]]]:
        yield list(ActivityKind.objects.order_by("id").values_list("id", "slug", "weight"))

    def sources() -> Iterator[list[tuple[Any, ...]]]:
        yield [
            (pk, slug, source_weight(config))
            for pk, slug, config in Source.objects.order_by("id").values_list(
                "id", "slug", "config"
            )
        ]

    return {
        "identities": identities(),
        "members": members(),
        "kinds": kinds(),
        "sources": sources(),
    }


def source_weight(config: Any) -> float:
    """A source's scoring weight from its config (1.0 when unset or not a number)."""
    try:
        return float((config or {}).get("weight", 1.0))
    except (TypeError, ValueError, AttributeError):
        return 1.0


def _write_parquet(path: Path, schema: pa.Schema, pages: Iterator[list[tuple[Any, ...]]]) -> None:
    """Write row pages to `path` atomically (a reader never sees half a file)."""
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:6]}")
    with pq.ParquetWriter(temporary, schema, compression="zstd") as writer:
        for page in pages:
            columns = list(zip(*page, strict=True)) if page else [()] * len(schema)
            writer.write_batch(
                pa.RecordBatch.from_arrays(
                    [
                        pa.array(values, type=f.type)
                        for values, f in zip(columns, schema, strict=True)
                    ],
                    schema=schema,
                )
            )
    os.replace(temporary, path)


def _write_atomic(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:6]}")
    temporary.write_bytes(data)
    os.replace(temporary, path)


def _compact(folder: Path, manifest: Manifest, generation: str) -> None:
    """Merge the small parts (hourly appends) into one, streaming batch by batch."""
    small = [part for part in manifest.parts if part.rows < PART_ROWS // 2]
    if len(small) < 2:
        return
    merged = Part(
        file=f"part-{generation}-compact.parquet",
        rows=sum(part.rows for part in small),
        min_id=min(part.min_id for part in small),
        max_id=max(part.max_id for part in small),
    )
    with pq.ParquetWriter(folder / merged.file, RAW_ACTIVITIES, compression="zstd") as writer:
        for part in sorted(small, key=lambda p: p.min_id):
            for batch in pq.ParquetFile(folder / part.file).iter_batches(batch_size=CHUNK_ROWS):
                writer.write_batch(batch)
    keep = [part for part in manifest.parts if part not in small]
    manifest.parts = sorted([*keep, merged], key=lambda p: p.min_id)


def _remove_unlisted_parts(folder: Path, manifest: Manifest) -> None:
    """Delete part files the manifest no longer lists (replaced by a rebuild or compaction)."""
    listed = {part.file for part in manifest.parts}
    for path in folder.glob("*.parquet"):
        if path.name not in listed:
            path.unlink(missing_ok=True)


# --- loading into an engine -------------------------------------------------------------


def load_tables(
    engine: Engine,
    as_of: datetime | None = None,
    *,
    directory: Path | None = None,
    materialize: bool = False,
) -> Tables:
    """The snapshot as `Tables` on `engine`, identities resolved to their current members.

    `as_of` defaults to now; when given, activities after it are left out, so a run "as
    of" a past date sees what had happened by then. With `materialize`, the resolved
    activities are computed once into the engine (worth it when many pipelines read
    them; costs memory).
    """
    directory = directory or snapshot_dir()
    manifest = read_manifest(directory)
    parts = [str(directory / "activities" / part.file) for part in manifest.parts]
    raw = engine.read_parquet("raw_activities", parts, RAW_ACTIVITIES)
    dims = {
        name: engine.read_parquet(f"raw_{name}", [str(directory / f"{name}.parquet")], schema)
        for name, schema in DIMENSIONS.items()
    }
    if as_of is not None:
        raw = raw.filter(raw.occurred_at <= ibis.literal(as_of, type="timestamp('UTC')"))
    activities = resolve_activities(raw, dims["identities"], dims["kinds"], dims["sources"])
    if materialize:
        activities = engine.materialize("activities", activities)
    return Tables(
        activities=activities,
        members=dims["members"],
        kinds=dims["kinds"].select("kind", "weight"),
        sources=dims["sources"].select("source", "weight"),
        as_of=as_of or datetime.now(UTC),
        snapshot=directory,
    )


def resolve_activities(
    raw: ibis.Table,
    identities: ibis.Table,
    kinds: ibis.Table,
    sources: ibis.Table,
) -> ibis.Table:
    """Raw snapshot activities → the activities of tables.py (members, slugs, bot flags).

    `identities.parquet` is written in the same refresh as `members.parquet` with each
    identity's current (live) member and its bot flag already combined with the
    member's, so resolving is one join per side. (Joining the members table here too
    cost about 30 % more CPU per scan of 10M activities, for nothing the refresh had
    not already settled.) An activity whose actor identity is unknown is left out; a
    target that does not resolve becomes null.
    """
    actors = identities.select(
        actor_identity=identities.identity_id,
        actor_member=identities.member_id,
        actor_bot=identities.is_bot,
    )
    targets = identities.select(
        target_identity=identities.identity_id,
        target_member=identities.member_id,
        target_bot=identities.is_bot,
    )
    kind_names = kinds.select(k_id=kinds.kind_id, k_slug=kinds.kind)
    source_names = sources.select(s_id=sources.source_id, s_slug=sources.source)
    joined = (
        raw.join(actors, raw.identity_id == actors.actor_identity)
        .join(kind_names, raw.kind_id == kind_names.k_id)
        .join(source_names, raw.source_id == source_names.s_id)
        .left_join(targets, raw.target_identity_id == targets.target_identity)
    )
    return joined.select(
        activity_id=joined.activity_id,
        occurred_at=joined.occurred_at,
        source=joined.s_slug,
        kind=joined.k_slug,
        channel=joined.channel.fill_null(""),
        member_id=joined.actor_member,
        target_member_id=joined.target_member,
        conversation_id=joined.conversation_id.fill_null(""),
        parent_id=joined.parent_id.fill_null(""),
        external_id=joined.external_id,
        actor_is_bot=joined.actor_bot,
        target_is_bot=joined.target_bot.fill_null(False),
    )
