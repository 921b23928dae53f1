"""Background jobs: a real Redis, a real Celery worker, an ingest task end to end."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from celery import Celery

from townhall.core.models import Activity, ImportRun

from ..support import ROOT, current_database_url, redis_server, townhall_env


@pytest.mark.slow
def test_ingest_task_runs_on_a_real_worker(transactional_db, tmp_path):
    path = tmp_path / "queued.jsonl"
    rows = [
        {
            "source": "discord",
            "external_id": f"d{n}",
            "kind": "message",
            "occurred_at": "2026-05-01T12:00:00Z",
            "actor": {"username": f"user{n % 5}"},
        }
        for n in range(40)
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n{not json}\n")
    with redis_server() as redis_url:
        worker = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "celery"),
                "-A",
                "townhall",
                "worker",
                "--pool",
                "solo",
                "--loglevel",
                "WARNING",
            ],
            env=townhall_env(current_database_url(), TOWNHALL_REDIS_URL=redis_url),
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        # A client app of its own on the worker's Redis: the project's app may already hold
        # the in-memory broker and no result backend from earlier tests' eager tasks. Not
        # the current app: later tests' tasks would go to this Redis, gone by then.
        client = Celery(broker=redis_url, backend=redis_url, set_as_current=False)
        try:
            result = client.send_task("core.ingest_file", args=[str(path), "jsonl"])
            counts = result.get(timeout=90)
        finally:
            client.close()
            worker.terminate()
            output, _ = worker.communicate(timeout=30)
    assert counts["created"] == 40 and counts["quarantined"] == 1, output
    assert Activity.objects.filter(source__slug="discord").count() == 40
    assert ImportRun.objects.get(pk=counts["import_run"]).status == "finished"
