from collections import Counter

import pytest

from townhall.connectors.discord.source import (
    DiscordApi,
    DiscordApiConfig,
    DiscordExport,
    DiscordExportConfig,
)
from townhall.core.records import ActivityRecord
from townhall.core.services.imports import SourceFailure
from townhall.core.services.ingest import Envelope

from ..discord_export.contract import sample as export_sample
from .contract import config, recording

G = "1015963208164155452"
GENERAL, HELP, MODS = "1015963208600363048", "1016004455667788990", "1016004455667788997"
ANA, BO, CY, DEE = (
    "301218836651540481",
    "412030157811695617",
    "566211900123457536",
    "689314201756434442",
)
WELCOME, FILES, QUESTION = "1214136503500931074", "1214150344704131077", "1214573130547331081"
POST = "1215300011122233345"


def source(replay, *, cursor=None, **overrides):
    built = DiscordApi(
        DiscordApiConfig.model_validate({**config(), **overrides}),
        cursor=cursor,
        transport=replay.transport(),
    )
    built.sleeps = []
    built.sleep = built.sleeps.append
    return built


def records_of(items):
    return [r for r in items if isinstance(r, ActivityRecord)]


def by_id(records):
    return {r.external_id: r for r in records_of(records)}


def test_first_sync_pages_members_and_messages_forward_with_after():
    replay = recording()
    discord = source(replay)
    items = list(discord.read())
    assert Counter(r.kind for r in records_of(items)) == {
        "member_join": 4,
        "message": 5,
        "reply": 1,
        "thread_reply": 3,
        "mention": 3,
        "reaction": 6,
        "file_shared": 2,
    }
    paths = [url.split("/api/v10/")[1] for url in replay.requests]
    assert paths[:3] == [
        f"guilds/{G}/members?limit=2&after=0",
        f"guilds/{G}/members?limit=2&after={BO}",
        f"guilds/{G}/members?limit=2&after=1016001122334455667",
    ]
    general = [p for p in paths if p.startswith(f"channels/{GENERAL}/messages?")]
    assert general == [
        f"channels/{GENERAL}/messages?limit=2&after=0",
        f"channels/{GENERAL}/messages?limit=2&after={WELCOME}",
        f"channels/{GENERAL}/messages?limit=2&after=1214142794956931076",
    ]
    assert f"channels/{GENERAL}/messages/{WELCOME}/reactions/%F0%9F%91%8B?limit=100" in paths
    # Newest-first pages are put back in order: records come oldest first.
    messages = [
        r for r in records_of(items) if r.kind in ("message", "reply") and r.channel == "#general"
    ]
    assert [r.occurred_at for r in messages] == sorted(r.occurred_at for r in messages)


def test_member_joins_carry_profiles_and_the_bot_flag():
    joins = [r for r in records_of(source(recording()).read()) if r.kind == "member_join"]
    ana = joins[0]
    assert ana.external_id == f"join:{G}:{ANA}:1662387668"
    assert ana.occurred_at.isoformat() == "2022-09-05T14:21:08.510000+00:00"
    assert ana.actor.name == "Ana | Acme" and ana.actor.username == "ana.souza"
    assert ana.actor.avatar_url == (
        f"https://cdn.discordapp.com/avatars/{ANA}/3f5e1c9a0b7d2e4f6a8c0e1d3b5f7a9c.png"
    )
    assert [j.actor.is_bot for j in joins] == [False, False, False, True]
    assert joins[1].actor.avatar_url.endswith(".gif")  # an animated avatar


def test_api_records_have_the_export_ids_kinds_and_targets(tmp_path):
    api = by_id(source(recording()).read())
    export = by_id(DiscordExport(DiscordExportConfig(path=export_sample(tmp_path))).read())
    shared = api.keys() & export.keys()
    # Every message both saw has the same id, kind, target and thread in both.
    assert len(shared) == 18
    for key in shared:
        a, e = api[key], export[key]
        assert (a.kind, a.parent_id, a.conversation_id, a.occurred_at) == (
            e.kind,
            e.parent_id,
            e.conversation_id,
            e.occurred_at,
        ), key
        assert (a.target.key if a.target else None) == (e.target.key if e.target else None), key
    assert api[WELCOME].body == "Welcome @cy_okafor! Ping @bochen if you need help with the API."


def test_replies_threads_and_forum_posts_target_whom_they_answer():
    found = by_id(source(recording()).read())
    reply = found["1214138265108611075"]
    assert reply.kind == "reply" and reply.parent_id == WELCOME and reply.target.external_id == ANA
    assert f"1214138265108611075:mention:{ANA}" not in found  # the reply's ping
    thread = [
        r for r in found.values() if r.kind == "thread_reply" and r.conversation_id == QUESTION
    ]
    assert {r.target.external_id for r in thread} == {BO}
    assert found[QUESTION].conversation_id == QUESTION  # a thread was started from it
    assert "1214573134741635082" not in found  # the starter's copy inside the thread
    post, answer = found[POST], found["1215300511122233346"]
    assert post.kind == "message" and post.channel == "#questions"
    assert (
        post.actor.username == "dee.l" and post.properties["thread"] == "How do I rotate API keys?"
    )
    assert answer.target.external_id == DEE and answer.actor.is_bot
    assert answer.properties["command"] == "docs"


def test_webhooks_and_bots_are_flagged():
    found = by_id(source(recording()).read())
    assert found["1214142794956931076"].actor.is_bot  # webhook_id
    assert not found[WELCOME].actor.is_bot


def test_an_unreadable_channel_is_quarantined_and_the_others_read():
    discord = source(recording())
    items = list(discord.read())
    problems = [r for r in items if isinstance(r, Envelope)]
    assert len(problems) == 1
    assert problems[0].error.startswith(f"#mods-only ({MODS}): the bot cannot read it")
    assert "Read Message History" in problems[0].error
    assert MODS not in discord.cursor["channels"]


def test_the_cursor_is_the_last_message_id_per_channel_and_skips_quiet_channels():
    first = source(recording())
    list(first.read())
    assert first.cursor == {
        "channels": {
            GENERAL: FILES,
            HELP: QUESTION,
            QUESTION: "1214578163712131084",
            POST: "1215300511122233346",
        }
    }
    replay = recording()
    again = source(replay, cursor=first.cursor)
    items = list(again.read())
    # Channels whose last_message_id the cursor already covers are not asked again.
    asked = [u for u in replay.requests if "/messages?" in u]
    assert asked == [f"https://discord.com/api/v10/channels/{MODS}/messages?limit=2&after=0"]
    assert {r.kind for r in records_of(items)} == {"member_join"}


def test_an_incremental_sync_reads_only_what_is_new():
    first = source(recording())
    list(first.read())
    replay = recording("incremental")
    again = source(replay, cursor=first.cursor)
    new = [r for r in records_of(again.read()) if r.kind != "member_join"]
    assert [(r.kind, r.external_id) for r in new] == [("reply", "1215700000000000001")]
    assert new[0].parent_id == FILES and new[0].target.external_id == BO
    assert f"channels/{GENERAL}/messages?limit=2&after={FILES}" in " ".join(replay.requests)
    assert again.cursor["channels"][GENERAL] == "1215700000000000001"


def test_rate_limits_wait_as_discord_says_without_sleeping_in_tests():
    discord = source(recording("rate-limited"))
    items = list(discord.read())
    # 2.5 s from a 429's JSON body, 1 s from a 429's Retry-After, 0.25 s for a spent bucket.
    assert discord.sleeps == [2.5, 1.0, 0.25]
    assert len(records_of(items)) == 24


def test_a_bad_token_stops_with_a_clear_message():
    with pytest.raises(SourceFailure, match=r"Discord refused the bot token \(401"):
        list(source(recording("bad-token")).read())


def test_a_missing_member_intent_says_how_to_fix_it():
    with pytest.raises(SourceFailure, match="Server Members Intent"):
        list(source(recording("no-members-intent")).read())


def test_without_the_member_list_joins_come_from_join_notices():
    replay = recording()
    found = by_id(source(replay, include_members=False).read())
    assert not any("/members" in u for u in replay.requests)
    join = found["1214135245209731073"]
    assert join.kind == "member_join" and join.actor.external_id == CY


def test_reaction_users_can_be_left_out():
    replay = recording()
    found = by_id(source(replay, fetch_reaction_users=False).read())
    assert not any("/reactions/" in u for u in replay.requests)
    assert not any(r.kind == "reaction" for r in found.values())
    assert found[WELCOME].properties["reactions"] == 3


def test_only_the_configured_channels_are_read():
    replay = recording()
    found = by_id(source(replay, channels=["#help"], include_members=False).read())
    assert {r.channel for r in found.values()} == {"#help"}
    assert not any(GENERAL in u for u in replay.requests)
