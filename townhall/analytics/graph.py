"""The interaction graph: PageRank, betweenness, Leiden communities, bridges, closest connections.

`graph_metrics(edges)` takes the (small) result of the `edges` pipeline — one row per
source_member, target_member (and optionally source) with a decayed `weight` — and
computes everything with python-igraph and leidenalg; `run_graph_stage(engine, tables)`
is the runner's stage: it runs the pipeline, computes the metrics and writes them back
(pagerank, betweenness and cluster onto core's MemberScore through
core.services.network; connections, clusters and the graph view's layout into the
analytics models). docs/network.md explains every choice below.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any

import igraph as ig
import leidenalg
import numpy as np
import pandas as pd

from townhall.analytics.engines import Engine
from townhall.analytics.tables import Tables

# Exact betweenness costs one shortest-path search per node (O(n·m·log n)); above this
# many nodes it is estimated from BETWEENNESS_PIVOTS randomly chosen sources
# (Brandes & Pich 2007), scaled by n / pivots.
BETWEENNESS_EXACT_MAX_NODES = 2_000
BETWEENNESS_PIVOTS = 32
# leidenalg is the reference implementation; past this many ties igraph's C Leiden is used.
LEIDENALG_MAX_EDGES = 200_000
CLOSEST_CONNECTIONS = 8
TOP_MEMBERS_PER_CLUSTER = 5
LAYOUT_NODES = 600
LAYOUT_EDGES = 3_000
SEED = 42

NODE_COLUMNS = [
    "member_id",
    "pagerank",
    "betweenness",
    "cluster",
    "degree",
    "strength",
    "bridge_weight",
    "clusters_reached",
]


@dataclass
class GraphMetrics:
    """What the graph stage computes; every frame is small enough to write to the database."""

    # One row per member with at least one edge (NODE_COLUMNS).
    nodes: pd.DataFrame
    # member_id, other_id, weight, interactions, rank (1 = closest), both directions summed.
    connections: pd.DataFrame
    # cluster, size, internal_weight, external_weight, top_members (ids by PageRank), top_source.
    clusters: pd.DataFrame
    # cluster_a < cluster_b, weight: how strongly two communities interact.
    cluster_links: pd.DataFrame
    # member_id, x, y in [0, 1]: positions of the top LAYOUT_NODES members by PageRank.
    layout: pd.DataFrame
    # source_member < target_member, weight, sources ("github slack"): edges among them.
    layout_edges: pd.DataFrame
    betweenness_method: str = "exact"
    # Directed member-to-member edges the metrics were computed on (sources summed).
    edge_count: int = 0
    timings: dict[str, float] = field(default_factory=dict)


def graph_metrics(
    edges: pd.DataFrame,
    *,
    connections: int = CLOSEST_CONNECTIONS,
    layout_nodes: int = LAYOUT_NODES,
    pivots: int = BETWEENNESS_PIVOTS,
    exact_max_nodes: int = BETWEENNESS_EXACT_MAX_NODES,
    seed: int = SEED,
) -> GraphMetrics:
    """Compute the graph's metrics from edge rows (source_member, target_member, weight, …).

    Deterministic: Leiden, betweenness sampling and the layout all take `seed`.
    """
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 3)
        clock = now

    edges = edges[edges["source_member"] != edges["target_member"]]
    if "interactions" not in edges.columns:
        edges = edges.assign(interactions=1)
    directed = edges.groupby(["source_member", "target_member"], as_index=False, sort=True).agg(
        weight=("weight", "sum"), interactions=("interactions", "sum")
    )
    directed = directed[directed["weight"] > 0]
    if directed.empty:
        return _empty()

    ids = np.unique(np.concatenate([directed["source_member"], directed["target_member"]]))
    n = len(ids)
    src = np.searchsorted(ids, directed["source_member"].to_numpy())
    dst = np.searchsorted(ids, directed["target_member"].to_numpy())
    weights = directed["weight"].to_numpy(dtype=float)

    graph = ig.Graph(n=n, edges=np.column_stack([src, dst]), directed=True)
    pagerank = np.asarray(graph.pagerank(weights=weights.tolist(), directed=True))
    lap("pagerank")

    # Communities, betweenness and closeness ignore direction: a reply ties two people.
    low, high = np.minimum(src, dst), np.maximum(src, dst)
    pairs = (
        pd.DataFrame(
            {"a": low, "b": high, "weight": weights, "interactions": directed["interactions"]}
        )
        .groupby(["a", "b"], as_index=False, sort=True)
        .sum()
    )
    a, b = pairs["a"].to_numpy(), pairs["b"].to_numpy()
    pair_weights = pairs["weight"].to_numpy(dtype=float)
    undirected = ig.Graph(n=n, edges=np.column_stack([a, b]), directed=False)
    lap("undirected")

    membership = _communities(undirected, pair_weights, pagerank, seed)
    lap("leiden")

    betweenness, method = _betweenness(undirected, pair_weights, pivots, exact_max_nodes, seed)
    lap("betweenness")

    degree = np.asarray(undirected.degree())
    strength = np.bincount(a, pair_weights, n) + np.bincount(b, pair_weights, n)
    cross = membership[a] != membership[b]
    bridge_weight = np.bincount(a[cross], pair_weights[cross], n) + np.bincount(
        b[cross], pair_weights[cross], n
    )
    reached = pd.DataFrame(
        {
            "node": np.concatenate([a[cross], b[cross]]),
            "other": np.concatenate([membership[b[cross]], membership[a[cross]]]),
        }
    ).drop_duplicates()
    clusters_reached = np.bincount(reached["node"].to_numpy(dtype=np.int64), minlength=n)
    nodes = pd.DataFrame(
        {
            "member_id": ids,
            "pagerank": pagerank,
            "betweenness": betweenness,
            "cluster": membership,
            "degree": degree,
            "strength": strength,
            "bridge_weight": bridge_weight,
            "clusters_reached": clusters_reached,
        }
    )
    lap("bridges")

    closest = _closest(ids, a, b, pair_weights, pairs["interactions"].to_numpy(), connections)
    lap("connections")

    clusters, links = _clusters(edges, nodes, ids, a, b, pair_weights, membership)
    lap("clusters")

    layout, layout_edges = _layout(edges, nodes, ids, a, b, pair_weights, layout_nodes, seed)
    lap("layout")

    return GraphMetrics(
        nodes=nodes,
        connections=closest,
        clusters=clusters,
        cluster_links=links,
        layout=layout,
        layout_edges=layout_edges,
        betweenness_method=method,
        edge_count=len(directed),
        timings=timings,
    )


def _communities(
    graph: ig.Graph, weights: np.ndarray, pagerank: np.ndarray, seed: int
) -> np.ndarray:
    """Leiden communities maximising modularity, numbered from the most central (0) down.

    "Most central": the highest total PageRank of its members (then the biggest), so the
    communities the graph view draws first get the first, distinct colours.

    leidenalg up to LEIDENALG_MAX_EDGES ties; above, igraph's own C implementation of
    the same algorithm and objective, which used 17× less CPU on 1M edges here for the
    same modularity (docs/network.md has the figures).
    """
    if graph.ecount() <= LEIDENALG_MAX_EDGES:
        partition = leidenalg.find_partition(
            graph, leidenalg.ModularityVertexPartition, weights=weights.tolist(), seed=seed
        )
        raw = np.asarray(partition.membership)
    else:
        ig.set_random_number_generator(random.Random(seed))
        try:
            found = graph.community_leiden(
                objective_function="modularity", weights=weights.tolist(), n_iterations=2
            )
        finally:
            ig.set_random_number_generator(random)
        raw = np.asarray(found.membership)
    # Renumber by total PageRank, then size, then the smallest node: stable across runs.
    sizes = np.bincount(raw)
    central = np.round(np.bincount(raw, pagerank, len(sizes)), 12)
    first = np.full(len(sizes), len(raw))
    np.minimum.at(first, raw, np.arange(len(raw)))
    order = np.lexsort((first, -sizes, -central))
    renumber = np.empty(len(sizes), dtype=np.int64)
    renumber[order] = np.arange(len(sizes))
    return renumber[raw]


def _betweenness(
    graph: ig.Graph, weights: np.ndarray, pivots: int, exact_max_nodes: int, seed: int
) -> tuple[np.ndarray, str]:
    """Normalised betweenness (share of all shortest paths through a node) and the method used.

    Edge lengths are 1 / weight: a strong tie is a short path.
    """
    n = graph.vcount()
    if n < 3:
        return np.zeros(n), "exact"
    lengths = (1.0 / weights).tolist()
    if n <= exact_max_nodes:
        raw = np.asarray(graph.betweenness(directed=False, weights=lengths))
        method = "exact"
    else:
        chosen = np.random.default_rng(seed).choice(n, size=min(pivots, n), replace=False)
        sampled = graph.betweenness(
            directed=False, weights=lengths, sources=sorted(chosen.tolist())
        )
        # Scaling by n / pivots estimates the sum over every source; with every node as
        # a pivot it equals igraph's exact value (tests/analytics/test_graph.py).
        raw = np.asarray(sampled) * (n / len(chosen))
        method = f"sampled from {len(chosen)} pivots"
    pairs = (n - 1) * (n - 2) / 2.0
    return raw / pairs, method


def _closest(
    ids: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    weights: np.ndarray,
    interactions: np.ndarray,
    top: int,
) -> pd.DataFrame:
    """Each member's `top` strongest ties (both directions summed), strongest first."""
    both = pd.DataFrame(
        {
            "member_id": ids[np.concatenate([a, b])],
            "other_id": ids[np.concatenate([b, a])],
            "weight": np.concatenate([weights, weights]),
            "interactions": np.concatenate([interactions, interactions]),
        }
    )
    both = both.sort_values(
        ["member_id", "weight", "other_id"], ascending=[True, False, True], kind="stable"
    )
    both["rank"] = both.groupby("member_id").cumcount() + 1
    return both[both["rank"] <= top].reset_index(drop=True)


def _clusters(
    edges: pd.DataFrame,
    nodes: pd.DataFrame,
    ids: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    weights: np.ndarray,
    membership: np.ndarray,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per community: size, weight inside and out, top members, busiest source; and links."""
    inside = membership[a] == membership[b]
    count = int(membership.max()) + 1
    internal = np.bincount(membership[a[inside]], weights[inside], count)
    external = np.bincount(membership[a[~inside]], weights[~inside], count) + np.bincount(
        membership[b[~inside]], weights[~inside], count
    )
    ranked = nodes.sort_values(["cluster", "pagerank", "member_id"], ascending=[True, False, True])
    top = ranked.groupby("cluster").head(TOP_MEMBERS_PER_CLUSTER)
    top_members = top.groupby("cluster")["member_id"].agg(list)

    top_source: dict[int, str] = {}
    if "source" in edges.columns:
        cluster_of = pd.Series(membership, index=ids)
        per_source = edges.assign(
            c_from=cluster_of.reindex(edges["source_member"].to_numpy()).to_numpy(),
            c_to=cluster_of.reindex(edges["target_member"].to_numpy()).to_numpy(),
        )
        per_source = per_source[per_source["c_from"] == per_source["c_to"]]
        busiest = (
            per_source.groupby(["c_from", "source"], as_index=False)["weight"]
            .sum()
            .sort_values(["c_from", "weight", "source"], ascending=[True, False, True])
            .drop_duplicates("c_from")
        )
        top_source = dict(zip(busiest["c_from"].astype(int), busiest["source"], strict=True))

    clusters = pd.DataFrame(
        {
            "cluster": np.arange(count),
            "size": np.bincount(membership, minlength=count),
            "internal_weight": internal,
            "external_weight": external,
        }
    )
    clusters["top_members"] = [
        [int(m) for m in top_members.get(c, [])] for c in clusters["cluster"]
    ]
    clusters["top_source"] = [top_source.get(int(c), "") for c in clusters["cluster"]]

    ca, cb = membership[a[~inside]], membership[b[~inside]]
    links = (
        pd.DataFrame(
            {
                "cluster_a": np.minimum(ca, cb),
                "cluster_b": np.maximum(ca, cb),
                "weight": weights[~inside],
            }
        )
        .groupby(["cluster_a", "cluster_b"], as_index=False)["weight"]
        .sum()
        .sort_values(["weight", "cluster_a", "cluster_b"], ascending=[False, True, True])
        .reset_index(drop=True)
    )
    return clusters, links


def _layout(
    edges: pd.DataFrame,
    nodes: pd.DataFrame,
    ids: np.ndarray,
    a: np.ndarray,
    b: np.ndarray,
    weights: np.ndarray,
    size: int,
    seed: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Positions for the top `size` members by PageRank, and the strongest edges among them."""
    chosen = (
        nodes.sort_values(["pagerank", "member_id"], ascending=[False, True])
        .head(size)
        .index.to_numpy()
    )
    keep = np.zeros(len(ids), dtype=bool)
    keep[chosen] = True
    inner = keep[a] & keep[b]
    local = np.full(len(ids), -1)
    local[np.sort(chosen)] = np.arange(len(chosen))
    order = np.sort(chosen)
    sub_a, sub_b, sub_w = local[a[inner]], local[b[inner]], weights[inner]
    sub = ig.Graph(n=len(order), edges=np.column_stack([sub_a, sub_b]), directed=False)
    # A seeded start makes Fruchterman–Reingold deterministic; DrL scales to bigger views.
    start = np.random.default_rng(seed).random((len(order), 2)).tolist()
    ig.set_random_number_generator(random.Random(seed))
    try:
        if len(order) <= 1_500:
            coords = sub.layout_fruchterman_reingold(
                weights=sub_w.tolist() if len(sub_w) else None, seed=start, niter=500
            )
        else:
            coords = sub.layout_drl(weights=sub_w.tolist() if len(sub_w) else None, seed=start)
    finally:
        # Back to igraph's default generator (Python's `random` module).
        ig.set_random_number_generator(random)
    xy = np.asarray(coords.coords, dtype=float).reshape(len(order), 2)
    span = xy.max(axis=0) - xy.min(axis=0)
    span[span == 0] = 1.0
    xy = (xy - xy.min(axis=0)) / span
    layout = pd.DataFrame({"member_id": ids[order], "x": xy[:, 0], "y": xy[:, 1]})

    drawn = pd.DataFrame(
        {"source_member": ids[a[inner]], "target_member": ids[b[inner]], "weight": sub_w}
    )
    drawn = drawn.sort_values(
        ["weight", "source_member", "target_member"], ascending=[False, True, True]
    ).head(LAYOUT_EDGES)
    if "source" in edges.columns and not drawn.empty:
        low = np.minimum(edges["source_member"], edges["target_member"])
        high = np.maximum(edges["source_member"], edges["target_member"])
        inside = set(ids[order].tolist())
        mask = low.isin(inside) & high.isin(inside)
        per_pair = (
            pd.DataFrame(
                {
                    "source_member": low[mask],
                    "target_member": high[mask],
                    "src": edges["source"][mask],
                }
            )
            .drop_duplicates()
            .sort_values("src")
            .groupby(["source_member", "target_member"])["src"]
            .agg(" ".join)
            .rename("sources")
            .reset_index()
        )
        drawn = drawn.merge(per_pair, on=["source_member", "target_member"], how="left")
        drawn["sources"] = drawn["sources"].fillna("")
    else:
        drawn["sources"] = ""
    return layout, drawn.reset_index(drop=True)


def _empty() -> GraphMetrics:
    return GraphMetrics(
        nodes=pd.DataFrame({c: pd.Series(dtype="float64") for c in NODE_COLUMNS}),
        connections=pd.DataFrame(
            columns=["member_id", "other_id", "weight", "interactions", "rank"]
        ),
        clusters=pd.DataFrame(
            columns=[
                "cluster",
                "size",
                "internal_weight",
                "external_weight",
                "top_members",
                "top_source",
            ]
        ),
        cluster_links=pd.DataFrame(columns=["cluster_a", "cluster_b", "weight"]),
        layout=pd.DataFrame(columns=["member_id", "x", "y"]),
        layout_edges=pd.DataFrame(columns=["source_member", "target_member", "weight", "sources"]),
    )


def run_graph_stage(engine: Engine, tables: Tables) -> dict[str, Any]:
    """The runner's graph stage: edges pipeline → metrics → results written back."""
    from townhall.analytics.network_results import save_graph
    from townhall.analytics.pipelines.edges import edges as edges_pipeline

    started = time.perf_counter()
    frame = engine.execute(edges_pipeline(tables))
    pipeline_seconds = time.perf_counter() - started
    metrics = graph_metrics(frame)
    written = save_graph(metrics, computed_at=tables.as_of)
    return {
        "edges": len(frame),
        "members": len(metrics.nodes),
        "clusters": len(metrics.clusters),
        "betweenness": metrics.betweenness_method,
        "edges_seconds": round(pipeline_seconds, 2),
        "metrics_seconds": round(sum(metrics.timings.values()), 2),
        **written,
    }


def synthetic_edges(
    edges: int = 1_000_000, members: int = 150_000, seed: int = SEED
) -> pd.DataFrame:
    """A power-law interaction graph for benchmarks: `edges` distinct directed edges.

    Endpoints are drawn with probability ∝ rank^−0.8 (a few members take part in most
    interactions, like real communities), over three sources.
    """
    rng = np.random.default_rng(seed)
    p = np.arange(1, members + 1, dtype=float) ** -0.8
    p /= p.sum()
    frames: list[pd.DataFrame] = []
    have = 0
    while have < edges:
        draw = int((edges - have) * 1.1) + 1000
        frame = pd.DataFrame(
            {
                "source_member": rng.choice(members, draw, p=p),
                "target_member": rng.choice(members, draw, p=p),
            }
        )
        frames.append(frame[frame["source_member"] != frame["target_member"]])
        combined = pd.concat(frames).drop_duplicates(["source_member", "target_member"])
        frames, have = [combined], len(combined)
    result = frames[0].head(edges).reset_index(drop=True)
    result["source"] = rng.choice(np.array(["community", "github", "slack"]), len(result))
    result["weight"] = rng.exponential(1.0, len(result))
    result["interactions"] = rng.integers(1, 5, len(result))
    return result
