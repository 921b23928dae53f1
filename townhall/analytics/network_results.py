"""Store the graph stage's results: network columns on MemberScore, the rest in analytics models.

Every run replaces the previous one as a whole, in one transaction, with plain
multi-row INSERTs (no model instance per row: a 1M-edge graph has ~800k connections):
pages never see half a graph.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from datetime import datetime
from itertools import islice
from typing import Any

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.db.models import Model

from townhall.analytics.graph import GraphMetrics
from townhall.analytics.models import (
    GraphCluster,
    GraphEdge,
    GraphNode,
    GraphRun,
    MemberConnection,
)
from townhall.core.models import Member
from townhall.core.services.network import NetworkPosition, record_network_positions

BATCH = 5_000
_LOOKUP_CHUNK = 10_000


def save_graph(metrics: GraphMetrics, *, computed_at: datetime) -> dict[str, Any]:
    """Write `metrics` (replacing the last run); returns counts for the stage summary."""
    started = time.perf_counter()
    live = _live_members(metrics.nodes["member_id"].to_numpy())
    nodes = metrics.nodes[metrics.nodes["member_id"].isin(live)]
    positions = [
        NetworkPosition(int(m), float(p), float(b), int(c))
        for m, p, b, c in zip(
            nodes["member_id"],
            nodes["pagerank"],
            nodes["betweenness"],
            nodes["cluster"],
            strict=True,
        )
    ]
    names = dict(
        Member.objects.filter(
            pk__in={m for top in metrics.clusters["top_members"] for m in top[:1]}
        ).values_list("pk", "display_name")
    )
    layout = metrics.layout.set_index("member_id")
    connections = metrics.connections[
        metrics.connections["member_id"].isin(live) & metrics.connections["other_id"].isin(live)
    ]
    drawn = metrics.layout_edges[
        metrics.layout_edges["source_member"].isin(live)
        & metrics.layout_edges["target_member"].isin(live)
    ]
    with transaction.atomic():
        written = record_network_positions(positions, computed_at=computed_at)
        for model in (MemberConnection, GraphEdge, GraphNode, GraphCluster):
            model.objects.all().delete()
        GraphCluster.objects.bulk_create(_clusters(metrics, names), batch_size=BATCH)
        _insert(GraphNode, _NODE_COLUMNS, _node_rows(nodes, layout))
        _insert(
            GraphEdge,
            ["source_id", "target_id", "weight", "sources"],
            zip(
                drawn["source_member"].astype("int64").tolist(),
                drawn["target_member"].astype("int64").tolist(),
                drawn["weight"].astype(float).tolist(),
                [str(v)[:500] for v in drawn["sources"]],
                strict=True,
            ),
        )
        _insert(
            MemberConnection,
            ["member_id", "other_id", "weight", "interactions", "rank"],
            zip(
                connections["member_id"].astype("int64").tolist(),
                connections["other_id"].astype("int64").tolist(),
                connections["weight"].astype(float).tolist(),
                connections["interactions"].astype("int64").tolist(),
                connections["rank"].astype("int64").tolist(),
                strict=True,
            ),
        )
        GraphRun.objects.create(
            computed_at=computed_at,
            members=len(nodes),
            edges=int(metrics.edge_count),
            clusters=len(metrics.clusters),
            betweenness_method=metrics.betweenness_method,
            timings=metrics.timings,
        )
    return {
        "scores_written": written,
        "connections": len(connections),
        "write_seconds": round(time.perf_counter() - started, 2),
    }


def cluster_label(top_name: str, top_source: str) -> str:
    """A readable name for a community: its most central member, and where it mostly talks."""
    label = f"Around {top_name}" if top_name else "Unnamed cluster"
    return f"{label} ({top_source})" if top_source else label


def _clusters(metrics: GraphMetrics, names: dict[int, str]) -> list[GraphCluster]:
    links = metrics.cluster_links
    neighbours: dict[int, list[dict[str, float]]] = {}
    for a, b, w in zip(links["cluster_a"], links["cluster_b"], links["weight"], strict=True):
        neighbours.setdefault(int(a), []).append({"cluster": int(b), "weight": round(float(w), 4)})
        neighbours.setdefault(int(b), []).append({"cluster": int(a), "weight": round(float(w), 4)})
    rows = []
    for row in metrics.clusters.itertuples(index=False):
        top = [int(m) for m in row.top_members]
        rows.append(
            GraphCluster(
                number=int(row.cluster),
                label=cluster_label(names.get(top[0], "") if top else "", str(row.top_source)),
                size=int(row.size),
                top_source=str(row.top_source),
                internal_weight=float(row.internal_weight),
                external_weight=float(row.external_weight),
                top_members=top,
                neighbours=neighbours.get(int(row.cluster), [])[:10],
            )
        )
    return rows


_NODE_COLUMNS = [
    "member_id",
    "cluster",
    "pagerank",
    "betweenness",
    "degree",
    "strength",
    "bridge_weight",
    "clusters_reached",
    "x",
    "y",
]


def _node_rows(nodes: pd.DataFrame, layout: pd.DataFrame) -> Iterator[tuple[Any, ...]]:
    ids = nodes["member_id"].astype("int64").to_numpy()
    x = layout["x"].reindex(ids).to_numpy(dtype=float)
    y = layout["y"].reindex(ids).to_numpy(dtype=float)
    return zip(
        ids.tolist(),
        nodes["cluster"].astype("int64").tolist(),
        nodes["pagerank"].astype(float).tolist(),
        nodes["betweenness"].astype(float).tolist(),
        nodes["degree"].astype("int64").tolist(),
        nodes["strength"].astype(float).tolist(),
        nodes["bridge_weight"].astype(float).tolist(),
        nodes["clusters_reached"].astype("int64").tolist(),
        [None if np.isnan(v) else v for v in x.tolist()],
        [None if np.isnan(v) else v for v in y.tolist()],
        strict=True,
    )


def _insert(model: type[Model], columns: list[str], rows: Iterable[tuple[Any, ...]]) -> None:
    """Plain multi-row INSERTs: the big tables skip building a model instance per row."""
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} "
        f"({', '.join(quote(c) for c in columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
    )
    iterator = iter(rows)
    with connection.cursor() as cursor:
        while batch := list(islice(iterator, BATCH)):
            cursor.executemany(sql, batch)


def _live_members(ids: np.ndarray) -> set[int]:
    """The ids that are still active members (the snapshot may be older than a merge)."""
    live: set[int] = set()
    values = [int(v) for v in ids]
    for start in range(0, len(values), _LOOKUP_CHUNK):
        chunk = values[start : start + _LOOKUP_CHUNK]
        live.update(Member.active.filter(pk__in=chunk).values_list("pk", flat=True))
    return live
