"""A synthetic community written straight into the snapshot layout, for benchmarks.

Vectorised (numpy + pyarrow compute, no Python loop over rows) and seeded, so
`townhall bench analytics --activities 10000000` needs no database. The shape is
meant to be realistic where it matters for speed:

- activity is heavily skewed: members are drawn with probability ∝ rank^−0.95, so a
  few hundred members account for a large share and most post a handful of times;
- about one member in six has a second identity (on another source), 0.5 % are bots;
- ten kinds with unequal frequencies and weights, five sources with weights, and
  about 20 channels per source;
- replies, reactions, answers and comments mostly have a target (drawn with the same
  skew: active members also receive the most), conversations group activities;
- time runs over two years with growth (more activity recently), and ids increase
  with time, like a real import.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from townhall.analytics.snapshot import (
    PART_ROWS,
    RAW_ACTIVITIES,
    RAW_IDENTITIES,
    RAW_KINDS,
    RAW_MEMBERS,
    RAW_SOURCES,
    VERSION,
    Manifest,
    Part,
)

END = datetime(2026, 6, 1, tzinfo=UTC)
SPAN = timedelta(days=730)
CHUNK = 1_000_000

# kind, share of activities, weight, share that has a target
KINDS = [
    ("message", 0.40, 1.0, 0.05),
    ("reply", 0.20, 1.5, 0.85),
    ("reaction", 0.15, 0.3, 0.95),
    ("comment", 0.08, 1.2, 0.7),
    ("issue-opened", 0.04, 3.0, 0.0),
    ("pull-request-opened", 0.03, 4.0, 0.0),
    ("question", 0.03, 2.0, 0.0),
    ("answer", 0.03, 3.0, 0.9),
    ("star", 0.035, 0.5, 0.0),
    ("solution-accepted", 0.005, 5.0, 0.9),
]
SOURCES = [
    ("slack", 0.40, 1.0),
    ("github", 0.25, 1.5),
    ("discord", 0.15, 0.8),
    ("community", 0.15, 1.2),
    ("stackoverflow", 0.05, 1.0),
]
CHANNELS_PER_SOURCE = 20


def _skewed(rng: np.random.Generator, n: int, size: int, exponent: float = 1.1) -> np.ndarray:
    """`size` draws from range(n) with P(i) ∝ (i + 1)^−exponent (inverse-CDF sampling)."""
    weights = np.arange(1, n + 1, dtype=np.float64) ** -exponent
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]
    return np.minimum(np.searchsorted(cdf, rng.random(size)), n - 1)


def identity_members(members: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(member of each identity, bot flag of each identity) for `members` members."""
    rng = np.random.default_rng(seed)
    extra = members // 6
    owners = np.concatenate(
        [np.arange(1, members + 1), rng.integers(1, members + 1, extra)]
    ).astype(np.int64)
    bots = rng.random(len(owners)) < 0.005
    return owners, bots


def write_dimensions(directory: Path, members: int, seed: int) -> int:
    """identities, members, kinds and sources Parquet files; returns the identity count."""
    owners, bots = identity_members(members, seed)
    identities = pa.table(
        {
            "identity_id": pa.array(np.arange(1, len(owners) + 1, dtype=np.int64)),
            "member_id": pa.array(owners),
            "is_bot": pa.array(bots),
        },
        schema=RAW_IDENTITIES,
    )
    pq.write_table(identities, directory / "identities.parquet", compression="zstd")
    rng = np.random.default_rng(seed + 1)
    ids = np.arange(1, members + 1, dtype=np.int64)
    created = (END - SPAN).timestamp() + rng.random(members) * SPAN.total_seconds()
    organization = rng.integers(1, max(2, members // 50), members)
    people = pa.table(
        {
            "member_id": pa.array(ids),
            "display_name": pc.binary_join_element_wise(
                "Member ", pc.cast(pa.array(ids), pa.string()), ""
            ),
            "is_bot": pa.array(np.zeros(members, dtype=bool)),
            "is_employee": pa.array(rng.random(members) < 0.01),
            "organization_id": pa.array(
                organization, mask=rng.random(members) < 0.6, type=pa.int64()
            ),
            "created_at": pa.array((created * 1e6).astype(np.int64), pa.timestamp("us", tz="UTC")),
        },
        schema=RAW_MEMBERS,
    )
    pq.write_table(people, directory / "members.parquet", compression="zstd")
    pq.write_table(
        pa.table(
            {
                "kind_id": range(1, len(KINDS) + 1),
                "kind": [k[0] for k in KINDS],
                "weight": [k[2] for k in KINDS],
            },
            schema=RAW_KINDS,
        ),
        directory / "kinds.parquet",
    )
    pq.write_table(
        pa.table(
            {
                "source_id": range(1, len(SOURCES) + 1),
                "source": [s[0] for s in SOURCES],
                "weight": [s[2] for s in SOURCES],
            },
            schema=RAW_SOURCES,
        ),
        directory / "sources.parquet",
    )
    return len(owners)


def activity_batch(
    rng: np.random.Generator,
    first_id: int,
    size: int,
    identities: int,
    start: datetime,
    end: datetime,
) -> pa.RecordBatch:
    """`size` activities with ids from `first_id`, times spread over [start, end), in order."""
    ids = np.arange(first_id, first_id + size, dtype=np.int64)
    # Growth: more activity later (u^0.7 bunches draws towards the end), sorted so ids
    # increase with time.
    seconds = np.sort(rng.random(size) ** 0.7) * (end - start).total_seconds()
    micros = (start.timestamp() * 1e6 + seconds * 1e6).astype(np.int64)
    kind = rng.choice(len(KINDS), size, p=[k[1] for k in KINDS])
    source = rng.choice(len(SOURCES), size, p=[s[1] for s in SOURCES])
    actor = _skewed(rng, identities, size, 0.95) + 1
    has_target = rng.random(size) < np.array([k[3] for k in KINDS])[kind]
    target = _skewed(rng, identities, size, 0.95) + 1
    channel_names = pa.array([f"#{s[0]}-{c}" for s in SOURCES for c in range(CHANNELS_PER_SOURCE)])
    channel = pc.take(
        channel_names,
        pa.array(source * CHANNELS_PER_SOURCE + _skewed(rng, CHANNELS_PER_SOURCE, size, 0.8)),
    )
    # Conversations: a new thread every ~8 activities; a targeted activity joins a recent one.
    thread = ids // 8 - np.where(has_target, rng.integers(0, 50, size), 0)
    conversation = pc.binary_join_element_wise(
        "t", pc.cast(pa.array(np.maximum(thread, 0)), pa.string()), ""
    )
    parent = pc.if_else(
        pa.array(has_target),
        pc.binary_join_element_wise(
            "a", pc.cast(pa.array(np.maximum(ids - rng.integers(1, 500, size), 1)), pa.string()), ""
        ),
        "",
    )
    return pa.RecordBatch.from_arrays(
        [
            pa.array(ids),
            pa.array(micros, pa.timestamp("us", tz="UTC")),
            pa.array(source.astype(np.int64) + 1),
            pa.array(kind.astype(np.int64) + 1),
            channel,
            pa.array(actor.astype(np.int64)),
            pa.array(target.astype(np.int64), mask=~has_target),
            conversation,
            parent,
            pc.binary_join_element_wise("a", pc.cast(pa.array(ids), pa.string()), ""),
        ],
        schema=RAW_ACTIVITIES,
    )


def write_activities(
    directory: Path,
    activities: int,
    identities: int,
    seed: int,
    *,
    first_id: int = 1,
    start: datetime = END - SPAN,
    end: datetime = END,
    prefix: str = "synthetic",
) -> list[Part]:
    """Activity part files (PART_ROWS rows each), written CHUNK rows at a time."""
    rng = np.random.default_rng(seed + first_id)
    folder = directory / "activities"
    folder.mkdir(parents=True, exist_ok=True)
    chunks = max(1, -(-activities // CHUNK))
    span = (end - start) / chunks
    parts: list[Part] = []
    writer: pq.ParquetWriter | None = None
    done = 0
    for index in range(chunks):
        size = min(CHUNK, activities - done)
        if size <= 0:
            break
        if writer is None or parts[-1].rows >= PART_ROWS:
            if writer is not None:
                writer.close()
            parts.append(Part(f"part-{prefix}-{len(parts):05d}.parquet", 0, first_id + done, 0))
            writer = pq.ParquetWriter(folder / parts[-1].file, RAW_ACTIVITIES, compression="zstd")
        batch = activity_batch(
            rng, first_id + done, size, identities, start + span * index, start + span * (index + 1)
        )
        writer.write_batch(batch, row_group_size=256 * 1024)
        parts[-1].rows += size
        parts[-1].max_id = first_id + done + size - 1
        done += size
    if writer is not None:
        writer.close()
    return parts


def write_synthetic_snapshot(
    directory: Path, activities: int, members: int, seed: int = 7
) -> Manifest:
    """A complete snapshot (manifest included) of a synthetic community in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    identities = write_dimensions(directory, members, seed)
    parts = write_activities(directory, activities, identities, seed)
    manifest = Manifest(
        version=VERSION,
        watermark=activities,
        rows=activities,
        parts=parts,
        updated_at=datetime.now(UTC).isoformat(),
    )
    (directory / "manifest.json").write_text(json.dumps(asdict(manifest), indent=1))
    return manifest


def append_synthetic(
    directory: Path, manifest: Manifest, activities: int, seed: int = 7
) -> Manifest:
    """Append `activities` newer activities (the last day before END) as one part."""
    identities = pq.ParquetFile(directory / "identities.parquet").metadata.num_rows
    parts = write_activities(
        directory,
        activities,
        identities,
        seed,
        first_id=manifest.watermark + 1,
        start=END - timedelta(days=1),
        end=END,
        prefix=f"append-{manifest.watermark}",
    )
    manifest.parts.extend(parts)
    manifest.previous_watermark = manifest.watermark
    manifest.watermark += activities
    manifest.rows += activities
    (directory / "manifest.json").write_text(json.dumps(asdict(manifest), indent=1))
    return manifest
