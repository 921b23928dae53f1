from datetime import UTC, datetime

import httpx
import pytest

from tests.connectors.replay import Recording
from townhall.connectors.models import Connection
from townhall.connectors.services import save_connection
from townhall.connectors.x.source import XApiConfig, XRecentSearch
from townhall.core.records import ActivityRecord
from townhall.core.services.imports import SourceFailure
from townhall.core.services.ingest import Envelope

from .contract import FIXTURES, config

ACME, ANA, BO = "1428529374920454144", "1187765411", "918273645012345600"
NEWEST = "2124428923499597824"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def search(recording: Recording, *, cursor=None, now=NOW) -> tuple[XRecentSearch, list[float]]:
    source = XRecentSearch(
        XApiConfig.model_validate(config()), cursor=cursor, transport=recording.transport()
    )
    waits: list[float] = []
    source.sleep = waits.append
    source.clock = lambda: now
    return source, waits


def test_search_yields_every_kind_with_targets_from_includes():
    source, _ = search(Recording(FIXTURES / "search__two_pages.json"))
    records = list(source.read())
    assert all(isinstance(r, ActivityRecord) for r in records)
    assert [(r.kind, r.actor.username, r.target and r.target.username) for r in records] == [
        ("reply", "ana_dev", "acmehq"),
        ("mention", "ana_dev", "bo_chen"),  # @acmehq is the reply's target, not a mention
        ("quote", "bo_chen", "acmehq"),  # the quoted tweet's author, from includes.tweets
        ("retweet", "carla_codes", "acmehq"),  # no mentions for a retweet
        ("tweet", "danokafor", None),
        ("mention", "danokafor", "acmehq"),
        ("mention", "danokafor", "ana_dev"),
    ]
    reply, mention, quote, retweet, *_ = records
    assert reply.external_id == NEWEST and reply.parent_id == "2123325402117197824"
    assert reply.conversation_id == "2123325402117197824" == mention.conversation_id
    assert reply.target.external_id == ACME and reply.actor.external_id == ANA
    assert reply.actor.avatar_url.endswith("ana_normal.jpg")
    assert mention.external_id == f"{NEWEST}:mention:{BO}"
    assert reply.occurred_at == datetime(2026, 11, 22, 9, 5, tzinfo=UTC)
    assert reply.url == f"https://x.com/ana_dev/status/{NEWEST}"
    assert quote.properties["quoted_tweet_id"] == "2123325402117197824"
    assert retweet.properties == {
        "retweeted_tweet_id": "2123325402117197824",
        "retweet_count": 41,
        "like_count": 0,
        "reply_count": 0,
        "quote_count": 0,
        "lang": "en",
    }


def test_cursor_moves_to_the_newest_tweet_only_after_every_page_is_read():
    recording = Recording(FIXTURES / "search__two_pages.json")
    source, _ = search(recording)
    records = source.read()
    next(records)
    assert source.cursor == {}
    list(records)
    assert source.cursor == {"since_id": NEWEST}
    assert len(recording.requests) == 2 and "next_token=" in recording.requests[1]


def test_next_sync_asks_only_for_tweets_after_the_cursor():
    recording = Recording(FIXTURES / "search__two_pages.json")
    source, _ = search(recording, cursor={"since_id": NEWEST})
    assert list(source.read()) == []
    assert f"since_id={NEWEST}" in recording.requests[0]
    assert source.cursor == {"since_id": NEWEST}  # nothing newer: keep it


def test_a_since_id_older_than_the_search_window_is_dropped():
    recording = Recording(FIXTURES / "search__two_pages.json")
    source, _ = search(
        recording, cursor={"since_id": NEWEST}, now=datetime(2026, 12, 5, tzinfo=UTC)
    )
    assert len(list(source.read())) == 7
    assert "since_id" not in recording.requests[0]


def test_rate_limit_waits_until_x_rate_limit_reset():
    recording = Recording(
        FIXTURES / "search__rate_limited.json", FIXTURES / "search__two_pages.json"
    )
    source, waits = search(recording)
    assert len(list(source.read())) == 7
    # The window resets in 2100: X's header is honoured (capped at 15 minutes), not a 2 s backoff.
    assert waits == [900.0]


def test_unreadable_tweets_are_quarantined_and_a_withheld_original_leaves_no_target():
    source, _ = search(Recording(FIXTURES / "search__damaged_tweets.json"))
    records = list(source.read())
    bad = [r for r in records if isinstance(r, Envelope)]
    assert [(e.position, e.error) for e in bad] == [
        (
            "tweet 2123325402117197999",
            "tweet 2123325402117197999 has no created_at (ask for tweet.fields)",
        )
    ]
    retweet = next(r for r in records if isinstance(r, ActivityRecord) and r.kind == "retweet")
    assert retweet.target is None and retweet.actor.username == "carla_codes"


def test_a_refused_token_stops_the_sync_with_the_api_answer():
    def refuse(request: httpx.Request) -> httpx.Response:
        body = {
            "title": "Unauthorized",
            "type": "about:blank",
            "status": 401,
            "detail": "Unauthorized",
        }
        return httpx.Response(401, json=body)

    source = XRecentSearch(
        XApiConfig.model_validate(config()), transport=httpx.MockTransport(refuse)
    )
    with pytest.raises(SourceFailure, match="The X API answered 401"):
        list(source.read())


def test_the_bearer_token_is_stored_encrypted(db):
    connection = save_connection(XRecentSearch, XApiConfig.model_validate(config()))
    stored = Connection.objects.get(pk=connection.pk)
    assert "bearer_token" not in stored.config and stored.config["query"] == config()["query"]
    assert "test-bearer" not in stored.secrets
