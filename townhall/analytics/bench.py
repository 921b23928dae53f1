"""`townhall bench analytics --activities N --members M [--engine duckdb|spark|both]`.

Writes a synthetic community straight into the snapshot layout (townhall/analytics/
synthetic.py: vectorised, seeded, skewed; no database, not timed), then times each
stage on each engine: snapshot load, scores, levels, per-channel levels, trends,
explanations, graph (edges pipeline + igraph metrics), and an incremental re-run after
1 % new activity. Next to them, a bare baseline: one decayed, weighted group-by over
the same Parquet in plain DuckDB SQL — the arithmetic the pipelines cannot avoid.

Memory is the process's peak resident set (ru_maxrss): DuckDB allocates outside
Python's allocator, so tracemalloc would miss it. With Spark, the JVM is a separate
process: its memory is not included (ru_maxrss of children is printed too).
"""

from __future__ import annotations

import os
import resource
import shutil
import tempfile
import time
from argparse import ArgumentParser
from collections.abc import Callable
from datetime import datetime
from importlib import import_module
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from townhall.analytics import synthetic
from townhall.analytics.engines import Engine, EngineUnavailable, connect
from townhall.analytics.snapshot import load_tables, read_manifest
from townhall.analytics.tables import Tables
from townhall.core.bench import Benchmark, register

HELP = (
    "Time the analytics stages (snapshot load, scores, levels, per-channel levels, trends, "
    "graph, incremental re-run) over N synthetic activities on DuckDB and/or Spark."
)
AS_OF = synthetic.END
BASELINE_CPU: list[float] = []  # CPU seconds of the last baseline run


def add_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("--activities", type=int, default=1_000_000)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--engine", choices=["duckdb", "spark", "both"], default="duckdb")
    parser.add_argument("--master", help="Spark master URL (default local[2]).")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--materialize",
        action="store_true",
        help="Resolve the snapshot's activities into the engine once, before the stages.",
    )
    parser.add_argument("--no-graph", action="store_true", help="Skip the graph stage.")
    parser.add_argument(
        "--keep", type=Path, help="Write the synthetic snapshot here and keep it (reused if there)."
    )


def peak_mib() -> float:
    """This process's peak resident memory so far, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_from_options(options: dict[str, Any]) -> None:
    console = Console()
    if not console.is_terminal:
        console.width = 120  # a log or a docs page: room for the notes column
    directory = options["keep"] or Path(tempfile.mkdtemp(prefix="townhall-bench-"))
    try:
        manifest = _ensure_data(console, directory, options)
        baseline = bare_baseline(directory)
        console.print(
            f"Baseline: a bare decayed, weighted group-by over {manifest.rows:,} rows in DuckDB "
            f"SQL (Parquet → one SUM per identity) takes [bold]{baseline:.2f} s[/] "
            f"(CPU {BASELINE_CPU[-1]:.1f} s)."
        )
        engines = ["duckdb", "spark"] if options["engine"] == "both" else [options["engine"]]
        for name in engines:
            try:
                engine = connect(name, master=options["master"])
            except EngineUnavailable as error:
                console.print(f"[red]{name}: {error}[/]")
                continue
            rows = run_stages(engine, directory, options, console)
            _print(console, name, manifest.rows, options["members"], rows, baseline)
            # The 1 % appended for the incremental run is removed for the next engine.
            manifest = _drop_appended(directory, manifest.rows)
    finally:
        if options["keep"] is None:
            shutil.rmtree(directory, ignore_errors=True)


def _ensure_data(console: Console, directory: Path, options: dict[str, Any]) -> Any:
    try:
        manifest = read_manifest(directory)
        if manifest.rows == options["activities"]:
            console.print(f"Reusing the synthetic snapshot in {directory}")
            return manifest
        shutil.rmtree(directory)
    except Exception:  # noqa: S110 - no usable data there: generate it
        pass
    with console.status(
        f"Generating {options['activities']:,} activities of {options['members']:,} members…"
    ):
        started = time.perf_counter()
        manifest = synthetic.write_synthetic_snapshot(
            directory, options["activities"], options["members"], options["seed"]
        )
    console.print(
        f"Generated {manifest.rows:,} activities in {time.perf_counter() - started:.1f} s "
        f"({sum(p.stat().st_size for p in directory.rglob('*.parquet')) / 2**20:,.0f} MiB of "
        "Parquet; not counted below)"
    )
    return manifest


def _drop_appended(directory: Path, rows: int) -> Any:
    """Forget the parts appended by the incremental run (back to the generated data)."""
    import json
    from dataclasses import asdict

    manifest = read_manifest(directory)
    appended = [p for p in manifest.parts if p.file.startswith("part-append-")]
    for part in appended:
        (directory / "activities" / part.file).unlink(missing_ok=True)
    manifest.parts = [p for p in manifest.parts if p not in appended]
    manifest.rows = sum(p.rows for p in manifest.parts)
    manifest.watermark = max(p.max_id for p in manifest.parts)
    (directory / "manifest.json").write_text(json.dumps(asdict(manifest), indent=1))
    return manifest


def bare_baseline(directory: Path) -> float:
    """Seconds for SUM(weight × 2^(−age/30 d)) GROUP BY identity over the raw Parquet."""
    import duckdb

    con = duckdb.connect()
    as_of = AS_OF.timestamp()
    sql = f"""
        SELECT a.identity_id, SUM(k.weight * exp((epoch(a.occurred_at) - {as_of}) * {0.693147 / (30 * 86400)}))
        FROM read_parquet('{directory}/activities/*.parquet') a
        JOIN read_parquet('{directory}/kinds.parquet') k USING (kind_id)
        GROUP BY a.identity_id
    """
    started, cpu = time.perf_counter(), time.process_time()
    con.sql(sql).to_arrow_table()
    BASELINE_CPU.append(time.process_time() - cpu)
    return time.perf_counter() - started


def _module(name: str) -> Any | None:
    try:
        return import_module(name)
    except ModuleNotFoundError:
        return None


def run_stages(
    engine: Engine, directory: Path, options: dict[str, Any], console: Console
) -> list[tuple[str, float | None, str]]:
    """[(stage, seconds or None when skipped, note)] for one engine."""
    rows: list[tuple[str, float | None, str]] = []

    def timed(name: str, work: Callable[[], str]) -> None:
        with console.status(f"{engine.name}: {name}…"):
            started, cpu = time.perf_counter(), time.process_time()
            try:
                note = work()
            except Exception as error:
                # A stage that fails (e.g. out of memory on Spark) is reported, not fatal.
                rows.append((name, None, f"failed: {type(error).__name__}: {str(error)[:160]}"))
                console.print(f"  {engine.name} · {name}: {rows[-1][2]}", style="red")
                return
            # CPU seconds of all this process's threads: on a busy machine the wall
            # time grows with the load, the CPU time much less (Spark's JVM not included).
            cpu_note = f"CPU {time.process_time() - cpu:.1f} s · {note}"
            rows.append((name, time.perf_counter() - started, cpu_note))
        # As it goes, so a long run shows its figures before the table at the end.
        console.print(f"  {engine.name} · {name}: {rows[-1][1]:.2f} s · {cpu_note}", style="dim")

    state: dict[str, Any] = {}

    def load() -> str:
        state["tables"] = load_tables(
            engine, as_of=AS_OF, directory=directory, materialize=options["materialize"]
        )
        return "materialised in the engine" if options["materialize"] else "lazy Parquet scan"

    timed("snapshot load", load)
    scoring = _module("townhall.analytics.scoring")
    if scoring is None:
        rows += [(s, None, "skipped: scoring not installed") for s in _SCORE_STAGES]
    else:
        _score_stages(engine, state["tables"], scoring, timed)
    graph = _module("townhall.analytics.graph")
    if options["no_graph"]:
        rows.append(("graph", None, "skipped (--no-graph)"))
    elif graph is None:
        rows.append(("graph", None, "skipped: graph not installed"))
    else:
        timed("graph", lambda: _graph(engine, state["tables"], graph))

    if scoring is not None and engine.name == "duckdb":
        rows += _incremental_rows(engine, directory, options, scoring, timed)
    elif scoring is not None:
        rows.append(("incremental re-run", None, "skipped: only DuckDB keeps scoring state"))
    return rows


def _incremental_rows(
    engine: Engine,
    directory: Path,
    options: dict[str, Any],
    scoring: Any,
    timed: Callable[[str, Callable[[], str]], None],
) -> list[tuple[str, float | None, str]]:
    """Save the scoring state, append 1 % new activity, then time the incremental re-run
    (scores + levels + per-channel levels from the saved layers plus the new activity)
    and, for comparison, the same three from scratch."""
    from townhall.analytics.increments import groups_for_run

    rows: list[tuple[str, float | None, str]] = []
    config = scoring.scoring_config()

    def save_state() -> str:
        tables = load_tables(engine, as_of=AS_OF, directory=directory)
        run = groups_for_run(engine, tables, config, full=True)
        return f"full pass written as the first layer ({run.reason})"

    timed("save scoring state", save_state)
    manifest = read_manifest(directory)
    new = max(1, manifest.rows // 100)
    started = time.perf_counter()
    synthetic.append_synthetic(directory, manifest, new, options["seed"])
    rows.append(
        (
            "append 1 % to the snapshot",
            time.perf_counter() - started,
            f"{new:,} activities, one part",
        )
    )

    def rerun(full: bool) -> tuple[float, float, str]:
        started, cpu = time.perf_counter(), time.process_time()
        tables = load_tables(
            engine, as_of=AS_OF, directory=directory, materialize=options["materialize"]
        )
        run = groups_for_run(engine, tables, config, full=full)
        frames = _scores_levels_channels(engine, tables, config, run.groups)
        note = f"{run.mode}: {run.new_activities:,} new activities; {frames}"
        return time.perf_counter() - started, time.process_time() - cpu, note

    seconds, cpu, note = rerun(full=False)
    rows.append(
        (
            "re-run scores + levels + per-channel after 1 % (incremental)",
            seconds,
            f"CPU {cpu:.1f} s · {note}",
        )
    )
    seconds, cpu, note = rerun(full=True)
    rows.append(("same, recomputed from scratch", seconds, f"CPU {cpu:.1f} s · {note}"))
    return rows


def _scores_levels_channels(engine: Engine, tables: Tables, config: Any, groups: Any) -> str:
    """Scores with levels, and per-channel scores with levels, executed from `groups`."""
    from townhall.analytics.pipelines.channels import channel_table
    from townhall.analytics.pipelines.levels import level_table
    from townhall.analytics.pipelines.scores import (
        audience_pairs,
        score_table,
        source_totals,
        weigh,
    )

    parts = weigh(groups, tables)
    audience = audience_pairs(tables, config).cache()
    totals = source_totals(tables, config, parts=parts).cache()
    try:
        members = engine.execute_plain(
            level_table(score_table(tables, config, audience=audience, totals=totals), config)
        )
        channels = engine.execute_plain(
            level_table(channel_table(tables, config, audience=audience, totals=totals), config)
        )
    finally:
        audience.release()
        totals.release()
    return f"{len(members):,} members, {len(channels):,} (member, source) rows"


_SCORE_STAGES = ["scores", "levels", "per-channel levels", "trends", "explanations"]


def _score_stages(
    engine: Engine,
    tables: Tables,
    scoring: Any,
    timed: Callable[[str, Callable[[], str]], None],
    *,
    trends: bool = True,
) -> None:
    """The scores helper's pipelines, each executed and timed on its own."""
    from townhall.analytics.pipelines.channels import channel_table
    from townhall.analytics.pipelines.levels import level_table
    from townhall.analytics.pipelines.scores import (
        audience_pairs,
        contributions,
        explanation_table,
        score_table,
    )
    from townhall.analytics.pipelines.trends import trend_table

    config = scoring.scoring_config()
    cached: dict[str, Any] = {}

    def scores() -> str:
        cached["parts"] = contributions(tables, config).cache()
        cached["audience"] = audience_pairs(tables, config).cache()
        frame = engine.execute_plain(
            score_table(tables, config, parts=cached["parts"], audience=cached["audience"])
        )
        return f"{len(frame):,} members (contributions cached)"

    def levels() -> str:
        frame = engine.execute_plain(
            level_table(
                score_table(tables, config, parts=cached["parts"], audience=cached["audience"]),
                config,
            )
        )
        return f"{frame['level'].nunique()} levels, from the cached contributions"

    def channels() -> str:
        frame = engine.execute_plain(
            level_table(
                channel_table(tables, config, parts=cached["parts"], audience=cached["audience"]),
                config,
            )
        )
        return f"{len(frame):,} (member, source) rows"

    def trend() -> str:
        frame = engine.execute(trend_table(tables, config).select("member_id", "trend"))
        return f"{len(frame):,} recently active members"

    def explain() -> str:
        frame = engine.execute(explanation_table(tables, config, parts=cached["parts"]))
        return f"{len(frame):,} top contributions"

    timed("scores", scores)
    timed("levels", levels)
    timed("per-channel levels", channels)
    if trends:
        timed("trends", trend)
        timed("explanations", explain)
    cached["parts"].release()
    cached["audience"].release()


def _graph(engine: Engine, tables: Tables, graph: Any) -> str:
    from townhall.analytics.pipelines.edges import edges

    started = time.perf_counter()
    frame = engine.execute(edges(tables))
    pipeline = time.perf_counter() - started
    metrics = graph.graph_metrics(frame)
    return (
        f"{len(frame):,} edges in {pipeline:.1f} s + metrics {time.perf_counter() - started - pipeline:.1f} s "
        f"({len(metrics.nodes):,} members, {len(metrics.clusters):,} clusters, "
        f"betweenness {metrics.betweenness_method})"
    )


def _print(
    console: Console,
    engine: str,
    activities: int,
    members: int,
    rows: list[tuple[str, float | None, str]],
    baseline: float,
) -> None:
    table = Table(
        title=f"Analytics on {engine}: {activities:,} activities, {members:,} members "
        f"(as of {AS_OF:%Y-%m-%d}; {datetime.now().astimezone():%Y-%m-%d %H:%M})",
        title_justify="left",
    )
    table.add_column("stage")
    table.add_column("seconds", justify="right")
    table.add_column("notes")
    table.add_row(
        "[dim]baseline: bare decayed weighted group-by",
        f"[dim]{baseline:.2f}",
        f"[dim]CPU {BASELINE_CPU[-1]:.1f} s" if BASELINE_CPU else "",
    )
    for name, seconds, note in rows:
        table.add_row(
            name,
            ("failed" if note.startswith("failed") else "skipped")
            if seconds is None
            else f"{seconds:.2f}",
            note,
        )
    core = sum(
        s for n, s, _ in rows if n in ("scores", "levels", "per-channel levels") and s is not None
    )
    table.add_row("[bold]scores + levels + per-channel levels", f"[bold]{core:.2f}", "")
    console.print(table)
    children = descendants_peak_mib()
    console.print(
        f"peak memory (this process's peak resident set, ru_maxrss): {peak_mib():,.0f} MiB"
        + (f"; child processes (Spark's JVM) peak {children:,.0f} MiB" if children else "")
    )


def descendants_peak_mib() -> float:
    """Sum of the peak resident sets (VmHWM) of this process's live descendants, MiB.

    Spark's JVM runs as a child of this process; ru_maxrss does not see it while alive.
    """
    parents: dict[int, int] = {}
    peaks: dict[int, int] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(
                line.split(":", 1) for line in status.read_text().splitlines() if ":" in line
            )
        except OSError:
            continue
        pid = int(status.parent.name)
        parents[pid] = int(fields.get("PPid", "0").strip() or 0)
        peaks[pid] = int(fields.get("VmHWM", "0 kB").split()[0] or 0)
    me = os.getpid()

    def descends(pid: int) -> bool:
        seen = 0
        while pid and seen < 64:
            pid = parents.get(pid, 0)
            if pid == me:
                return True
            seen += 1
        return False

    return sum(peak for pid, peak in peaks.items() if descends(pid)) / 1024


register(Benchmark(name="analytics", help=HELP, add_arguments=add_arguments, run=run_from_options))
