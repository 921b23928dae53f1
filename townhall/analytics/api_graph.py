"""The network API: the interaction graph and a member's closest connections (docs/network.md).

Mounted under `/api/v1` by townhall.api behind the usual token auth (a read token of a
community manager or admin). Both endpoints read what the last graph stage stored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from townhall.analytics import network_selectors as selectors
from townhall.core.models import Member
from townhall.core.schemas import ErrorOut
from townhall.core.selectors import final_member

router = Router(tags=["network"])


class GraphQuery(Schema):
    source: str = Field(
        "", description="Only members with an identity on this source, and edges seen there."
    )
    segment: str = Field("", description="Only members of this segment (slug).")
    level: str = Field("", description="Only members at this level.")
    min_weight: float = Field(
        0.0, ge=0, description="Only edges at least this strong (decayed weight)."
    )


class NodeOut(Schema):
    id: int
    name: str
    cluster: int
    pagerank: float
    betweenness: float
    x: float = Field(description="Layout position, 0–1.")
    y: float


class EdgeOut(Schema):
    source: int
    target: int
    weight: float
    sources: list[str]


class ClusterOut(Schema):
    number: int
    label: str
    size: int
    top_source: str
    top_members: list[int]


class GraphOut(Schema):
    computed_at: datetime | None
    betweenness_method: str
    nodes: list[NodeOut]
    edges: list[EdgeOut]
    clusters: list[ClusterOut]


class ConnectionOut(Schema):
    member_id: int
    name: str
    weight: float
    interactions: int
    rank: int


class MemberNetworkOut(Schema):
    member_id: int
    cluster: int | None
    cluster_label: str
    pagerank: float | None
    betweenness: float | None
    connections: list[ConnectionOut]


@router.get(
    "/analytics/graph",
    response={200: GraphOut, 401: ErrorOut, 403: ErrorOut},
    summary="The interaction graph",
    operation_id="get_graph",
)
def get_graph(request: HttpRequest, query: Query[GraphQuery]) -> dict[str, Any]:
    """The most central members (by PageRank, with layout positions) and the ties among them.

    Filters narrow the members; `min_weight` drops weak edges. Clusters are Leiden
    communities, 0 the most central (highest total PageRank).
    """
    view = selectors.graph_view(
        selectors.GraphFilters(source=query.source, segment=query.segment, level=query.level),
        min_weight=query.min_weight,
    )
    clusters = selectors.clusters_with_members(limit=1_000)
    return {
        "computed_at": view.run.computed_at if view.run else None,
        "betweenness_method": view.run.betweenness_method if view.run else "",
        "nodes": view.nodes,
        "edges": [{**e, "sources": e["sources"].split()} for e in view.edges],
        "clusters": [
            {
                "number": item["cluster"].number,
                "label": item["cluster"].label,
                "size": item["cluster"].size,
                "top_source": item["cluster"].top_source,
                "top_members": item["cluster"].top_members,
            }
            for item in clusters
        ],
    }


@router.get(
    "/analytics/members/{member_id}/connections",
    response={200: MemberNetworkOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="A member's closest connections",
    operation_id="get_member_connections",
)
def get_member_connections(request: HttpRequest, member_id: int) -> dict[str, Any]:
    """A member's cluster, PageRank, betweenness and closest connections, closest first.

    A merged-away member answers for the member they were merged into.
    """
    try:
        member = Member.objects.get(pk=member_id)
    except Member.DoesNotExist:
        raise HttpError(404, "No member with this id.") from None
    if member.merged_into_id is not None:
        member = final_member(member)
    network = selectors.member_network(member, limit=50)
    node = network.node
    return {
        "member_id": member.pk,
        "cluster": node.cluster if node else None,
        "cluster_label": network.cluster.label if network.cluster else "",
        "pagerank": node.pagerank if node else None,
        "betweenness": node.betweenness if node else None,
        "connections": [
            {
                "member_id": c.other_id,
                "name": str(c.other),
                "weight": c.weight,
                "interactions": c.interactions,
                "rank": c.rank,
            }
            for c in network.connections
        ],
    }
