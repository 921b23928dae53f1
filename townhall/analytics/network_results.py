"""Store the graph stage's results: network columns on MemberScore, the rest in analytics models.

Every run replaces the previous one as a whole, in one transaction, with bulk inserts:
pages never see half a graph.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from django.db import transaction

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
        GraphNode.objects.bulk_create(_nodes(nodes, layout), batch_size=BATCH)
        GraphEdge.objects.bulk_create(
            (
                GraphEdge(
                    source_id=int(s), target_id=int(t), weight=float(w), sources=str(src)[:500]
                )
                for s, t, w, src in zip(
                    drawn["source_member"],
                    drawn["target_member"],
                    drawn["weight"],
                    drawn["sources"],
                    strict=True,
                )
            ),
            batch_size=BATCH,
        )
        MemberConnection.objects.bulk_create(
            (
                MemberConnection(
                    member_id=int(m),
                    other_id=int(o),
                    weight=float(w),
                    interactions=int(i),
                    rank=int(r),
                )
                for m, o, w, i, r in zip(
                    connections["member_id"],
                    connections["other_id"],
                    connections["weight"],
                    connections["interactions"],
                    connections["rank"],
                    strict=True,
                )
            ),
            batch_size=BATCH,
        )
        GraphRun.objects.create(
            computed_at=computed_at,
            members=len(nodes),
            edges=int(metrics.edge_count),
            clusters=len(metrics.clusters),
            betweenness_method=metrics.betweenness_method,
            timings=metrics.timings,
        )
    return {"scores_written": written, "connections": len(connections)}


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


def _nodes(nodes: pd.DataFrame, layout: pd.DataFrame) -> list[GraphNode]:
    x = layout["x"].reindex(nodes["member_id"].to_numpy()).to_numpy()
    y = layout["y"].reindex(nodes["member_id"].to_numpy()).to_numpy()
    return [
        GraphNode(
            member_id=int(row.member_id),
            cluster=int(row.cluster),
            pagerank=float(row.pagerank),
            betweenness=float(row.betweenness),
            degree=int(row.degree),
            strength=float(row.strength),
            bridge_weight=float(row.bridge_weight),
            clusters_reached=int(row.clusters_reached),
            x=None if np.isnan(x[i]) else float(x[i]),
            y=None if np.isnan(y[i]) else float(y[i]),
        )
        for i, row in enumerate(nodes.itertuples(index=False))
    ]


def _live_members(ids: np.ndarray) -> set[int]:
    """The ids that are still active members (the snapshot may be older than a merge)."""
    live: set[int] = set()
    values = [int(v) for v in ids]
    for start in range(0, len(values), _LOOKUP_CHUNK):
        chunk = values[start : start + _LOOKUP_CHUNK]
        live.update(Member.active.filter(pk__in=chunk).values_list("pk", flat=True))
    return live
