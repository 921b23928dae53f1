"""The CLI: ingest (JSON Lines, CSV), export, quarantine, and production-mode settings."""

import io
import json
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from townhall.core.models import Activity, ImportRun, Member, QuarantinedRecord

from ..support import ROOT


def jsonl(path, records):
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n")
    return path


def record(n, actor="U1", **extra):
    return {
        "source": "slack",
        "external_id": f"m{n}",
        "kind": "message",
        "occurred_at": f"2026-02-01T10:{n % 60:02d}:00Z",
        "actor": {
            "external_id": actor,
            "name": f"Person {actor}",
            "email": f"{actor.lower()}@acme.io",
        },
        **extra,
    }


def test_ingest_jsonl_imports_reports_and_quarantines(db, tmp_path):
    path = jsonl(
        tmp_path / "a.jsonl",
        [record(1), "{oops", record(2, actor="U2", target={"external_id": "U1"})],
    )
    out = io.StringIO()
    call_command("ingest", "jsonl", str(path), stdout=out, verbosity=0)
    assert out.getvalue().strip() == "read=3 created=2 duplicates=0 quarantined=1"
    assert Activity.objects.get(external_id="m2").target_member.identities.get().external_id == "U1"
    run = ImportRun.objects.get()
    assert (run.status, run.read, run.position) == ("finished", 3, 3)
    call_command("ingest", "jsonl", str(path), stdout=out, verbosity=0)
    assert "created=0 duplicates=2 quarantined=1" in out.getvalue()
    assert QuarantinedRecord.objects.count() == 1


def test_ingest_csv_needs_a_mapping_and_reports_a_wrong_header(db, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("id,user,at\n1,ann,2026-01-01T00:00:00Z\n")
    with pytest.raises(CommandError, match="needs --mapping"):
        call_command("ingest", "csv", str(path))
    mapping = tmp_path / "map.json"
    mapping.write_text(
        json.dumps(
            {
                "constants": {"source": "forms", "kind": "signup"},
                "columns": {"external_id": "id", "actor.username": "username", "occurred_at": "at"},
            }
        )
    )
    with pytest.raises(CommandError, match="the header lacks 'username'"):
        call_command("ingest", "csv", str(path), "--mapping", str(mapping), verbosity=0)
    assert "lacks column(s) 'username'" in QuarantinedRecord.objects.get().reason
    mapping.write_text(mapping.read_text().replace('"username"', '"user"'))
    out = io.StringIO()
    call_command("ingest", "csv", str(path), "--mapping", str(mapping), stdout=out, verbosity=0)
    assert "created=1" in out.getvalue()


def test_ingest_resumes_an_unfinished_run_where_it_stopped(db, tmp_path):
    path = jsonl(tmp_path / "a.jsonl", [record(n, actor=f"U{n % 7}") for n in range(100)])
    out = io.StringIO()
    call_command("ingest", "jsonl", str(path), "--batch-size", "10", stdout=out, verbosity=0)
    run = ImportRun.objects.get()
    # Pretend the process died after 4 batches: the run is still open at position 40.
    ImportRun.objects.filter(pk=run.pk).update(status="running", position=40, read=40, created=40)
    Activity.objects.filter(external_id__in=[f"m{n}" for n in range(40, 100)]).delete()
    out = io.StringIO()
    call_command("ingest", "jsonl", str(path), "--batch-size", "10", stdout=out, verbosity=0)
    assert out.getvalue().strip() == "read=60 created=60 duplicates=0 quarantined=0"
    run.refresh_from_db()
    assert (run.status, run.read, run.created) == ("finished", 100, 100)


def test_export_members_jsonl_has_the_documented_keys(db, tmp_path, make_record):
    path = jsonl(tmp_path / "a.jsonl", [record(1), record(2, actor="U2")])
    call_command("ingest", "jsonl", str(path), verbosity=0)
    out = io.StringIO()
    call_command("export", "members", "--format", "jsonl", stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == Member.objects.count() == 2
    first = lines[0]
    assert {"id", "name", "organization", "identities"} <= first.keys()
    assert first["organization"] == "Acme"
    assert first["identities"] == [
        {
            "source": "slack",
            "external_id": "U1",
            "username": "",
            "email": "u1@acme.io",
            "name": "Person U1",
        }
    ]


def test_exported_activities_import_again_as_the_same_data(db, tmp_path):
    path = jsonl(
        tmp_path / "a.jsonl",
        [
            record(1, channel="#help", properties={"reactions": 2}),
            record(2, actor="U2", target={"username": "ann"}),
        ],
    )
    call_command("ingest", "jsonl", str(path), verbosity=0)
    out = io.StringIO()
    call_command("export", "activities", stdout=out)
    exported = tmp_path / "exported.jsonl"
    exported.write_text(out.getvalue())
    again = io.StringIO()
    call_command("ingest", "jsonl", str(exported), stdout=again, verbosity=0)
    assert again.getvalue().strip() == "read=2 created=0 duplicates=2 quarantined=0"
    assert json.loads(out.getvalue().splitlines()[1])["target"] == {"username": "ann"}


def test_quarantine_list_shows_reasons_and_resolve_hides_them(db, tmp_path):
    path = jsonl(
        tmp_path / "bad.jsonl",
        [
            "nope",
            json.dumps({**record(1), "occurred_at": "2026-01-01T10:00:00"}),
            json.dumps({**record(2), "occurred_at": "1 Jan 2026"}),
        ],
    )
    call_command("ingest", "jsonl", str(path), verbosity=0)
    out = io.StringIO()
    call_command("quarantine", "list", "--origin", "bad.jsonl", stdout=out)
    listing = out.getvalue()
    assert "invalid JSON" in listing and "no UTC offset" in listing
    assert (
        "Invalid RFC3339 encoded datetime - at `$.occurred_at` (write `occurred_at` as ISO 8601"
        in listing
    )
    call_command("quarantine", "resolve", "--origin", "bad.jsonl", stdout=out)
    assert QuarantinedRecord.objects.filter(resolved_at__isnull=True).count() == 0


def run_settings_check(**env):
    clean = {k: v for k, v in __import__("os").environ.items() if not k.startswith("TOWNHALL_")}
    return subprocess.run(
        [sys.executable, "-m", "townhall", "check"],
        env={**clean, **env},
        capture_output=True,
        text=True,
        cwd=ROOT,
    )


def test_production_mode_refuses_to_start_without_secret_key_and_hosts(tmp_path):
    result = run_settings_check(TOWNHALL_DEBUG="0", TOWNHALL_DATA_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "TOWNHALL_SECRET_KEY and TOWNHALL_ALLOWED_HOSTS" in result.stderr
    ok = run_settings_check(
        TOWNHALL_DEBUG="0",
        TOWNHALL_DATA_DIR=str(tmp_path),
        TOWNHALL_SECRET_KEY="x" * 50,
        TOWNHALL_ALLOWED_HOSTS="community.example.com",
    )
    assert ok.returncode == 0, ok.stderr
