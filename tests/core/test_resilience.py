"""A killed import (`kill -9` mid-run), re-run, ends with exactly the data of an uninterrupted run."""

import json
import random
import signal
import sqlite3
import subprocess
import time

import psycopg
import pytest

from ..support import ROOT, TOWNHALL, fresh_database, run_townhall, townhall_env


def write_import_file(path, *, records=30000, actors=2000, seed=7):
    rng = random.Random(seed)
    with path.open("w") as out:
        for n in range(records):
            if n % 97 == 13:
                out.write('{"source": "slack", "external_id": broken\n')
                continue
            actor = rng.randrange(actors)
            row = {
                "source": rng.choice(["slack", "github"]),
                "external_id": f"a{n}",
                "kind": rng.choice(["message", "reply", "reaction"]),
                "occurred_at": f"2026-0{rng.randrange(1, 10)}-1{rng.randrange(10)}T1{rng.randrange(10)}:00:00+02:00",
                "actor": {
                    "external_id": f"u{actor}",
                    "name": f"Person {actor}",
                    "email": f"p{actor}@org{actor % 40}.com",
                },
                "channel": f"#c{rng.randrange(12)}",
            }
            if rng.random() < 0.3:
                row["target"] = {"external_id": f"u{rng.randrange(actors)}"}
            out.write(json.dumps(row) + "\n")


def import_position(url):
    query = "SELECT COALESCE(MAX(position), 0) FROM core_importrun"
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///"), timeout=30) as conn:
            return conn.execute(query).fetchone()[0]
    with psycopg.connect(url.replace("postgres://", "postgresql://")) as conn:
        return conn.execute(query).fetchone()[0]


def dump(url):
    """Everything an import produces, without database ids (sequences may skip on PostgreSQL)."""
    members = run_townhall(["export", "members"], database_url=url).stdout.splitlines()
    activities = run_townhall(["export", "activities"], database_url=url).stdout.splitlines()
    quarantine = run_townhall(["quarantine", "list", "--limit", "100000"], database_url=url).stdout
    people = sorted(
        json.dumps({k: v for k, v in json.loads(m).items() if k != "id"}) for m in members
    )
    return people, sorted(activities), quarantine.count("\n")


@pytest.mark.slow
def test_killed_import_rerun_gives_exactly_the_uninterrupted_result(transactional_db, tmp_path):
    source = tmp_path / "big.jsonl"
    write_import_file(source)
    args = ["ingest", "jsonl", str(source), "--batch-size", "500"]
    with fresh_database(tmp_path) as killed_url, fresh_database(tmp_path) as clean_url:
        process = subprocess.Popen(
            [*TOWNHALL, *args],
            env=townhall_env(killed_url),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 120
        while import_position(killed_url) < 3000:
            assert process.poll() is None, "the import finished before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.wait()
        stopped_at = import_position(killed_url)
        assert 0 < stopped_at < 30000

        resumed = run_townhall(args, database_url=killed_url)
        assert "Resuming import run" in resumed.stderr
        run_townhall(args, database_url=clean_url)

        killed, clean = dump(killed_url), dump(clean_url)
        assert len(clean[1]) > 29000
        assert killed == clean
