import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from townhall.connectors.github.archive import GhArchive, GhArchiveConfig, hour_files
from townhall.connectors.services import plan_for_target
from townhall.core.models import Activity, Identity, QuarantinedRecord
from townhall.core.records import ActivityRecord
from townhall.core.services.imports import run_plan
from townhall.core.services.ingest import Envelope

from .contract import FIXTURES, broken_sample, gzip_fixture, sample


def read(path, **config):
    return list(GhArchive(GhArchiveConfig(path=path, **config)).read())


def by_id(records):
    return {r.external_id: r for r in records if isinstance(r, ActivityRecord)}


@pytest.fixture
def records(tmp_path):
    return by_id(read(sample(tmp_path)))


def test_events_map_to_kinds_with_the_event_id_as_external_id(records):
    kinds = {eid: r.kind for eid, r in records.items()}
    assert kinds["35361582301"] == "star"
    assert kinds["35361582302"] == "fork"
    assert kinds["35361582303"] == "issue_opened"
    assert kinds["35361582304"] == "issue_comment"
    assert kinds["35361582305"] == "pr_opened"
    assert kinds["35361582306"] == "pr_review"
    assert kinds["35361582307"] == "pr_review_comment"
    assert kinds["35361582308"] == "push"
    assert kinds["35361582311"] == "issue_closed"
    assert kinds["35361582313"] == "pr_merged"
    assert kinds["35361582315"] == "release_published"
    assert kinds["35361582316"] == "member_added"
    assert kinds["35361582317"] == "wiki_edit"
    assert kinds["48771230001"] == "push"
    assert kinds["48771230002"] == "pr_closed"


def test_housekeeping_events_and_other_actions_are_skipped_and_counted(tmp_path):
    source = GhArchive(GhArchiveConfig(path=sample(tmp_path)))
    ids = {r.external_id for r in source.read()}
    assert {"35361582309", "35361582312", "35361582314"}.isdisjoint(ids)
    assert source.mapper.skipped == {"CreateEvent": 1, "DeleteEvent": 1, "IssuesEvent/labeled": 1}
    assert source.events == 20


def test_people_are_keyed_by_github_id_with_profile(records):
    star = records["35361582301"]
    assert star.actor.external_id == "583231"
    assert star.actor.username == "octo-ana"
    assert star.actor.url == "https://github.com/octo-ana"
    assert star.actor.avatar_url == "https://avatars.githubusercontent.com/u/583231?"
    assert star.channel == "acme/engine"
    assert star.occurred_at == datetime(2024, 3, 5, 14, 0, 3, tzinfo=UTC)


def test_interactions_target_the_issue_or_pull_request_author(records):
    comment = records["35361582304"]
    assert comment.actor.username == "bo-chen"
    assert comment.target.external_id == "583231"
    assert comment.conversation_id == "acme/engine#1432"
    assert comment.url.endswith("#issuecomment-1978001234")
    closed = records["35361582311"]
    assert closed.target.username == "octo-ana"
    review = records["35361582306"]
    assert review.target.external_id == "7012345"
    assert review.properties == {"state": "approved"}
    merged = records["35361582313"]
    assert merged.actor.username == "octo-ana" and merged.target.username == "bo-chen"
    assert records["35361582307"].target.username == "bo-chen"
    assert records["35361582316"].target.username == "cyrille"


def test_acting_on_ones_own_item_has_no_target_and_bots_are_flagged(records):
    bot_comment = records["35361582310"]
    assert bot_comment.actor.is_bot and bot_comment.actor.username == "dependabot[bot]"
    assert bot_comment.target is None
    assert bot_comment.properties == {"pull_request": True}
    assert records["35361582303"].target is None


def test_mentions_outside_code_and_quotes_target_the_mentioned_people(records):
    mentions = {eid: r for eid, r in records.items() if r.kind == "mention"}
    assert set(mentions) == {
        "35361582303:mention:bo-chen",
        "35361582303:mention:cyrille",
        "35361582305:mention:octo-ana",
    }
    bo = mentions["35361582303:mention:bo-chen"]
    assert bo.actor.username == "octo-ana"
    assert bo.target.external_id == "7012345"  # seen earlier in the hour: keyed by id
    assert bo.parent_id == "35361582303" and bo.conversation_id == "acme/engine#1432"
    # Not seen before the mention: keyed by the login as written.
    assert mentions["35361582303:mention:cyrille"].target.username == "Cyrille"


def test_push_counts_commits_and_slim_payloads_still_map(records):
    push = records["35361582308"]
    assert push.properties["commits"] == 2 and push.title == "fix-empty-config"
    slim_push = records["48771230001"]
    assert "commits" not in slim_push.properties and slim_push.title == "main"
    slim_close = records["48771230002"]
    assert slim_close.properties == {"merged": None} and slim_close.target is None
    assert slim_close.url == "https://github.com/acme/engine/pull/1502"


def test_repository_and_organization_filters_keep_only_the_community(tmp_path):
    path = sample(tmp_path)
    all_channels = {r.channel for r in read(path)}
    assert all_channels == {"acme/engine", "octo/other"}
    assert {r.channel for r in read(path, organizations=["ACME"])} == {"acme/engine"}
    assert {r.channel for r in read(path, repositories=["octo/other"])} == {"octo/other"}
    source = GhArchive(GhArchiveConfig(path=path, repositories=["Acme/Engine"]))
    assert {r.channel for r in source.read()} == {"acme/engine"}
    assert source.filtered_out == 1


def test_a_repository_filter_must_be_owner_slash_name(tmp_path):
    with pytest.raises(ValueError, match="owner/name"):
        GhArchiveConfig(path=tmp_path, repositories=["engine"])


def test_hours_are_read_in_time_order_not_name_order(tmp_path):
    for name in ("2024-03-05-10.json.gz", "2024-03-05-9.json.gz", "2024-03-04-23.json.gz"):
        (tmp_path / name).write_bytes(b"")
    (tmp_path / "notes.txt").write_text("")
    assert [p.name for p in hour_files(tmp_path)] == [
        "2024-03-04-23.json.gz",
        "2024-03-05-9.json.gz",
        "2024-03-05-10.json.gz",
    ]


def test_bad_lines_are_quarantined_with_file_line_and_reason(tmp_path):
    gzip_fixture("hour__damaged.jsonl", tmp_path / "2024-03-05-15.json.gz")
    results = read(tmp_path)
    assert [r.external_id for r in results if isinstance(r, ActivityRecord)] == ["35361590001"]
    errors = {e.position: e.error for e in results if isinstance(e, Envelope)}
    assert errors["2024-03-05-15.json.gz:2"].startswith(
        "2024-03-05-15.json.gz line 2: invalid JSON"
    )
    assert "invalid JSON: JSON is malformed" in errors["2024-03-05-15.json.gz:3"]
    assert "not a GH Archive event (2015 or later format)" in errors["2024-03-05-15.json.gz:4"]
    assert "has no UTC offset" in errors["2024-03-05-15.json.gz:5"]
    assert all(e.raw for e in results if isinstance(e, Envelope))


def test_a_truncated_hour_keeps_what_was_read_and_the_next_files_are_read(tmp_path):
    whole = gzip.compress((FIXTURES / "hour__acme.jsonl").read_bytes())
    (tmp_path / "2024-03-05-14.json.gz").write_bytes(whole[: len(whole) // 2])
    gzip_fixture("hour__damaged.jsonl", tmp_path / "2024-03-05-15.json.gz")
    results = read(tmp_path)
    envelopes = [r for r in results if isinstance(r, Envelope)]
    truncated = envelopes[0]
    assert "2024-03-05-14.json.gz is truncated after line" in truncated.error
    assert "download the file again" in truncated.error
    kept = [r for r in results if isinstance(r, ActivityRecord)]
    assert kept[0].external_id == "35361582301"
    assert kept[-1].external_id == "35361590001"  # the next hour is still read


def test_a_file_that_is_not_gzip_is_quarantined_not_crashed_on(tmp_path):
    (tmp_path / "2024-03-05-14.json.gz").write_text("<html>Not Found</html>")
    [envelope] = read(tmp_path)
    assert "is corrupt" in envelope.error


def test_concatenated_gzip_members_and_plain_json_files_are_read(tmp_path):
    data = (FIXTURES / "hour__acme.jsonl").read_bytes()
    lines = data.splitlines(keepends=True)
    half = len(lines) // 2
    (tmp_path / "2024-03-05-14.json.gz").write_bytes(
        gzip.compress(b"".join(lines[:half])) + gzip.compress(b"".join(lines[half:]))
    )
    (tmp_path / "2024-03-05-15.json").write_bytes(lines[0])
    ids = [r.external_id for r in read(tmp_path) if r.kind != "mention"]
    assert len(ids) == 18 and ids[-1] == ids[0] == "35361582301"


def test_a_json_config_file_sets_the_filters(tmp_path):
    folder = sample(tmp_path)
    config = tmp_path / "gharchive.json"
    config.write_text(json.dumps({"path": Path(folder).name, "organizations": ["acme"]}))
    parsed = GhArchive.config_from_target(str(config))
    assert parsed.organizations == ["acme"] and parsed.path == Path(folder).resolve()
    # An hour file that happens to be uncompressed is a target, not a config.
    hour = tmp_path / "2024-03-05-14.json"
    hour.write_bytes((FIXTURES / "hour__acme.jsonl").read_bytes().splitlines()[0])
    assert GhArchive.config_from_target(str(hour)).path == hour


def test_import_stores_activities_under_github_with_shared_identities(db, tmp_path):
    run, result = run_plan(plan_for_target(GhArchive, sample(tmp_path)))
    assert run.status == "finished" and result.quarantined == 0
    assert result.created == Activity.objects.count() == 20  # 17 events + 3 mentions
    ana = Identity.objects.get(source__slug="github", external_id="583231")
    assert ana.username == "octo-ana"
    assert Identity.objects.get(external_id="49699333").is_bot


def test_damaged_import_quarantines_with_positions(db, tmp_path):
    _, result = run_plan(plan_for_target(GhArchive, broken_sample(tmp_path)))
    assert result.quarantined == 5
    positions = set(QuarantinedRecord.objects.values_list("position", flat=True))
    assert "2024-03-05-15.json.gz:3" in positions
    assert any(p.startswith("2024-03-05-16.json.gz:") for p in positions)


def test_a_file_escaping_slashes_is_still_filtered_correctly(tmp_path):
    # "\/" is a valid JSON escape; a writer that uses it hides names from the byte test.
    text = (FIXTURES / "hour__acme.jsonl").read_text().replace("/", "\\/")
    (tmp_path / "2024-03-05-14.json.gz").write_bytes(gzip.compress(text.encode()))
    channels = {r.channel for r in read(tmp_path, organizations=["acme"])}
    assert channels == {"acme/engine"}
