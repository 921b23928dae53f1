from tests.connectors.replay import Recording
from townhall.connectors.hackernews.source import HackerNewsApiConfig, HackerNewsApiSource
from townhall.core.records import ActivityRecord

from .contract import FIXTURES, config


class Waits(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def source(recording: str, *, cursor: dict | None = None, **settings):
    replay = Recording(FIXTURES / recording)
    instance = HackerNewsApiSource(
        HackerNewsApiConfig(**(settings or config())), cursor=cursor, transport=replay.transport()
    )
    instance.sleep = Waits()
    return instance, replay


def by_id(items) -> dict[str, ActivityRecord]:
    return {r.external_id: r for r in items if isinstance(r, ActivityRecord)}


def test_walk_reads_items_oldest_first_and_skips_deleted_and_jobs():
    hn, _ = source("api__walk.json")
    records = list(hn.read())
    assert all(isinstance(r, ActivityRecord) for r in records)
    assert [r.external_id for r in records] == [
        "item:40000001",
        "item:40000002",
        "item:40000003",
        "item:40000006",
        "item:40000007",
    ]
    assert hn.cursor == {"max_item": 40000007}


def test_story_fields():
    story = by_id(source("api__walk.json")[0].read())["item:40000001"]
    assert story.kind == "story" and story.channel == "hn" and story.source == "hackernews"
    assert story.actor.external_id == "pg_fan" and story.actor.username == "pg_fan"
    assert story.actor.url == "https://news.ycombinator.com/user?id=pg_fan"
    assert story.url == "https://news.ycombinator.com/item?id=40000001"
    assert story.properties == {
        "score": 42,
        "descendants": 4,
        "category": "show",
        "link": "https://example.com/mig",
    }
    assert story.body.startswith(
        "I got tired of hand-written ALTER TABLE scripts. It's 300 lines &"
    )
    assert story.occurred_at.isoformat() == "2024-03-08T12:13:20+00:00"


def test_comment_targets_are_parent_authors_with_the_story_as_conversation():
    records = by_id(source("api__walk.json")[0].read())
    reply, answer = records["item:40000002"], records["item:40000003"]
    assert reply.target.username == "pg_fan" and reply.parent_id == "item:40000001"
    assert answer.target.username == "dang_alt" and answer.conversation_id == "item:40000001"
    under_deleted = records["item:40000006"]
    assert under_deleted.target is None and under_deleted.conversation_id == "item:40000001"
    assert under_deleted.properties == {"dead": True}


def test_parents_older_than_the_walk_are_fetched_up_to_their_story():
    hn, replay = source("api__walk.json")
    late = by_id(hn.read())["item:40000007"]
    assert late.target.username == "quiet_one"
    assert late.conversation_id == "item:39999980"
    assert any(url.endswith("/item/39999980.json") for url in replay.requests)


def test_next_walk_starts_after_the_cursor():
    hn, replay = source("api__walk.json", cursor={"max_item": 40000005})
    assert [r.external_id for r in hn.read()] == ["item:40000006", "item:40000007"]
    assert hn.cursor == {"max_item": 40000007}
    # Only the items after the cursor, and the parent chain of the first one.
    assert not any(
        url.endswith(("/item/40000002.json", "/item/40000005.json")) for url in replay.requests
    )


def test_cursor_moves_after_each_item_is_yielded():
    hn, _ = source("api__walk.json")
    marks = [dict(hn.cursor) for _ in hn.read()]
    assert marks[0] == {} and marks[1] == {"max_item": 40000001}


def test_stories_mode_walks_the_tree_and_waits_on_rate_limits():
    hn, _ = source("api__rate_limited.json", story_ids=[40000001])
    records = list(hn.read())
    assert [r.external_id for r in records] == [
        "item:40000001",
        "item:40000002",
        "item:40000003",
        "item:40000006",
    ]
    assert hn.sleep == [3.0]  # Retry-After of the 429
    assert hn.cursor == {"max_item": 40000006}


def test_search_mode_reads_matching_stories_since_the_cursor():
    hn, replay = source("api__search.json", search="sqlite", since="2024-03-01T00:00:00Z")
    assert len(by_id(hn.read())) == 4
    assert "numericFilters=created_at_i%3E%3D1709251200" in replay.requests[0]
    assert hn.cursor == {
        "created_at_i": 1709900000,
        "stories_at": [40000001],
        "max_item": 40000006,
    }
    again, replay = source(
        "api__search.json", cursor=hn.cursor, search="sqlite", since="2024-03-01T00:00:00Z"
    )
    assert list(again.read()) == [] and len(replay.requests) == 1


def test_story_ids_and_search_exclude_each_other():
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="not both"):
        HackerNewsApiConfig(story_ids=[1], search="x")
