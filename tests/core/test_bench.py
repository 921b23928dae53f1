import json

import msgspec
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from townhall.core.bench import stream
from townhall.core.records import decode_json


def test_the_stream_is_deterministic_skewed_and_has_duplicates_and_targets():
    lines = list(stream.generate(5000, seed=3))
    assert lines == list(stream.generate(5000, seed=3))
    records = [decode_json(line) for line in lines]
    keys = [(r.source, r.external_id) for r in records]
    assert 0 < len(keys) - len(set(keys)) < 250
    actors = {(r.source, r.actor.key) for r in records}
    assert 100 <= len(actors) <= 5000 // stream.ACTIVITIES_PER_ACTOR
    assert sum(r.target is not None for r in records) > 1000
    assert len({r.source for r in records}) == 5


def _run_bench(capsys, *args):
    call_command("bench", "ingest", "--activities", "3000", "--batch-size", "500", "--json", *args)
    out = capsys.readouterr().out
    figures = json.loads(out[out.index("{") :])
    return " ".join(out.split()), figures


def test_bench_ingest_runs_end_to_end_on_sqlite_and_prints_its_figures(capsys):
    text, figures = _run_bench(capsys)
    assert "sqlite: ingest" in text and "activities/s" in text
    assert "ceiling" in text and "ratio" in text and "peak memory" in text
    assert figures["engine"] == "sqlite"
    assert figures["ingest"]["read"] == 3000
    assert figures["ingest"]["created"] == figures["ceiling_rows"] == figures["stream"]["distinct"]
    assert figures["ingest"]["duplicates"] == figures["stream"]["duplicates"] > 0
    assert figures["ingest"]["quarantined"] == 0
    for key in ("ingest_records_per_s", "ceiling_rows_per_s", "ratio", "peak_rss_mib"):
        assert figures[key] > 0
    assert figures["input"].startswith("JSON Lines bytes")


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="runs when the test database is PostgreSQL",
)
def test_bench_ingest_runs_on_a_throwaway_postgresql_database(capsys):
    # The server's maintenance database: the configured one may not exist (the suite
    # runs in test_<name>), and the benchmark makes its own throwaway database anyway.
    url = settings.DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    text, figures = _run_bench(capsys, "--database", url)
    assert figures["engine"] == "postgresql" and "postgresql: ingest" in text
    assert figures["ingest"]["created"] == figures["ceiling_rows"]
    import psycopg

    with psycopg.connect(url) as connection:
        names = [row[0] for row in connection.execute("SELECT datname FROM pg_database")]
    assert not [name for name in names if name.startswith("townhall_bench_")]


def test_bench_rejects_a_database_url_it_cannot_use():
    with pytest.raises(CommandError, match="postgres://"):
        call_command("bench", "ingest", "--activities", "10", "--database", "mysql://x/y")


def test_bench_without_a_benchmark_name_says_which_exist():
    with pytest.raises(CommandError):
        call_command("bench")


def test_stream_records_are_valid_activity_records():
    for line in stream.generate(200, seed=1):
        record = decode_json(line)
        assert msgspec.json.decode(line)["occurred_at"].endswith("+00:00")
        assert record.occurred_at.tzinfo is not None
