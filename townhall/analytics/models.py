"""What the graph stage keeps for the network pages: communities, closest ties, the layout.

Rebuilt as a whole by every run (townhall/analytics/network_results.py); pages only
read them. Per-member PageRank, betweenness and cluster also go onto core's MemberScore
(through core.services.network), where the rest of the product reads them.
"""

from __future__ import annotations

from django.db import models

from townhall.core.models import NAME_MAX, Member


class GraphRun(models.Model):
    """One computation of the graph: when, how big, and how betweenness was obtained."""

    computed_at = models.DateTimeField(help_text="The analysis's as-of moment.")
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.PositiveIntegerField(default=0)
    edges = models.PositiveIntegerField(default=0)
    clusters = models.PositiveIntegerField(default=0)
    betweenness_method = models.CharField(max_length=64, default="exact")
    timings = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"graph at {self.computed_at:%Y-%m-%d %H:%M}: {self.members} members"


class GraphCluster(models.Model):
    """A Leiden community: 0 is the most central (highest total PageRank of its members)."""

    number = models.PositiveIntegerField(unique=True)
    label = models.CharField(max_length=NAME_MAX, blank=True, default="")
    size = models.PositiveIntegerField(default=0)
    top_source = models.CharField(max_length=64, blank=True, default="")
    internal_weight = models.FloatField(default=0.0)
    external_weight = models.FloatField(default=0.0)
    top_members = models.JSONField(default=list, blank=True, help_text="Member ids by PageRank.")
    neighbours = models.JSONField(
        default=list, blank=True, help_text="[{cluster, weight}], strongest links first."
    )

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return self.label or f"Cluster {self.number}"


class GraphNode(models.Model):
    """A member's place in the graph; x and y are set for the members the graph view draws."""

    member = models.OneToOneField(
        Member, on_delete=models.CASCADE, primary_key=True, related_name="graph_node"
    )
    cluster = models.PositiveIntegerField()
    pagerank = models.FloatField()
    betweenness = models.FloatField()
    degree = models.PositiveIntegerField(default=0)
    strength = models.FloatField(default=0.0)
    bridge_weight = models.FloatField(
        default=0.0, help_text="Weight of their ties to members of other clusters."
    )
    clusters_reached = models.PositiveIntegerField(default=0)
    x = models.FloatField(null=True, blank=True)
    y = models.FloatField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["-pagerank"], name="analytics_node_pagerank"),
            models.Index(fields=["-bridge_weight"], name="analytics_node_bridge"),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} in cluster {self.cluster}"


class GraphEdge(models.Model):
    """A tie between two drawn members (source < target), for the graph view."""

    source = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    target = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    weight = models.FloatField()
    sources = models.CharField(
        max_length=500, blank=True, default="", help_text="Source slugs, space-separated."
    )

    class Meta:
        ordering = ["-weight", "id"]

    def __str__(self) -> str:
        return f"{self.source_id}–{self.target_id}: {self.weight:.2f}"


class MemberConnection(models.Model):
    """One of a member's closest connections: interactions both ways, decayed and weighted."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="connections")
    other = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    weight = models.FloatField()
    interactions = models.PositiveIntegerField(default=0)
    rank = models.PositiveSmallIntegerField(help_text="1 is the closest.")

    class Meta:
        ordering = ["member", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["member", "rank"], name="analytics_connection_rank")
        ]

    def __str__(self) -> str:
        return f"{self.member_id} → {self.other_id} (#{self.rank})"
