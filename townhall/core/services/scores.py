"""Write engagement scores back: MemberScore and MemberChannelScore, in bulk.

The analytics engine computes what a member's score earns *today*; this service decides
what the product shows, against what it stored before:

- a higher (or equal) level applies at once (`level_since` moves only when it changes);
- a lower level waits: it is stored as `pending_level` with `pending_since`, and replaces
  `level` only once it has been pending for `grace_days` (a level that recovers before
  then clears the pending one). One quiet month does not demote anyone.
- superusers are the holders of `superuser_level` (after the grace logic).

The grace logic runs on whole columns (pandas/numpy), never row by row, and rows are
written with one upsert per chunk: `executemany` of `INSERT … ON CONFLICT DO UPDATE` on
SQLite, binary COPY into a staging table then one `INSERT … SELECT … ON CONFLICT` on
PostgreSQL. The network columns (pagerank, betweenness, cluster) are left alone.
Rows this run did not write (merged-away members, bots, sources a member left) are deleted.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import msgspec
import numpy as np
import pandas as pd
from django.db import connection, transaction

from townhall.core.models import MemberChannelScore, MemberScore

CHUNK = 50_000

_MEMBER_TABLE = MemberScore._meta.db_table
_CHANNEL_TABLE = MemberChannelScore._meta.db_table
_GRACE_COLUMNS = ["level", "level_since", "pending_level", "pending_since"]
_MEMBER_COLUMNS = [
    "member_id",
    "love",
    "reach",
    "score",
    "level",
    "level_since",
    "pending_level",
    "pending_since",
    "is_superuser",
    "trend",
    "explanation",
    "computed_at",
]
_CHANNEL_COLUMNS = [
    "member_id",
    "source",
    "love",
    "reach",
    "score",
    "level",
    "level_since",
    "pending_level",
    "pending_since",
    "is_superuser",
    "computed_at",
]


@dataclass(frozen=True)
class ScoresWritten:
    """How many rows a write stored."""

    members: int
    channels: int
    superusers: int


def write_scores(
    members: pd.DataFrame,
    channels: pd.DataFrame,
    *,
    computed_at: datetime,
    levels: Sequence[str],
    superuser_level: str,
    grace_days: int,
) -> ScoresWritten:
    """Store members' scores and per-source scores, applying the downgrade grace period.

    `members`: member_id, love, reach, score, level (earned now), trend, explanation (a
    dict or its JSON text).
    `channels`: member_id, source, love, reach, score, level (earned now).
    `levels` lists the level names lowest first; `computed_at` is the analysis' as_of.
    """
    grace = timedelta(days=grace_days)
    member_frame = members.copy()
    channel_frame = channels.copy()
    with transaction.atomic():
        stored = _stored(_MEMBER_TABLE, ["member_id"])
        member_frame = _with_grace(member_frame, stored, ["member_id"], computed_at, levels, grace)
        member_frame["is_superuser"] = member_frame["level"] == superuser_level
        member_frame["computed_at"] = computed_at
        stored = _stored(_CHANNEL_TABLE, ["member_id", "source"])
        channel_frame = _with_grace(
            channel_frame, stored, ["member_id", "source"], computed_at, levels, grace
        )
        channel_frame["is_superuser"] = channel_frame["level"] == superuser_level
        channel_frame["computed_at"] = computed_at
        member_frame["explanation"] = _json_texts(member_frame["explanation"])
        _upsert(_MEMBER_TABLE, member_frame[_MEMBER_COLUMNS], ["member_id"], json="explanation")
        _upsert(_CHANNEL_TABLE, channel_frame[_CHANNEL_COLUMNS], ["member_id", "source"])
        # Whatever this run did not write is gone from the analysis: merged-away
        # members, bots, a source a member no longer has activity on.
        MemberScore.objects.exclude(computed_at=computed_at).delete()
        MemberChannelScore.objects.exclude(computed_at=computed_at).delete()
    return ScoresWritten(
        members=len(member_frame),
        channels=len(channel_frame),
        superusers=int(member_frame["is_superuser"].sum()),
    )


def _json_texts(values: pd.Series) -> list[str]:
    """Explanations as JSON text: the engine's text as is, dicts encoded."""
    encoder = msgspec.json.Encoder()
    return [
        value if isinstance(value, str) else encoder.encode(value).decode()
        for value in values.tolist()
    ]


def apply_grace(
    earned: pd.Series,
    stored: pd.DataFrame,
    *,
    now: datetime,
    levels: Sequence[str],
    grace: timedelta,
) -> pd.DataFrame:
    """The level to show for each row: `earned` (the level the score earns now) vs `stored`.

    `stored` has level, level_since, pending_level, pending_since aligned with `earned`
    (NaN/NaT where there is no stored row). Returns the four columns to store.
    """
    rank = {name: index for index, name in enumerate(levels)}
    new_rank = earned.map(rank).to_numpy(dtype="float64")
    old_rank = stored["level"].map(rank).to_numpy(dtype="float64")
    has_old = ~np.isnan(old_rank)
    down = has_old & (new_rank < old_rank)
    raised = ~has_old | (new_rank > old_rank)
    now_ts = pd.Timestamp(now)
    pending_since = pd.to_datetime(stored["pending_since"], utc=True)
    # A downgrade already pending keeps its start; a new one starts now.
    started = pending_since.where(pd.Series(down, index=stored.index) & pending_since.notna())
    started = started.fillna(now_ts)
    expired = down & ((now_ts - started) >= pd.Timedelta(grace)).to_numpy()
    keep_old = down & ~expired
    old_since = pd.to_datetime(stored["level_since"], utc=True)
    changed = raised | expired | old_since.isna().to_numpy()
    return pd.DataFrame(
        {
            "level": np.where(keep_old, stored["level"].to_numpy(), earned.to_numpy()),
            "level_since": old_since.where(~pd.Series(changed, index=stored.index), now_ts),
            "pending_level": np.where(keep_old, earned.to_numpy(), ""),
            "pending_since": started.where(pd.Series(keep_old, index=stored.index)),
        },
        index=earned.index,
    )


def _with_grace(
    frame: pd.DataFrame,
    stored: pd.DataFrame,
    keys: list[str],
    now: datetime,
    levels: Sequence[str],
    grace: timedelta,
) -> pd.DataFrame:
    frame = frame.reset_index(drop=True)
    aligned = frame[keys].merge(stored, on=keys, how="left")
    shown = apply_grace(frame["level"], aligned, now=now, levels=levels, grace=grace)
    for column in _GRACE_COLUMNS:
        # .array keeps time-zone-aware datetimes columnar (to_numpy() boxes each one).
        frame[column] = shown[column].array
    return frame


def _stored(table: str, keys: list[str]) -> pd.DataFrame:
    """The stored grace columns of a score table, datetimes parsed as whole columns."""
    with closing(connection.cursor()) as cursor:
        # As text on SQLite: parsed below in one vectorised call, not value by value.
        cast = "CAST({} AS TEXT)" if connection.vendor == "sqlite" else "{}"
        columns = ", ".join(
            [
                *keys,
                "level",
                cast.format("level_since"),
                "pending_level",
                cast.format("pending_since"),
            ]
        )
        cursor.execute(f"SELECT {columns} FROM {table}")
        rows = cursor.fetchall()
    frame = pd.DataFrame(rows, columns=[*keys, *_GRACE_COLUMNS])
    for column in ("level_since", "pending_since"):
        frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
    return frame


def _upsert(table: str, frame: pd.DataFrame, keys: list[str], *, json: str = "") -> None:
    columns = list(frame.columns)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in keys)
    conflict = f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    for rows in _chunks(frame):
        if connection.vendor == "postgresql":
            _upsert_postgresql(table, columns, rows, conflict, json)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            with closing(connection.cursor()) as cursor:
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders}) {conflict}",
                    rows,
                )


def _upsert_postgresql(
    table: str, columns: list[str], rows: list[tuple[Any, ...]], conflict: str, json: str
) -> None:
    staging = f"townhall_staging_{table}"
    names = ", ".join(columns)
    selected = ", ".join(f"{c}::jsonb" if c == json else c for c in columns)
    connection.ensure_connection()
    with closing(connection.connection.cursor()) as cursor:
        # The JSON column is staged as text and cast once by the INSERT.
        staged = ", ".join(f"{c}::text AS {c}" if c == json else c for c in columns)
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS AS "
            f"SELECT {staged} FROM {table} WITH NO DATA"
        )
        with cursor.copy(f"COPY {staging} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(f"INSERT INTO {table} ({names}) SELECT {selected} FROM {staging} {conflict}")
        cursor.execute(f"TRUNCATE {staging}")


def _chunks(frame: pd.DataFrame) -> Iterator[list[tuple[Any, ...]]]:
    """Rows as DB-API tuples (datetimes adapted per distinct value, not per row), in chunks."""
    frame = frame.copy()
    for column in frame.columns:
        if pd.api.types.is_datetime64_any_dtype(frame[column]) or column.endswith(
            ("_since", "_at")
        ):
            frame[column] = _adapt_datetimes(frame[column])
    for start in range(0, len(frame), CHUNK):
        part = frame.iloc[start : start + CHUNK]
        yield list(part.itertuples(index=False, name=None))


def _adapt_datetimes(column: pd.Series) -> pd.Series:
    values = pd.to_datetime(column, utc=True)
    adapted = {
        value: connection.ops.adapt_datetimefield_value(value.to_pydatetime())
        for value in values.dropna().unique()
    }
    result = values.map(adapted).astype(object)
    return result.where(values.notna(), None)
