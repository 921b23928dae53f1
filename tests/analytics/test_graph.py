from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import igraph as ig
import numpy as np
import pandas as pd
import pytest

from townhall.analytics.engines import Engine
from townhall.analytics.graph import _betweenness, graph_metrics, run_graph_stage
from townhall.analytics.models import GraphCluster, GraphNode, GraphRun, MemberConnection
from townhall.core.models import Member, MemberScore

from .conftest import act, build_tables


def _edges(*rows: tuple[int, int, float], source: str = "slack") -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"source_member": s, "target_member": t, "weight": w, "source": source}
            for s, t, w in rows
        ],
        columns=["source_member", "target_member", "weight", "source"],
    )


# Two tight triangles (1-2-3 and 4-5-6) tied by one thin edge 3 → 4.
TWO_GROUPS = _edges(
    (1, 2, 3.0), (2, 3, 3.0), (3, 1, 3.0), (4, 5, 3.0), (5, 6, 3.0), (6, 4, 3.0), (3, 4, 0.5)
)


def test_two_groups_tied_by_one_edge_are_two_clusters_with_the_tie_as_their_bridge() -> None:
    metrics = graph_metrics(TWO_GROUPS)
    nodes = metrics.nodes.set_index("member_id")
    assert nodes.loc[[1, 2, 3], "cluster"].nunique() == 1
    assert nodes.loc[[4, 5, 6], "cluster"].nunique() == 1
    assert nodes.loc[1, "cluster"] != nodes.loc[4, "cluster"]
    assert set(nodes.index[nodes["bridge_weight"] > 0]) == {3, 4}
    assert set(nodes["betweenness"].nlargest(2).index) == {3, 4}
    assert metrics.cluster_links[["cluster_a", "cluster_b", "weight"]].values.tolist() == [
        [0, 1, 0.5]
    ]
    assert sorted(metrics.clusters["size"]) == [3, 3]


def test_pagerank_favours_the_member_everyone_replies_to() -> None:
    metrics = graph_metrics(_edges((1, 9, 1.0), (2, 9, 1.0), (3, 9, 1.0), (9, 1, 0.2)))
    nodes = metrics.nodes.set_index("member_id")
    assert nodes["pagerank"].idxmax() == 9
    assert nodes["pagerank"].sum() == pytest.approx(1.0)


def test_closest_connections_add_both_directions_and_rank_the_strongest_first() -> None:
    metrics = graph_metrics(_edges((1, 2, 1.0), (2, 1, 2.0), (1, 3, 2.5), (4, 1, 0.1)))
    mine = metrics.connections[metrics.connections["member_id"] == 1]
    assert mine[["other_id", "weight", "rank"]].values.tolist() == [
        [2, 3.0, 1],
        [3, 2.5, 2],
        [4, 0.1, 3],
    ]


def test_sampled_betweenness_with_every_node_as_pivot_equals_the_exact_value() -> None:
    graph = ig.Graph.Erdos_Renyi(60, 0.1, directed=False)
    weights = np.random.default_rng(1).random(graph.ecount()) + 0.5
    exact, method = _betweenness(graph, weights, pivots=60, exact_max_nodes=1_000, seed=1)
    sampled, sampled_method = _betweenness(graph, weights, pivots=60, exact_max_nodes=10, seed=1)
    assert method == "exact"
    assert sampled_method == "sampled from 60 pivots"
    assert np.allclose(exact, sampled)


def test_the_same_edges_give_the_same_communities_layout_and_betweenness() -> None:
    rng = np.random.default_rng(3)
    edges = pd.DataFrame(
        {
            "source_member": rng.integers(0, 300, 2_000),
            "target_member": rng.integers(0, 300, 2_000),
            "weight": rng.random(2_000),
            "source": "slack",
        }
    )
    first = graph_metrics(edges, exact_max_nodes=100, layout_nodes=50)
    second = graph_metrics(edges, exact_max_nodes=100, layout_nodes=50)
    pd.testing.assert_frame_equal(first.nodes, second.nodes)
    pd.testing.assert_frame_equal(first.layout, second.layout)
    assert first.betweenness_method.startswith("sampled")


def test_no_edges_give_an_empty_graph() -> None:
    metrics = graph_metrics(_edges())
    assert metrics.nodes.empty
    assert metrics.connections.empty
    assert metrics.layout.empty


@pytest.fixture
def three_members(make_member: Callable[..., Member]) -> list[Member]:
    return [make_member(name=name) for name in ("Ada", "Bo", "Cy")]


@pytest.mark.django_db
def test_the_graph_stage_writes_network_columns_and_leaves_scores_alone(
    duckdb_engine: Engine, three_members: list[Member]
) -> None:
    ada, bo, cy = three_members
    MemberScore.objects.create(member=ada, love=7.0, computed_at=datetime(2026, 5, 1, tzinfo=UTC))
    # Cy had a place in an earlier graph but no longer interacts with anyone.
    MemberScore.objects.create(
        member=cy, pagerank=0.5, cluster=3, computed_at=datetime(2026, 5, 1, tzinfo=UTC)
    )
    tables = build_tables(
        duckdb_engine,
        activities=[
            act(1, member=ada.pk, kind="reply", target=bo.pk),
            act(2, member=bo.pk, kind="reply", target=ada.pk),
            act(3, member=cy.pk, kind="message"),
        ],
    )

    summary = run_graph_stage(duckdb_engine, tables)

    assert summary["members"] == 2
    ada_score = MemberScore.objects.get(member=ada)
    assert ada_score.love == 7.0
    assert ada_score.pagerank == pytest.approx(0.5)
    assert ada_score.cluster == 0
    bo_score = MemberScore.objects.get(member=bo)
    assert bo_score.computed_at == tables.as_of
    assert MemberScore.objects.get(member=cy).pagerank is None
    assert list(MemberConnection.objects.filter(member=ada).values_list("other_id", "rank")) == [
        (bo.pk, 1)
    ]
    cluster = GraphCluster.objects.get()
    assert cluster.size == 2
    assert cluster.label.startswith("Around ")
    assert GraphNode.objects.filter(x__isnull=False).count() == 2
    assert GraphRun.objects.get().members == 2


@pytest.mark.django_db
def test_running_the_graph_stage_twice_replaces_the_first_run(
    duckdb_engine: Engine, three_members: list[Member]
) -> None:
    ada, bo, cy = three_members
    first = build_tables(
        duckdb_engine, activities=[act(1, member=ada.pk, kind="reply", target=bo.pk)]
    )
    run_graph_stage(duckdb_engine, first)
    second = build_tables(
        duckdb_engine, activities=[act(1, member=cy.pk, kind="reply", target=bo.pk)]
    )
    run_graph_stage(duckdb_engine, second)
    assert set(GraphNode.objects.values_list("member_id", flat=True)) == {bo.pk, cy.pk}
    assert not MemberConnection.objects.filter(member=ada).exists()
    assert MemberScore.objects.get(member=ada).pagerank is None


@pytest.mark.django_db
def test_a_community_of_bots_or_silent_members_has_an_empty_graph_and_clears_the_last_one(
    duckdb_engine: Engine, three_members: list[Member]
) -> None:
    ada, bo, cy = three_members
    run_graph_stage(
        duckdb_engine,
        build_tables(duckdb_engine, activities=[act(1, member=ada.pk, kind="reply", target=bo.pk)]),
    )
    only_bots = build_tables(
        duckdb_engine,
        activities=[
            act(1, member=cy.pk, kind="reply", target=ada.pk, bot=True),
            act(2, member=bo.pk, kind="message"),
        ],
    )

    summary = run_graph_stage(duckdb_engine, only_bots)

    assert summary["members"] == 0
    assert not GraphNode.objects.exists()
    assert not MemberConnection.objects.exists()
    assert not MemberScore.objects.filter(pagerank__isnull=False).exists()
    assert GraphRun.objects.order_by("-id").first().members == 0


def test_big_graphs_use_igraphs_leiden_and_find_the_same_two_groups(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("townhall.analytics.graph.LEIDENALG_MAX_EDGES", 0)
    first = graph_metrics(TWO_GROUPS).nodes.set_index("member_id")["cluster"]
    second = graph_metrics(TWO_GROUPS).nodes.set_index("member_id")["cluster"]
    assert first.equals(second)
    assert first.loc[[1, 2, 3]].nunique() == 1
    assert first.loc[1] != first.loc[4]
