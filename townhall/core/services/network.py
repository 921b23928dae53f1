"""Write members' network positions back: PageRank, betweenness and cluster on MemberScore.

The graph stage of the analytics engine computes them; this service only stores them.
It owns three columns of MemberScore and leaves every other one alone (the scores
service writes those): an existing row gets its network columns updated, a member
without a row gets one (scores at their defaults, `computed_at` set), and members who
dropped out of the graph get their network columns cleared. One upsert per chunk
(`INSERT … ON CONFLICT (member_id) DO UPDATE`, the same statement on SQLite and
PostgreSQL), in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction

from townhall.core.models import Member, MemberScore

CHUNK = 10_000

_TABLE = MemberScore._meta.db_table


@dataclass(frozen=True)
class NetworkPosition:
    """One member's place in the interaction graph."""

    member_id: int
    pagerank: float
    betweenness: float
    cluster: int


def record_network_positions(positions: Sequence[NetworkPosition], *, computed_at: datetime) -> int:
    """Store every member's network columns (and clear everyone else's); returns rows written.

    Positions of members that no longer exist or were merged away are skipped.
    """
    table = connection.ops.quote_name(_TABLE)
    insert = (
        f"INSERT INTO {table} "
        "(member_id, love, reach, score, level, pending_level, is_superuser, trend, "
        "explanation, computed_at, pagerank, betweenness, cluster) "
        "VALUES (%s, 0, 0, 0, '', '', %s, '', '{}', %s, %s, %s, %s) "
        "ON CONFLICT (member_id) DO UPDATE SET pagerank = excluded.pagerank, "
        "betweenness = excluded.betweenness, cluster = excluded.cluster"
    )
    stamp = connection.ops.adapt_datetimefield_value(computed_at)
    written = 0
    with transaction.atomic():
        MemberScore.objects.filter(pagerank__isnull=False).update(
            pagerank=None, betweenness=None, cluster=None
        )
        MemberScore.objects.filter(cluster__isnull=False).update(cluster=None, betweenness=None)
        for start in range(0, len(positions), CHUNK):
            chunk = positions[start : start + CHUNK]
            live = set(
                Member.active.filter(pk__in=[p.member_id for p in chunk]).values_list(
                    "pk", flat=True
                )
            )
            rows = [
                (p.member_id, False, stamp, p.pagerank, p.betweenness, p.cluster)
                for p in chunk
                if p.member_id in live
            ]
            with connection.cursor() as cursor:
                cursor.executemany(insert, rows)
            written += len(rows)
    return written
