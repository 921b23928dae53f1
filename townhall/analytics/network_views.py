"""The network pages: the community's interaction graph, and a member's own network.

The graph is drawn on the server as SVG (positions come from the graph stage's igraph
layout), so the page works without JavaScript; static/analytics/network.js adds the
name on hover or focus, neighbour highlighting and zoom. Filters are a plain GET form.
The tables of clusters and bridges below the drawing are its keyboard-friendly twin.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

from townhall.accounts.permissions import can_manage_members, can_view_directory
from townhall.analytics import network_selectors as selectors
from townhall.core.models import Member
from townhall.core.selectors import final_member

VIEW_WIDTH = 1000
VIEW_HEIGHT = 640
_MARGIN = 24


@require_GET
@login_required
def network_page(request: HttpRequest) -> HttpResponse:
    """The interaction graph of the most central members, coloured by cluster (managers only)."""
    if not can_manage_members(request.user):
        raise PermissionDenied("The network view is for community managers and admins.")
    filters = selectors.GraphFilters(
        source=request.GET.get("source", "").strip()[:64],
        segment=request.GET.get("segment", "").strip()[:64],
        level=request.GET.get("level", "").strip()[:32],
    )
    view = selectors.graph_view(filters)
    positions = {
        node["id"]: (
            _MARGIN + node["x"] * (VIEW_WIDTH - 2 * _MARGIN),
            _MARGIN + node["y"] * (VIEW_HEIGHT - 2 * _MARGIN),
        )
        for node in view.nodes
    }
    clusters = selectors.clusters_with_members()
    labels = {item["cluster"].number: item["cluster"].label for item in clusters}
    strongest = max((e["weight"] for e in view.edges), default=1.0) or 1.0
    context: dict[str, Any] = {
        "nav": "analytics",
        "filters": filters,
        "choices": selectors.filter_choices(),
        "run": view.run,
        "width": VIEW_WIDTH,
        "height": VIEW_HEIGHT,
        "nodes": [
            {
                **node,
                "href": reverse("member", args=[node["id"]]),
                "cx": round(positions[node["id"]][0], 1),
                "cy": round(positions[node["id"]][1], 1),
            }
            for node in view.nodes
        ],
        "edges_svg": _edges_svg(view.edges, positions, strongest),
        "clusters": clusters,
        "bridges": [
            {
                "node": node,
                "label": labels.get(node.cluster, f"Cluster {node.cluster}"),
                "colour": min(node.cluster, selectors.PALETTE_SIZE),
            }
            for node in selectors.bridges()
        ],
        "palette": range(selectors.PALETTE_SIZE + 1),
    }
    return render(request, "analytics/network.html", context)


def _edges_svg(
    edges: list[dict[str, Any]], positions: dict[int, tuple[float, float]], strongest: float
) -> SafeString:
    """The drawn ties as SVG lines, built in Python: thousands of them, numbers only."""
    lines = []
    for edge in edges:
        (x1, y1), (x2, y2) = positions[edge["source"]], positions[edge["target"]]
        width = 0.4 + 2.6 * edge["weight"] / strongest
        lines.append(
            f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}" '
            f'stroke-width="{width:.2f}" data-a="{int(edge["source"])}" '
            f'data-b="{int(edge["target"])}"/>'
        )
    # Only formatted numbers go into the markup, so nothing needs escaping.
    return mark_safe("".join(lines))  # noqa: S308


@require_GET
def member_network(request: HttpRequest, member_id: int) -> HttpResponse:
    """A member's closest connections, cluster and ego graph: the profile's network card.

    Whoever may see the profile may see this (signed-in people, like the directory).
    """
    if not can_view_directory(request.user):
        raise PermissionDenied("Sign in to see members' networks.")
    try:
        member = Member.objects.get(pk=member_id)
    except Member.DoesNotExist:
        raise Http404("No member with this id.") from None
    if member.merged_into_id is not None:
        member = final_member(member)
    network = selectors.member_network(member)
    context = {
        "network": network,
        "member": member,
        "ego": selectors.ego_layout(network),
        "can_see_graph": can_manage_members(request.user),
    }
    return render(request, "analytics/network_member.html", context)


urlpatterns = [
    path("network/", network_page, name="network"),
    path("members/<int:member_id>/network/", member_network, name="member_network"),
]
