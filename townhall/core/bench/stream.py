"""A realistic, deterministic stream of activity records for the ingest benchmark.

What makes ingest expensive in real life is reproduced on purpose: many actors
(about one per 25 activities) with a Zipf-skewed share of the activity, targets on
about a third of the records (so a batch resolves two identities per record), five
sources with their own id formats, and re-delivered records (about 2 %) that
ingest must recognise as duplicates. Records come in time order, as a live stream
or an export would deliver them.
"""

from __future__ import annotations

import itertools
import random
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec

from townhall.core.demo import vocabulary as words

# Kinds per source with their relative frequency and whether they point at someone.
KINDS: dict[str, tuple[tuple[str, int, bool], ...]] = {
    "slack": (("message", 60, False), ("thread_reply", 25, True), ("reaction", 15, True)),
    "github": (
        ("issue_comment", 35, True),
        ("star", 20, False),
        ("issue_opened", 15, False),
        ("pr_opened", 10, False),
        ("pr_review", 12, True),
        ("fork", 8, False),
    ),
    "forum": (
        ("reply", 40, True),
        ("like", 35, True),
        ("topic_created", 20, False),
        ("solution_accepted", 5, True),
    ),
    "twitter": (("tweet", 40, False), ("mention", 35, False), ("retweet", 25, True)),
    "meetup": (("rsvp", 60, False), ("attended", 40, False)),
}
SOURCE_WEIGHTS = {"slack": 45, "github": 20, "forum": 20, "twitter": 10, "meetup": 5}
DUPLICATE_SHARE = 0.02
ACTIVITIES_PER_ACTOR = 25
SPAN = timedelta(days=548)
END = datetime(2026, 6, 1, tzinfo=UTC)


@dataclass(frozen=True)
class StreamStats:
    """What a generated stream holds, for the benchmark's report."""

    records: int
    distinct: int
    duplicates: int
    actors: int
    with_target: int


def _person(rng: random.Random, source: str, index: int) -> dict[str, Any]:
    first = rng.choice(words.FIRST_NAMES)
    last = rng.choice(words.LAST_NAMES)
    handle = _ascii(f"{first.split()[0][0]}{last}") + str(index % 997)
    external_id = {
        "slack": f"U{index:09X}",
        "github": str(10_000_000 + index * 7),
        "forum": str(index + 1),
        "twitter": str(1_400_000_000_000 + index * 13),
        "meetup": f"mu-{index}",
    }[source]
    person: dict[str, Any] = {
        "external_id": external_id,
        "name": f"{first} {last}",
        "username": handle,
    }
    if rng.random() < 0.5:
        domain = rng.choice(words.FREEMAIL + tuple(d for _, d in words.CUSTOMER_COMPANIES))
        person["email"] = f"{handle}@{domain}"
    return person


def _ascii(text: str) -> str:
    """A handle as people type it: no accents, spaces or apostrophes, lower case."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain if c.isalnum()).lower()


def _zipf_cum_weights(count: int, exponent: float = 1.05) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank**exponent) for rank in range(1, count + 1)))


class _Counts:
    def __init__(self) -> None:
        self.duplicates = 0
        self.with_target = 0
        self.actors: set[int] = set()


def generate(n: int, *, seed: int = 7, counts: _Counts | None = None) -> Iterator[bytes]:
    """Yield `n` JSON-encoded ActivityRecords (one per line, without the newline)."""
    counts = counts or _Counts()
    rng = random.Random(seed)
    actor_count = max(10, n // ACTIVITIES_PER_ACTOR)
    sources = rng.choices(
        list(SOURCE_WEIGHTS), weights=list(SOURCE_WEIGHTS.values()), k=actor_count
    )
    actors = [(i, source, _person(rng, source, i)) for i, source in enumerate(sources)]
    by_source: dict[str, list[dict[str, Any]]] = {s: [] for s in SOURCE_WEIGHTS}
    for _, source, person in actors:
        by_source[source].append(person)
    target_weights = {s: _zipf_cum_weights(len(p)) for s, p in by_source.items() if p}
    kinds = {s: ([k for k, _, _ in ks], [w for _, w, _ in ks]) for s, ks in KINDS.items()}
    targeted = {k for ks in KINDS.values() for k, _, t in ks if t}
    actor_weights = _zipf_cum_weights(actor_count)
    step = SPAN / max(n, 1)
    start = END - SPAN
    recent: list[bytes] = []
    encode = msgspec.json.encode
    emitted = 0
    chunk = 50_000
    while emitted < n:
        picks = rng.choices(actors, cum_weights=actor_weights, k=min(chunk, n - emitted))
        for index, source, actor in picks:
            if recent and rng.random() < DUPLICATE_SHARE:
                # A re-delivered event: byte-identical to one sent a little earlier.
                counts.duplicates += 1
                yield recent[rng.randrange(len(recent))]
                emitted += 1
                continue
            counts.actors.add(index)
            names, weights = kinds[source]
            kind = rng.choices(names, weights=weights)[0]
            topic = rng.choice(words.TOPICS)
            record: dict[str, Any] = {
                "source": source,
                "external_id": f"{kind}:{emitted}",
                "kind": kind,
                "occurred_at": (start + step * emitted).isoformat(),
                "actor": actor,
                "channel": rng.choice(words.CHANNELS[source]),
                "body": rng.choice(words.MESSAGE_BODIES).format(topic=topic),
                "conversation_id": f"c{emitted // 7}",
            }
            if kind in targeted:
                pool = by_source[source]
                record["target"] = rng.choices(pool, cum_weights=target_weights[source])[0]
                record["parent_id"] = f"p{emitted // 3}"
                counts.with_target += 1
            if kind in {"topic_created", "issue_opened", "pr_opened"}:
                record["title"] = rng.choice(words.QUESTION_TITLES).format(topic=topic)
            line = encode(record)
            if len(recent) < 10_000:
                recent.append(line)
            else:
                recent[rng.randrange(10_000)] = line
            yield line
            emitted += 1


def write(
    path: Path, n: int, *, seed: int = 7, on_progress: Callable[[int], None] | None = None
) -> StreamStats:
    """Write the stream to a JSON Lines file, as an export would be, and count what it holds."""
    counts = _Counts()
    with path.open("wb") as out:
        for count, line in enumerate(generate(n, seed=seed, counts=counts), start=1):
            out.write(line + b"\n")
            if on_progress and count % 50_000 == 0:
                on_progress(50_000)
    if on_progress:
        on_progress(n % 50_000)
    return StreamStats(
        records=n,
        distinct=n - counts.duplicates,
        duplicates=counts.duplicates,
        actors=len(counts.actors),
        with_target=counts.with_target,
    )
