"""Reads of the interaction graph that the network pages and the API share.

The graph stage stores a layout for the top members by PageRank (GraphNode.x/y) and
the strongest edges among them (GraphEdge); these functions filter that drawing by
source (members with an identity there; edges seen there), segment and level, and
read a member's own network. Each costs a fixed handful of queries.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from townhall.analytics.models import GraphCluster, GraphEdge, GraphNode, GraphRun, MemberConnection
from townhall.core.models import Identity, Member, MemberScore, Segment, Source

# How many distinctly coloured clusters the view has (docs/network.md); others are grey.
PALETTE_SIZE = 10
MAX_EDGES = 3_000


@dataclass(frozen=True)
class GraphFilters:
    """What the graph view is narrowed to; empty strings mean no filter."""

    source: str = ""
    segment: str = ""
    level: str = ""

    @property
    def active(self) -> bool:
        return bool(self.source or self.segment or self.level)


@dataclass
class GraphView:
    nodes: list[dict[str, Any]]
    edges: list[dict[str, Any]]
    run: GraphRun | None
    clusters: dict[int, GraphCluster] = field(default_factory=dict)


def latest_run() -> GraphRun | None:
    return GraphRun.objects.order_by("-created_at", "-id").first()


def graph_view(filters: GraphFilters, *, min_weight: float = 0.0) -> GraphView:
    """The drawn members (with positions) and edges among them, after the filters."""
    nodes = GraphNode.objects.filter(x__isnull=False).select_related("member")
    if filters.source:
        nodes = nodes.filter(
            member__in=Identity.objects.filter(source__slug=filters.source).values("member_id")
        )
    if filters.segment:
        nodes = nodes.filter(member__segment_memberships__segment__slug=filters.segment)
    if filters.level:
        nodes = nodes.filter(
            member__in=MemberScore.objects.filter(level=filters.level).values("member_id")
        )
    rows = list(nodes.order_by("-pagerank", "member_id"))
    top = rows[0].pagerank if rows else 1.0
    node_out = [
        {
            "id": node.member_id,
            "name": str(node.member),
            "x": round(node.x or 0.0, 4),
            "y": round(node.y or 0.0, 4),
            "cluster": node.cluster,
            "colour": node.cluster if node.cluster < PALETTE_SIZE else PALETTE_SIZE,
            "pagerank": node.pagerank,
            "betweenness": node.betweenness,
            # Area proportional to PageRank, relative to the most central member drawn.
            "size": round(3 + 9 * math.sqrt(node.pagerank / top), 2) if top else 3,
        }
        for node in rows
    ]
    ids = {node["id"] for node in node_out}
    edges = GraphEdge.objects.filter(weight__gte=min_weight).order_by("-weight", "id")
    if filters.source:
        # A substring match narrows the rows ("git" is in "github"); the exact check is below.
        edges = edges.filter(sources__contains=filters.source)
    edge_out = [
        {
            "source": e.source_id,
            "target": e.target_id,
            "weight": round(e.weight, 4),
            "sources": e.sources,
        }
        for e in edges[:MAX_EDGES]
        if e.source_id in ids
        and e.target_id in ids
        and (not filters.source or filters.source in e.sources.split())
    ]
    return GraphView(nodes=node_out, edges=edge_out, run=latest_run())


def clusters_with_members(limit: int = 30) -> list[dict[str, Any]]:
    """The most central communities with their most central members' names."""
    clusters = list(GraphCluster.objects.order_by("number")[:limit])
    wanted = {m for c in clusters for m in c.top_members}
    names = {m.pk: m for m in Member.objects.filter(pk__in=wanted)}
    labels = {c.number: c.label for c in clusters}
    return [
        {
            "cluster": c,
            "colour": c.number if c.number < PALETTE_SIZE else PALETTE_SIZE,
            "members": [names[m] for m in c.top_members if m in names],
            "neighbours": [
                {**n, "label": labels.get(int(n["cluster"]), f"Cluster {n['cluster']}")}
                for n in c.neighbours[:3]
            ],
        }
        for c in clusters
    ]


def bridges(limit: int = 20) -> list[GraphNode]:
    """Members whose ties reach into other clusters the most (the community's go-betweens)."""
    return list(
        GraphNode.objects.filter(bridge_weight__gt=0)
        .select_related("member")
        .order_by("-bridge_weight", "member_id")[:limit]
    )


def filter_choices() -> dict[str, list[Any]]:
    """Options for the graph view's filters: sources, segments and levels in use."""
    levels = (
        MemberScore.objects.exclude(level="")
        .values_list("level", flat=True)
        .distinct()
        .order_by("level")
    )
    return {
        "sources": list(Source.objects.order_by("slug")),
        "segments": list(Segment.objects.order_by("name")),
        "levels": list(levels),
    }


@dataclass
class MemberNetwork:
    member: Member
    node: GraphNode | None
    cluster: GraphCluster | None
    connections: list[MemberConnection]
    # Ties among the member's connections (pairs of member ids), for the ego graph.
    ties: list[tuple[int, int]]
    run: GraphRun | None


def member_network(member: Member, *, limit: int = 8) -> MemberNetwork:
    """A member's place in the graph: closest connections, their cluster, and ties among them."""
    node = GraphNode.objects.filter(member=member).first()
    cluster = GraphCluster.objects.filter(number=node.cluster).first() if node else None
    connections = list(
        MemberConnection.objects.filter(member=member)
        .select_related("other")
        .order_by("rank")[:limit]
    )
    others = [c.other_id for c in connections]
    ties = (
        sorted(
            {
                (min(a, b), max(a, b))
                for a, b in MemberConnection.objects.filter(
                    member_id__in=others, other_id__in=others
                ).values_list("member_id", "other_id")
            }
        )
        if len(others) > 1
        else []
    )
    return MemberNetwork(
        member=member,
        node=node,
        cluster=cluster,
        connections=connections,
        ties=ties,
        run=latest_run(),
    )


def ego_layout(network: MemberNetwork, *, size: int = 240) -> dict[str, Any]:
    """Positions for the ego graph: the member in the middle, connections on a ring."""
    centre = size / 2
    radius = size / 2 - 28
    count = len(network.connections)
    strongest = max((c.weight for c in network.connections), default=1.0) or 1.0
    points: dict[int, tuple[float, float]] = {}
    around = []
    for i, connection in enumerate(network.connections):
        angle = -math.pi / 2 + 2 * math.pi * i / max(count, 1)
        x, y = centre + radius * math.cos(angle), centre + radius * math.sin(angle)
        points[connection.other_id] = (x, y)
        around.append(
            {
                "connection": connection,
                "x": round(x, 1),
                "y": round(y, 1),
                "stroke": round(1 + 4 * connection.weight / strongest, 1),
                "label_y": round(y + (16 if y >= centre else -10), 1),
            }
        )
    ties = [
        {
            "x1": round(points[a][0], 1),
            "y1": round(points[a][1], 1),
            "x2": round(points[b][0], 1),
            "y2": round(points[b][1], 1),
        }
        for a, b in network.ties
        if a in points and b in points
    ]
    return {"size": size, "centre": centre, "around": around, "ties": ties}
