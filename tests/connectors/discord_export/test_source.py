from collections import Counter
from datetime import UTC, datetime

import pytest

from townhall.connectors.discord import dce
from townhall.connectors.discord.source import DiscordExport, DiscordExportConfig
from townhall.core.records import ActivityRecord
from townhall.core.services.imports import SourceFailure
from townhall.core.services.ingest import Envelope

from .contract import EXPORTS, FIXTURES, broken_sample, build_folder, sample

GENERAL = "1015963208600363048"
WELCOME = "1214136503500931074"
QUESTION = "1214573130547331081"  # also the thread's id
ANA, BO, CY = "301218836651540481", "412030157811695617", "566211900123457536"


def read(path):
    return list(DiscordExport(DiscordExportConfig(path=path)).read())


def by_id(records):
    return {r.external_id: r for r in records}


@pytest.fixture
def records(tmp_path):
    return read(sample(tmp_path))


def test_a_folder_of_exports_yields_every_kind_with_unique_ids(records):
    assert all(isinstance(r, ActivityRecord) for r in records)
    assert Counter(r.kind for r in records) == {
        "message": 11,
        "reply": 1,
        "thread_reply": 2,
        "mention": 3,
        "reaction": 6,
        "file_shared": 3,
        "member_join": 1,
    }
    ids = [r.external_id for r in records]
    assert len(ids) == len(set(ids)) and {r.source for r in records} == {"discord"}


def test_messages_keep_their_snowflake_time_author_and_link(records):
    welcome = by_id(records)[WELCOME]
    assert welcome.kind == "message" and welcome.channel == "#general"
    assert welcome.occurred_at == datetime(2024, 3, 4, 9, 5, tzinfo=UTC)
    assert welcome.url == f"https://discord.com/channels/1015963208164155452/{GENERAL}/{WELCOME}"
    assert welcome.actor.external_id == ANA and welcome.actor.username == "ana.souza"
    assert welcome.actor.name == "Ana | Acme" and welcome.actor.avatar_url.startswith(
        f"https://cdn.discordapp.com/avatars/{ANA}/"
    )
    # Exports written in local time keep their offset; the instant is the same.
    files = by_id(records)["1214150344704131077"]
    assert files.occurred_at.isoformat() == "2024-03-04T11:00:00+01:00"
    assert files.occurred_at == datetime(2024, 3, 4, 10, 0, tzinfo=UTC)


def test_a_reply_answers_the_referenced_message_and_targets_its_author(records):
    reply = by_id(records)["1214138265108611075"]
    assert reply.kind == "reply" and reply.parent_id == WELCOME
    assert reply.target.external_id == ANA and reply.conversation_id == WELCOME
    assert reply.properties["edited_at"] == "2024-03-04T09:13:00+00:00"
    # The reply pings ana (she is in `mentions`): that is the reply, not another mention.
    assert "1214138265108611075:mention:" + ANA not in by_id(records)


def test_mentions_target_each_mentioned_user(records):
    mentions = [r for r in records if r.kind == "mention" and r.parent_id == WELCOME]
    assert [(m.actor.external_id, m.target.external_id) for m in mentions] == [(ANA, CY), (ANA, BO)]
    assert mentions[0].external_id == f"{WELCOME}:mention:{CY}"


def test_reactions_are_one_per_user_targeting_the_author(records):
    reactions = [r for r in records if r.kind == "reaction" and r.parent_id == WELCOME]
    assert [
        (r.actor.external_id, r.properties["emoji"], r.target.external_id) for r in reactions
    ] == [
        (BO, "👋", ANA),
        (CY, "👋", ANA),
        # A custom emoji is keyed by its id, as the API names it.
        (BO, "1016009988776655443", ANA),
    ]
    assert by_id(records)[WELCOME].properties["reactions"] == 3


def test_thread_messages_answer_the_starter_and_target_its_author(records):
    question = by_id(records)[QUESTION]
    assert question.kind == "message" and question.conversation_id == QUESTION
    thread = [r for r in records if r.kind == "thread_reply"]
    assert [r.actor.external_id for r in thread] == [ANA, BO]
    for reply in thread:
        assert reply.parent_id == reply.conversation_id == QUESTION
        assert reply.target.external_id == BO  # who asked
        assert reply.channel == "#help" and reply.properties["thread"] == "SSO with Okta fails"
    # The copy of the starter message shown at the top of the thread is not counted.
    assert "1214573134741635082" not in by_id(records)


def test_bots_and_webhooks_are_flagged(records):
    found = by_id(records)
    assert found["1214142794956931076"].actor.is_bot  # GitHub webhook
    command = found["1214165444198531079"]
    assert command.actor.is_bot and command.properties["command"] == "docs"
    assert not any(r.actor.is_bot for r in records if r.actor.external_id in (ANA, BO, CY))


def test_joins_files_forwards_and_notices(records):
    found = by_id(records)
    assert found["1214135245209731073"].kind == "member_join"
    assert found["1214135245209731073"].actor.external_id == CY
    shared = [
        r for r in records if r.kind == "file_shared" and r.parent_id == "1214150344704131077"
    ]
    assert [(s.external_id, s.title) for s in shared] == [
        ("1214150344704131077:file:1214000011112222333", "config.yaml"),
        ("1214150344704131077:file:1214000011112222334", "error.log"),
    ]
    forward = found["1214180543692931080"]
    assert forward.kind == "message" and forward.properties == {"forwarded": True}
    assert forward.parent_id == ""
    assert "1214165444198531078" not in found  # "pinned a message" notice


def test_a_minified_export_is_read_whole(records):
    dm = [r for r in records if r.channel == "dm:1100220033004400550"]
    assert [r.body for r in dm] == ["Got a minute for the SSO doc review?", "Sure"]
    assert dm[0].url.startswith("https://discord.com/channels/@me/1100220033004400550/")


def test_csv_rows_become_messages_with_counts(records):
    csv_rows = [r for r in records if r.channel == "#announcements"]
    assert [r.kind for r in csv_rows] == ["message", "message", "message", "file_shared"]
    release, upgrade, helper, pdf = csv_rows
    assert release.external_id == f"1016007766554433221:{ANA}:1709827200000"
    assert release.properties == {"reactions": 6}
    assert upgrade.body == 'Upgraded, the "SSO" fix works 👍\nThanks team'
    assert upgrade.occurred_at == datetime(2024, 3, 7, 16, 3, 0, 517000, tzinfo=UTC)
    # The CSV's authors reuse what the JSON exports said of them (the bot flag too).
    assert helper.actor.is_bot and helper.actor.username == "Acme Helper"
    assert pdf.external_id.endswith(":file:1214100022223333444") and pdf.title == "changelog.pdf"


def test_reading_is_the_same_every_time_and_with_windows_line_ends(tmp_path, records):
    assert read(sample(tmp_path)) == records
    folder = build_folder(tmp_path / "crlf")
    for path in folder.glob("*.json"):
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert read(folder) == records


@pytest.mark.parametrize("chunk", [7, 97])
def test_messages_split_across_read_chunks_stream_the_same(tmp_path, records, monkeypatch, chunk):
    monkeypatch.setattr(dce, "CHUNK", chunk)
    assert read(sample(tmp_path)) == records


def test_only_files_not_laid_out_like_discordchatexporter_are_read_whole(tmp_path, monkeypatch):
    whole = []
    read_whole = dce.JsonExport._read_whole

    def spy(export):
        whole.append(export.name)
        return read_whole(export)

    monkeypatch.setattr(dce.JsonExport, "_read_whole", spy)
    read(sample(tmp_path))
    assert whole == ["Direct Messages - Private - bochen [1100220033004400550].json"]


def test_a_single_file_can_be_imported(tmp_path):
    folder = build_folder(tmp_path / "one", {"general.json": "channel__general.json"})
    records = read(folder / "general.json")
    assert len(records) == 14 and records[0].kind == "member_join"


def test_damaged_exports_are_quarantined_with_file_and_message(tmp_path):
    records = read(broken_sample(tmp_path))
    problems = [r for r in records if isinstance(r, Envelope)]
    general = "Acme Community - Text Channels - general [1015963208600363048].json"
    help_ = "Acme Community - Text Channels - help [1016004455667788990].json"
    csv = "Acme Community - Announcements - announcements [1016007766554433221].csv"
    assert [p.error for p in problems] == [
        f"{general}: the file ends inside message 5 (an interrupted export?)",
        f"{help_}: message 2: Expected `datetime` with a timezone component - at `$.timestamp`",
        f"{help_}: message 3: Object missing required field `author`",
        f"{csv}: line 3: Invalid isoformat string: 'yesterday'",
    ]
    assert '"no timezone here"' in problems[1].raw and ",yesterday," in problems[3].raw
    bodies = {r.body for r in records if isinstance(r, ActivityRecord)}
    assert {"First, fine", "Last, fine", "Thanks! Happy to be here."} <= bodies


def test_a_json_file_that_is_no_export_is_quarantined(tmp_path):
    (tmp_path / "settings.json").write_text('{"theme": "dark"}')
    (tmp_path / "notes.csv").write_text("title,text\nhello,world\n")
    problems = read(tmp_path)
    assert [p.error for p in problems] == [
        'settings.json: no "messages" array: not a DiscordChatExporter JSON export',
        "notes.csv: not a DiscordChatExporter CSV (its header is ['title', 'text'], "
        "expected AuthorID,Author,Date,Content,Attachments,Reactions)",
    ]


def test_a_folder_without_exports_stops_with_a_clear_message(tmp_path):
    (tmp_path / "readme.txt").write_text("nothing here")
    with pytest.raises(SourceFailure, match=r"holds no \.json or \.csv file"):
        read(tmp_path)


def test_fixture_names_follow_discordchatexporter(tmp_path):
    # Every fixture the contract copies exists (a renamed fixture fails here first).
    assert all((FIXTURES / fixture).exists() for fixture in EXPORTS.values())
