import json
import zipfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest

from townhall.connectors.services import plan_for_target
from townhall.connectors.slack.source import SlackExport, SlackExportConfig
from townhall.core.models import Activity, Identity
from townhall.core.records import ActivityRecord
from townhall.core.services.imports import SourceFailure, run_plan
from townhall.core.services.ingest import Envelope

from .contract import EXPORT, broken_sample, build_export, sample


def read(path, **options):
    return list(SlackExport(SlackExportConfig(path=path, **options)).read())


def by_id(records):
    return {r.external_id: r for r in records}


@pytest.fixture
def records(tmp_path):
    return read(sample(tmp_path), workspace_url="https://acme-community.slack.com")


def test_export_yields_every_kind_with_namespaced_unique_ids(records):
    assert all(isinstance(r, ActivityRecord) for r in records)
    assert Counter(r.kind for r in records) == {
        "message": 10,
        "thread_reply": 2,
        "mention": 4,
        "reaction": 4,
        "file_shared": 1,
        "channel_join": 1,
        "channel_leave": 1,
    }
    ids = [r.external_id for r in records]
    assert len(ids) == len(set(ids))
    assert {r.source for r in records} == {"slack"}


def test_messages_are_keyed_by_channel_and_ts_in_utc(records):
    welcome = by_id(records)["C024BE91L:1709546130.123459"]
    assert welcome.kind == "message" and welcome.channel == "#general"
    assert welcome.occurred_at == datetime(2024, 3, 4, 9, 55, 30, 123459, tzinfo=UTC)
    # Mentions read as people see them, not as Slack's <@U…> markup.
    assert welcome.body.startswith("Welcome @cy! Say hi to @bo.chen")
    assert welcome.url == "https://acme-community.slack.com/archives/C024BE91L/p1709546130123459"
    assert welcome.actor.external_id == "U024BE7LH"
    assert welcome.actor.email == "ana@acme.io" and welcome.actor.name == "Ana Souza"
    assert welcome.actor.username == "ana" and welcome.actor.avatar_url.endswith("U024BE7LH_72.png")


def test_thread_replies_answer_the_root_and_target_its_author(records):
    found = by_id(records)
    root = found["C024BE91L:1709547012.384219"]
    assert root.kind == "message" and root.conversation_id == root.external_id
    assert root.properties["replies"] == 2
    replies = [r for r in records if r.kind == "thread_reply"]
    assert [r.external_id for r in replies] == [
        "C024BE91L:1709547400.000300",
        "C024BE91L:1709633001.000400",
    ]
    for reply in replies:
        assert reply.parent_id == reply.conversation_id == root.external_id
        assert reply.target.external_id == root.actor.external_id == "U0G9QF9C6"
    assert replies[1].properties["broadcast"] is True
    assert "thread_ts=1709547012.384219" in replies[0].url


def test_mentions_target_each_mentioned_user_once(records):
    mentions = [r for r in records if r.kind == "mention" and r.channel == "#help"]
    # "<@ana> <@cy> … cc <@ana>": ana is mentioned twice but counted once.
    assert [(m.actor.external_id, m.target.external_id) for m in mentions] == [
        ("U0G9QF9C6", "U024BE7LH"),
        ("U0G9QF9C6", "U05CYZX1V"),
    ]
    assert mentions[0].external_id == "C0H8KJ2LP:1709640500.000100:mention:U024BE7LH"
    assert mentions[0].parent_id == "C0H8KJ2LP:1709640500.000100"


def test_reactions_are_one_per_user_targeting_the_message_author(records):
    reactions = [r for r in records if r.kind == "reaction"]
    assert {
        (r.actor.external_id, r.properties["emoji"], r.target.external_id) for r in reactions
    } == {
        ("U0G9QF9C6", "wave", "U024BE7LH"),
        ("U05CYZX1V", "wave", "U024BE7LH"),
        ("U0G9QF9C6", "heart", "U024BE7LH"),
        ("U0G9QF9C6", "+1", "U024BE7LH"),
    }
    assert by_id(records)["C024BE91L:1709546130.123459"].properties["reactions"] == 3
    assert "C024BE91L:1709546130.123459:reaction:wave:U05CYZX1V" in by_id(records)


def test_bots_integrations_and_slackbot_are_flagged(records):
    found = by_id(records)
    github = found["C024BE91L:1709550000.001200"]
    assert github.actor.is_bot and github.actor.external_id == "B04MSX8Q7X"
    assert github.actor.username == "GitHub"
    assert github.body == "[acme/engine] New release published: v2.3.0"
    helper = found["C024BE91L:1709560000.000700"]
    assert helper.actor.is_bot and helper.actor.external_id == "U06GHBOT1"
    assert found["C0H8KJ2LP:1709640600.000200"].actor.is_bot  # Slackbot
    humans = [r for r in records if r.actor.external_id in ("U024BE7LH", "U0G9QF9C6", "U05CYZX1V")]
    assert not any(r.actor.is_bot for r in humans)


def test_joins_leaves_files_and_edits(records):
    found = by_id(records)
    assert found["C024BE91L:1709545500.000100"].kind == "channel_join"
    assert found["C024BE91L:1709640000.000900"].kind == "channel_leave"
    shared = found["C024BE91L:1709553333.000600:file:F06ABCDEF12"]
    assert shared.kind == "file_shared" and shared.title == "config.yaml"
    assert shared.parent_id == "C024BE91L:1709553333.000600"
    # The deleted ("tombstone") file is counted on the message but not shared.
    assert found["C024BE91L:1709553333.000600"].properties["files"] == 2
    assert not any("F06DELETED1" in r.external_id for r in records)
    # An edited message keeps the id of its ts: re-importing an edited export changes nothing.
    edited = found["C024BE91L:1709552222.000500"]
    assert edited.properties["edited_at"] == "2024-03-04T11:38:10+00:00"


def test_topic_changes_are_skipped_and_dms_only_on_request(tmp_path):
    records = read(sample(tmp_path))
    assert "C024BE91L:1709551000.000200" not in by_id(records)  # channel_topic
    assert not any(r.channel.startswith("dm:") for r in records)
    with_dms = read(sample(tmp_path), include_direct_messages=True)
    dm = [r for r in with_dms if r.channel == "dm:D04AB12CD"]
    assert [r.external_id for r in dm] == ["D04AB12CD:1709721000.000100"]
    assert by_id(records)["G01TEAMLD9:1709720000.000100"].channel == "#team-leads"


def test_people_missing_from_users_json_come_from_the_message_profile(records):
    partner = by_id(records)["C024BE91L:1709634000.000100"].actor
    assert partner.external_id == "U09PARTNR1"
    assert partner.name == "Eve Martin" and partner.username == "eve.martin"


def test_a_folder_and_a_nested_zip_read_exactly_like_the_zip(tmp_path, records):
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(sample(tmp_path)) as archive:
        archive.extractall(folder)
    assert read(folder, workspace_url="https://acme-community.slack.com") == records
    nested = build_export(
        tmp_path / "nested.zip",
        {f"Acme Community export/{inside}": fixture for inside, fixture in EXPORT.items()},
    )
    assert read(nested, workspace_url="https://acme-community.slack.com") == records


def test_damaged_day_files_are_quarantined_by_name_and_the_rest_imported(tmp_path):
    records = read(broken_sample(tmp_path))
    problems = [r for r in records if isinstance(r, Envelope)]
    assert [(p.position, p.error) for p in problems] == [
        ("help/2024-03-07.json", "help/2024-03-07.json: malformed JSON (Input data was truncated)"),
        (
            "help/2024-03-08.json#2",
            "help/2024-03-08.json: message 2: Object missing required field `ts`",
        ),
    ]
    assert '"no ts here"' in problems[1].raw and "cut short" in problems[0].raw
    ids = by_id(r for r in records if isinstance(r, ActivityRecord))
    assert "C0H8KJ2LP:1709800100.000100" in ids and "C0H8KJ2LP:1709800200.000200" in ids
    assert "G01TEAMLD9:1709720000.000100" in ids  # files after the damage are still read


def test_a_truncated_zip_stops_with_a_clear_message(tmp_path):
    whole = sample(tmp_path)
    with open(whole, "rb") as handle:
        data = handle.read()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[: len(data) * 2 // 3])
    with pytest.raises(SourceFailure, match=r"cut\.zip is not a readable ZIP archive .*truncated"):
        read(cut)


def test_a_zip_that_is_not_a_slack_export_is_refused(tmp_path):
    other = tmp_path / "photos.zip"
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("holiday/notes.txt", "hello")
    with pytest.raises(SourceFailure, match=r"no users\.json or channels\.json"):
        read(other)


def test_a_damaged_users_json_is_quarantined_and_messages_still_read(tmp_path):
    members = {**EXPORT, "users.json": "day__malformed.json"}
    records = read(build_export(tmp_path / "export.zip", members))
    assert isinstance(records[0], Envelope) and records[0].position == "users.json"
    assert sum(isinstance(r, ActivityRecord) for r in records) == 23


def test_importing_stores_targets_and_bots(db, tmp_path):
    _, result = run_plan(plan_for_target(SlackExport, sample(tmp_path)))
    assert result.created == 23 and result.quarantined == 0
    reply = Activity.objects.get(external_id="C024BE91L:1709547400.000300")
    assert reply.target_identity.external_id == "U0G9QF9C6"
    assert Identity.objects.get(external_id="B04MSX8Q7X").is_bot
    ana = Identity.objects.get(external_id="U024BE7LH")
    assert not ana.is_bot
    assert ana.timezone == "Europe/Lisbon"  # users.json `tz`: evidence for identity resolution


def test_a_json_config_sets_the_options(tmp_path):
    export = sample(tmp_path)
    config = tmp_path / "slack.json"
    options = {
        "path": Path(export).name,
        "include_direct_messages": True,
        "workspace_url": "https://acme-community.slack.com",
    }
    config.write_text(json.dumps(options))
    source = SlackExport(SlackExport.config_from_target(str(config)))
    records = list(source.read())
    assert any(r.channel == "dm:D04AB12CD" for r in records)
    assert records[0].url.startswith("https://acme-community.slack.com/archives/")
