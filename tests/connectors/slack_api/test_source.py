import json
from collections import Counter
from datetime import UTC, datetime

import pytest

from tests.connectors.replay import Recording
from townhall.connectors.slack.source import SlackApi, SlackApiConfig
from townhall.core.records import ActivityRecord
from townhall.core.services.imports import SourceFailure
from townhall.core.services.ingest import Envelope

from .contract import FIXTURES, config, recording

ROOT = "C024BE91L:1709547012.384219"


def source(replay, *, cursor=None, now=None, **overrides):
    built = SlackApi(
        SlackApiConfig.model_validate({**config(), **overrides}),
        cursor=cursor,
        transport=replay.transport(),
    )
    built.sleeps = []
    built.sleep = built.sleeps.append
    if now is not None:
        built.now = lambda: now
    return built


def test_first_sync_reads_users_channels_history_pages_and_threads():
    replay = recording()
    slack = source(replay)
    records = list(slack.read())
    assert all(isinstance(r, ActivityRecord) for r in records)
    assert Counter(r.kind for r in records) == {
        "message": 4,
        "thread_reply": 2,
        "mention": 2,
        "reaction": 2,
        "channel_join": 1,
    }
    paths = [url.split("/api/")[1] for url in replay.requests]
    # Both users.list pages, one channel listing, both history pages of #general, its
    # thread, then #help; #random is not read (the app is not a member).
    assert paths == [
        "users.list?limit=200",
        "users.list?limit=200&cursor=dXNlcjpVMDVDWVpYMVY%3D",
        "conversations.list?types=public_channel%2Cprivate_channel&limit=200",
        "conversations.history?channel=C024BE91L&limit=200",
        "conversations.history?channel=C024BE91L&limit=200&cursor=bmV4dF90czoxNzA5NTQ3MDEyMzg0MjE5",
        "conversations.replies?channel=C024BE91L&ts=1709547012.384219&limit=200",
        "conversations.history?channel=C0H8KJ2LP&limit=200",
    ]


def test_api_records_match_the_export_ids_targets_and_bots():
    records = {r.external_id: r for r in source(recording()).read()}
    replies = [r for r in records.values() if r.kind == "thread_reply"]
    assert {r.parent_id for r in replies} == {ROOT}
    assert {r.target.external_id for r in replies} == {"U0G9QF9C6"}
    thanks = records["C024BE91L:1709633500.000200"]
    assert thanks.occurred_at == datetime(2024, 3, 5, 10, 11, 40, 200, tzinfo=UTC)
    assert thanks.url == "https://acme-community.slack.com/archives/C024BE91L/p1709633500000200"
    assert thanks.actor.email == "cy.okafor@gmail.com"  # from the second users.list page
    mention = records["C024BE91L:1709633500.000200:mention:U0G9QF9C6"]
    assert mention.target.name == "Bo Chen"
    reaction = records["C024BE91L:1709633500.000200:reaction:tada:U024BE7LH"]
    assert reaction.target.external_id == "U05CYZX1V"
    github = records["C024BE91L:1709550000.001200"]
    assert github.actor.is_bot and github.actor.username == "GitHub"


def test_cursor_holds_the_latest_ts_per_channel_and_recent_threads():
    slack = source(recording(), now=datetime(2024, 3, 6, tzinfo=UTC))
    list(slack.read())
    assert slack.cursor == {
        "channels": {
            "C024BE91L": {
                "ts": "1709633500.000200",
                "threads": {"1709547012.384219": "1709633001.000400"},
            },
            "C0H8KJ2LP": {"ts": "1709640500.000100"},
        }
    }
    # Threads quiet for longer than the look-back are no longer followed.
    later = source(recording(), now=datetime(2024, 6, 1, tzinfo=UTC))
    list(later.read())
    assert later.cursor["channels"]["C024BE91L"] == {"ts": "1709633500.000200"}


def test_incremental_sync_asks_for_newer_messages_and_new_replies_of_recent_threads():
    first = source(recording(), now=datetime(2024, 3, 6, tzinfo=UTC))
    list(first.read())
    replay = recording("incremental")
    again = source(replay, cursor=first.cursor, now=datetime(2024, 3, 7, 12, tzinfo=UTC))
    records = list(again.read())
    assert [(r.kind, r.external_id) for r in records] == [
        ("message", "C024BE91L:1709800000.000100"),
        ("thread_reply", "C024BE91L:1709801000.000500"),
    ]
    assert records[1].target.external_id == "U0G9QF9C6" and records[1].parent_id == ROOT
    assert any("oldest=1709633500.000200" in url for url in replay.requests)
    assert again.cursor["channels"]["C024BE91L"] == {
        "ts": "1709800000.000100",
        "threads": {"1709547012.384219": "1709801000.000500"},
    }


def test_a_rate_limited_call_waits_retry_after_and_retries():
    slack = source(recording("rate-limited"))
    records = list(slack.read())
    assert slack.sleeps == [7.0]
    assert "C0H8KJ2LP:1709640500.000100" in {r.external_id for r in records}


def test_a_bad_token_stops_with_a_clear_message():
    with pytest.raises(SourceFailure, match=r"Slack refused the token \(invalid_auth\)"):
        list(source(recording("invalid-auth")).read())


def test_a_missing_scope_is_named():
    with pytest.raises(SourceFailure, match="lacks the scope users:read"):
        list(source(recording("missing-scope")).read())


def write_recording(tmp_path, name, exchanges):
    path = tmp_path / name
    path.write_text(json.dumps(exchanges))
    return path


def test_a_channel_the_app_cannot_read_is_quarantined_and_the_others_synced(tmp_path):
    not_in = write_recording(
        tmp_path,
        "not-in-channel.json",
        [
            {
                "url": "https://slack.com/api/conversations.history?channel=C024BE91L&limit=200",
                "body": {"ok": False, "error": "not_in_channel"},
            }
        ],
    )
    slack = source(Recording(not_in, FIXTURES / "recording__workspace.json"))
    records = list(slack.read())
    problems = [r for r in records if isinstance(r, Envelope)]
    assert len(problems) == 1 and "not_in_channel" in problems[0].error
    assert "/invite" in problems[0].error
    assert "C0H8KJ2LP:1709640500.000100" in {
        r.external_id for r in records if isinstance(r, ActivityRecord)
    }
    assert "C024BE91L" not in slack.cursor["channels"]


def test_a_failing_channel_keeps_the_cursor_of_those_already_read(tmp_path):
    down = write_recording(
        tmp_path,
        "help-down.json",
        # Answered 503 more often than ApiClient retries.
        [
            {
                "url": "https://slack.com/api/conversations.history?channel=C0H8KJ2LP&limit=200",
                "status": 503,
                "body": "upstream unavailable",
            }
        ]
        * 6,
    )
    slack = source(Recording(down, FIXTURES / "recording__workspace.json"))
    seen = []
    with pytest.raises(SourceFailure, match=r"answered 503 .* after 6 attempts"):
        for record in slack.read():
            seen.append(record)
    assert len(seen) == 9 and {r.channel for r in seen} == {"#general"}
    assert set(slack.cursor["channels"]) == {"C024BE91L"}


def test_only_the_configured_channels_are_read():
    replay = recording()
    records = list(source(replay, channels=["#help"]).read())
    assert {r.channel for r in records} == {"#help"}
    assert not any("C024BE91L" in url for url in replay.requests)
