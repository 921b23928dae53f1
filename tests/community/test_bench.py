"""`townhall bench web` runs end to end (figures are not checked: tests assert behaviour)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command

from townhall.community.bench import _percentile
from townhall.core.bench import wrk


def test_percentiles_are_nearest_rank():
    values = [float(n) for n in range(1, 101)]
    assert _percentile(values, 0.50) == 50.0
    assert _percentile(values, 0.99) == 99.0
    assert _percentile([3.0], 0.99) == 3.0


def test_the_wrk_report_line_is_read_in_seconds():
    output = "Running 10s test @ http://x/\n  2 threads\nTOWNHALL-WRK 1200 10000500 3 41250 99870\n"
    run = wrk.parse_report(output)
    assert (run.requests, run.errors) == (1200, 3)
    assert (run.seconds, run.p50, run.p99) == (10.0005, 0.04125, 0.09987)
    with pytest.raises(RuntimeError, match="no report"):
        wrk.parse_report("unable to connect to 127.0.0.1:1 Connection refused")


@pytest.mark.slow
@pytest.mark.skipif(
    not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")), reason="needs PostgreSQL"
)
@pytest.mark.skipif(
    finders.find("vendor/htmx/htmx.min.js") is None, reason="run scripts/vendor-static.sh"
)
@pytest.mark.parametrize("client", ["python", "wrk"])
def test_bench_web_serves_and_measures_every_page_for_both_visitors(client, capsys, monkeypatch):
    if client == "wrk" and not wrk.available():
        pytest.skip("wrk is not installed (scripts/ensure-system-packages.sh installs it)")
    # Its own throwaway PostgreSQL, also when the suite itself runs on one (the bench
    # would otherwise take the suite's server URL and find no `townhall` database there).
    monkeypatch.delenv("TOWNHALL_DATABASE_URL", raising=False)
    call_command(
        "bench", "web", "--seconds", "0.5", "--clients", "2", "--replies", "5", "--topics", "5",
        "--workers", "1", "--threads", "2", "--client", client, "--json",
    )  # fmt: skip
    out = capsys.readouterr().out
    figures = json.loads(out[out.index("[") :])
    seen = {(row["page"], row["visitor"]) for row in figures}
    assert {("topic", "signed out"), ("topic", "signed in"), ("board", "signed in")} <= seen
    assert all(row["requests"] > 0 and row["errors"] == 0 for row in figures)
    assert {row["client"] for row in figures} == {client}
    assert all(0 < row["p50_ms"] <= row["p99_ms"] for row in figures)
