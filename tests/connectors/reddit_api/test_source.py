import pytest

from tests.connectors.replay import Recording
from townhall.connectors.reddit.source import RedditApiConfig, RedditApiSource
from townhall.core.records import ActivityRecord
from townhall.core.services.imports import SourceFailure
from townhall.core.services.ingest import Envelope

from .contract import FIXTURES, config


class Waits(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def source(recording: str, *, cursor: dict | None = None, **overrides):
    replay = Recording(FIXTURES / recording)
    instance = RedditApiSource(
        RedditApiConfig(**{**config(), **overrides}), cursor=cursor, transport=replay.transport()
    )
    instance.sleep = Waits()
    return instance, replay


def by_id(items) -> dict[str, ActivityRecord]:
    return {r.external_id: r for r in items if isinstance(r, ActivityRecord)}


def test_new_submissions_oldest_first_each_with_its_comment_tree():
    reddit, replay = source("api__sync.json")
    items = list(reddit.read())
    order = [r.external_id if isinstance(r, ActivityRecord) else r.position for r in items]
    assert order == [
        "t3_1b7a1",
        "t1_kq5",
        "t1_kq1",
        "t1_kq2",
        "t1_kq3",
        "t1_kq4",
        "t3_1b8x2",
        "t1_kr1",
    ]
    # The second listing page reached `since`: the older submission was not read.
    assert not any("1a0zz" in url for url in replay.requests[2:])
    assert all("raw_json=1" in url for url in replay.requests)


def test_submission_and_comment_fields():
    records = by_id(source("api__sync.json")[0].read())
    post = records["t3_1b7a1"]
    assert post.kind == "submission" and post.channel == "django" and post.source == "reddit"
    assert post.actor.external_id == "t2_b0b" and post.actor.username == "bob_builds"
    assert post.actor.url == "https://www.reddit.com/user/bob_builds"
    assert post.title == "Celery beat keeps dying in Docker"
    assert post.body == "It restarts every hour & I can't tell why."
    assert post.url.startswith("https://www.reddit.com/r/django/comments/1b7a1/")
    assert post.occurred_at.isoformat() == "2024-03-06T04:40:00+00:00"
    assert post.properties["comments_not_loaded"] == 3
    assert post.properties["flair"] == "Hosting and deployment"
    comment = records["t1_kq1"]
    assert comment.conversation_id == "t3_1b7a1" and comment.parent_id == "t3_1b7a1"


def test_comment_targets_are_parent_authors_and_deleted_ones_are_quarantined():
    items = list(source("api__sync.json")[0].read())
    records = by_id(items)
    assert records["t1_kq1"].target.external_id == "t2_b0b"  # top level → the submitter
    assert records["t1_kq2"].target.external_id == "t2_a11ce"  # reply → the parent's author
    assert records["t1_kq4"].target is None  # its parent's account is deleted
    assert records["t1_kr1"].target is None  # the submission's account is deleted
    envelopes = {e.position: e for e in items if isinstance(e, Envelope)}
    assert set(envelopes) == {"t1_kq3", "t3_1b8x2"}
    assert all(e.error.startswith("author deleted") for e in envelopes.values())
    assert '"author": "[deleted]"' in envelopes["t1_kq3"].raw
    people = {p.username for r in records.values() for p in (r.actor, r.target) if p}
    assert "[deleted]" not in people


def test_automoderator_is_a_bot():
    bot = by_id(source("api__sync.json")[0].read())["t1_kq5"]
    assert bot.actor.is_bot and bot.properties["distinguished"] == "moderator"


def test_cursor_follows_each_finished_thread_and_stops_the_next_sync():
    reddit, _ = source("api__sync.json")
    seen = [
        (
            getattr(r, "external_id", r.position if isinstance(r, Envelope) else ""),
            dict(reddit.cursor),
        )
        for r in reddit.read()
    ]
    assert seen[0][1] == {}
    assert seen[6] == (
        "t3_1b8x2",
        {"subreddits": {"django": {"name": "t3_1b7a1", "created": 1709700000.0}}},
    )
    assert reddit.cursor == {
        "subreddits": {"django": {"name": "t3_1b8x2", "created": 1709800000.0}}
    }
    again, replay = source("api__sync.json", cursor=reddit.cursor)
    assert list(again.read()) == [] and len(replay.requests) == 1


def test_rate_limits_wait_for_the_window_reset():
    reddit, replay = source("api__rate_limited.json")
    assert len(by_id(reddit.read())) == 5
    # 429 with X-Ratelimit-Reset: 12 s (relative) → Retry-After 13; then a spent window
    # (remaining 0, reset in 37 s) → wait 38 s before the next call.
    assert reddit.sleep == [13, 38.0]
    assert len(replay.requests) == 3


def test_a_refused_token_stops_with_a_hint():
    reddit, _ = source("api__expired_token.json")
    with pytest.raises(SourceFailure, match="access token was refused"):
        list(reddit.read())


def test_token_is_sent_as_bearer_and_kept_secret():
    seen = []
    replay = Recording(FIXTURES / "api__sync.json")

    def handler(request):
        seen.append(request.headers["authorization"])
        return replay.handler(request)

    import httpx

    reddit = RedditApiSource(RedditApiConfig(**config()), transport=httpx.MockTransport(handler))
    reddit.sleep = Waits()
    list(reddit.read())
    assert set(seen) == {"bearer recorded-token"}
    assert "recorded-token" not in repr(reddit.config)
