"""`townhall bench web` runs end to end (figures are not checked: tests assert behaviour)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command

from townhall.community.bench import _percentile


def test_percentiles_are_nearest_rank():
    values = [float(n) for n in range(1, 101)]
    assert _percentile(values, 0.50) == 50.0
    assert _percentile(values, 0.99) == 99.0
    assert _percentile([3.0], 0.99) == 3.0


@pytest.mark.slow
@pytest.mark.skipif(
    not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")), reason="needs PostgreSQL"
)
@pytest.mark.skipif(
    finders.find("vendor/htmx/htmx.min.js") is None, reason="run scripts/vendor-static.sh"
)
def test_bench_web_serves_and_measures_every_page_for_both_visitors(capsys, monkeypatch):
    # Its own throwaway PostgreSQL, also when the suite itself runs on one (the bench
    # would otherwise take the suite's server URL and find no `townhall` database there).
    monkeypatch.delenv("TOWNHALL_DATABASE_URL", raising=False)
    call_command(
        "bench", "web", "--seconds", "0.5", "--clients", "2", "--replies", "5", "--topics", "5",
        "--workers", "1", "--threads", "2", "--json",
    )  # fmt: skip
    out = capsys.readouterr().out
    figures = json.loads(out[out.index("[") :])
    seen = {(row["page"], row["visitor"]) for row in figures}
    assert {("topic", "signed out"), ("topic", "signed in"), ("board", "signed in")} <= seen
    assert all(row["requests"] > 0 and row["errors"] == 0 for row in figures)
