import json
from datetime import UTC, datetime

import pytest

from townhall.connectors.services import file_plan, plan_for_target
from townhall.connectors.x import archive as archive_module
from townhall.connectors.x.archive import parse_created_at
from townhall.connectors.x.source import XArchive, XArchiveConfig
from townhall.core.models import Activity, QuarantinedRecord
from townhall.core.records import ActivityRecord
from townhall.core.services.imports import SourceFailure, run_plan
from townhall.core.services.ingest import Envelope

from .contract import FIXTURES, build_folder, build_zip

OWNER = "1428529374920454144"


def read(path) -> list:
    return list(XArchive(XArchiveConfig(path=path)).read())


def test_archive_yields_tweets_replies_retweets_and_mentions_with_their_targets(tmp_path):
    records = read(build_zip(tmp_path))
    assert all(isinstance(r, ActivityRecord) for r in records)
    assert [r.kind for r in records] == [
        "reply",  # 2/ of a thread: answers the owner's own tweet
        "tweet",
        "retweet",
        "reply",
        "tweet",
        "mention",
        "mention",
    ]
    thread, opener, retweet, reply, launch, ana, bo = records
    assert {r.actor.external_id for r in records} == {OWNER}
    assert launch.actor.username == "acmehq" and launch.actor.email == "social@acme.io"
    assert thread.target is None and thread.parent_id == opener.external_id
    assert thread.body.startswith("2/ Meetups beat webinars & it")  # HTML entities decoded
    assert retweet.target.external_id == "3047561923" and retweet.target.name == "Carla Mendes"
    assert reply.target.external_id == "1187765411" and reply.target.username == "ana_dev"
    assert reply.parent_id == "2120181357011935232"
    assert (ana.target.username, bo.target.username) == ("ana_dev", "bo_chen")
    assert ana.external_id == f"{launch.external_id}:mention:1187765411"
    assert launch.occurred_at == datetime(2026, 11, 10, 15, 0, tzinfo=UTC)
    assert launch.url == "https://x.com/acmehq/status/2120169607787597824"
    assert launch.channel == "x" and launch.conversation_id == launch.external_id
    assert launch.properties == {"favorite_count": 48, "retweet_count": 12, "lang": "en"}
    assert opener.properties["hashtags"] == ["community"]


def test_zip_and_unpacked_folder_give_the_same_records(tmp_path):
    from_zip = read(build_zip(tmp_path))
    from_folder = read(build_folder(tmp_path, "tweets__acmehq.js"))
    assert from_zip == from_folder


def test_items_are_streamed_across_buffer_boundaries(tmp_path, monkeypatch):
    expected = read(build_zip(tmp_path))
    monkeypatch.setattr(archive_module, "CHUNK", 37)
    assert read(build_zip(tmp_path)) == expected


def test_older_archives_tweet_js_and_its_parts_are_read_in_order(tmp_path):
    folder = tmp_path / "old"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "account.js").write_bytes((FIXTURES / "account__acmehq.js").read_bytes())
    tweets = (FIXTURES / "tweets__acmehq.js").read_text()
    items = json.loads(tweets.split("=", 1)[1])
    (folder / "data" / "tweet.js").write_text(
        "window.YTD.tweet.part0 = " + json.dumps(items[:2], indent=2)
    )
    # Before the {"tweet": …} wrapper, archives listed the tweet objects themselves.
    (folder / "data" / "tweet-part1.js").write_text(
        "window.YTD.tweet.part1 = " + json.dumps([i["tweet"] for i in items[2:]])
    )
    assert read(folder) == read(build_zip(tmp_path))


def test_damaged_tweets_are_quarantined_with_their_place_and_reason(db, tmp_path):
    folder = build_folder(tmp_path, "tweets__damaged.js")
    envelopes = [r for r in read(folder) if isinstance(r, Envelope)]
    assert [(e.position, e.error) for e in envelopes] == [
        ("data/tweets.js#2", "tweet 2120444603135053824 has no created_at"),
        (
            "data/tweets.js#3",
            "created_at 'last Tuesday' is not a date like 'Wed Oct 10 20:19:24 +0000 2018'",
        ),
    ]
    _, result = run_plan(file_plan(XArchive(XArchiveConfig(path=folder))))
    assert (result.created, result.quarantined) == (1, 2)
    assert "last Tuesday" in QuarantinedRecord.objects.get(position="data/tweets.js#3").raw


def test_truncated_archive_stops_clearly_after_committing_what_it_read(db, tmp_path):
    text = (FIXTURES / "tweets__acmehq.js").read_text()
    (tmp_path / "cut.js").write_text(text[: int(len(text) * 0.7)])
    folder = tmp_path / "cut"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "account.js").write_bytes((FIXTURES / "account__acmehq.js").read_bytes())
    (folder / "data" / "tweets.js").write_text(text[: int(len(text) * 0.7)])
    with pytest.raises(SourceFailure, match=r"not valid JSON.*damaged or truncated"):
        run_plan(file_plan(XArchive(XArchiveConfig(path=folder))), batch_size=1)
    assert Activity.objects.count() == 3  # the three whole tweets before the cut


def test_archive_without_account_js_needs_the_owner_in_a_json_config(db, tmp_path):
    folder = tmp_path / "no-account"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "tweets.js").write_bytes((FIXTURES / "tweets__acmehq.js").read_bytes())
    with pytest.raises(SourceFailure, match=r"no data/account\.js"):
        read(folder)
    config = tmp_path / "archive.json"
    config.write_text(json.dumps({"path": "no-account", "account_id": OWNER, "username": "acmehq"}))
    _, result = run_plan(plan_for_target(XArchive, str(config)))
    assert result.created == 7
    assert not Activity.objects.exclude(identity__external_id=OWNER).filter(kind__slug="tweet")


def test_not_an_archive_is_refused_before_reading(tmp_path):
    path = tmp_path / "notes.zip"
    path.write_text("not a zip")
    with pytest.raises(SourceFailure, match="neither an X archive ZIP nor its folder"):
        plan_for_target(XArchive, str(path))


def test_a_tweet_of_an_unexpected_shape_is_quarantined_not_fatal(tmp_path):
    folder = tmp_path / "odd"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "account.js").write_bytes((FIXTURES / "account__acmehq.js").read_bytes())
    odd = {"id_str": "2120451465016397824", "created_at": "Wed Nov 11 09:40:00 +0000 2026"}
    items = [{"tweet": {**odd, "entities": ["not", "an", "object"]}}, ["nor", "is", "this"]]
    (folder / "data" / "tweets.js").write_text("window.YTD.tweets.part0 = " + json.dumps(items))
    assert [(e.position, e.error) for e in read(folder)] == [
        ("data/tweets.js#1", "'list' object has no attribute 'get'"),
        ("data/tweets.js#2", "an item that is not a tweet object"),
    ]


def test_created_at_keeps_its_offset():
    moment = parse_created_at("Wed Oct 10 20:19:24 -0530 2018")
    assert moment.isoformat() == "2018-10-10T20:19:24-05:30"
