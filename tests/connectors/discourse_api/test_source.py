from datetime import UTC, datetime

import httpx
import pytest

from tests.connectors.replay import Recording
from townhall.connectors.discourse.posts import mentioned_usernames, text_of
from townhall.connectors.discourse.source import DiscourseApi, DiscourseApiConfig
from townhall.connectors.services import save_connection, sync_connection
from townhall.core.models import Activity, Identity
from townhall.core.services.imports import SourceFailure

from .contract import FIXTURES, config, recording

LAST_SYNC = {"last_post_id": 1040, "likes_since": "2026-03-04T20:15:07.123Z"}


def forum(*recordings, cursor=None, waits=None, **overrides):
    replay = Recording(*recordings) if recordings else recording()
    source = DiscourseApi(
        DiscourseApiConfig.model_validate({**config(), **overrides}),
        cursor=cursor,
        transport=replay.transport(),
        sleep=(waits if waits is not None else []).append,
    )
    return source, replay


def first_sync():
    source, replay = forum()
    return {r.external_id: r for r in source.read()}, source, replay


def test_topics_replies_likes_solutions_and_mentions_are_read():
    records, _, _ = first_sync()
    kinds: dict[str, int] = {}
    for record in records.values():
        kinds[record.kind] = kinds.get(record.kind, 0) + 1
    assert kinds == {
        "topic_created": 4,
        "post": 25,
        "mention": 2,
        "solution_accepted": 1,
        "like": 4,
    }


def test_a_topic_is_its_first_post_with_category_as_channel():
    topic = first_sync()[0]["topic:101"]
    assert topic.kind == "topic_created"
    assert topic.title == "Engine crashes with an empty config"
    assert topic.url == "https://forum.acme.io/t/engine-crashes-with-an-empty-config/101"
    assert topic.channel == "Support"
    assert topic.conversation_id == "topic:101"
    assert topic.body.startswith("Starting the engine with an empty config.toml crashes")
    assert topic.properties == {
        "category": "support",
        "tags": ["config"],
        "views": 158,
        "posts_count": 5,
        "like_count": 1,
    }
    assert topic.occurred_at == datetime(2026, 3, 2, 9, 14, 7, 512000, tzinfo=UTC)


def test_people_are_keyed_by_discourse_id_with_profile():
    ana = first_sync()[0]["topic:101"].actor
    assert ana.external_id == "12" and ana.username == "ana" and ana.name == "Ana Souza"
    assert ana.url == "https://forum.acme.io/u/ana"
    assert ana.avatar_url == "https://forum.acme.io/user_avatar/forum.acme.io/ana/240/31_2.png"
    assert not ana.is_bot


def test_discourse_own_accounts_are_bots():
    welcome = first_sync()[0]["topic:100"]
    assert welcome.actor.external_id == "-1" and welcome.actor.is_bot


def test_a_reply_targets_the_post_it_answers_else_the_topic_author():
    records = first_sync()[0]
    to_post = records["post:1005"]
    assert to_post.actor.username == "ana"
    assert to_post.target.username == "bo" and to_post.parent_id == "post:1002"
    assert to_post.conversation_id == "topic:101"
    assert to_post.url == "https://forum.acme.io/t/engine-crashes-with-an-empty-config/101/3"
    to_topic = records["post:1002"]
    assert to_topic.target.username == "ana" and to_topic.parent_id == "topic:101"
    assert to_topic.properties == {"category": "support", "likes": 2, "post_number": 2}


def test_quotes_are_left_out_of_bodies_and_mentions():
    records = first_sync()[0]
    assert records["post:1005"].body == "That works, thanks & see you at the meetup!"
    assert "post:1005:mention:zed" not in records


def test_a_full_profiles_website_is_a_link_to_another_of_their_profiles():
    source, _ = forum()
    reading = source.read()
    next(reading)  # connected; cyrille is known from a topic's participants already,
    source._users.pop("cyrille")  # so forget that short profile to look the full one up
    assert source.user("cyrille").links == ["https://twitter.com/cyrille_m"]
    reading.close()
    # The short user objects of topics and posts carry no website.
    records, _, _ = first_sync()
    assert records["topic:101:mention:bo"].target.links is None


def test_mentions_target_real_accounts_only():
    records, _, replay = first_sync()
    assert records["topic:101:mention:bo"].target.external_id == "47"
    cyrille = records["post:1010:mention:cyrille"]
    assert cyrille.target.external_id == "88" and cyrille.parent_id == "post:1010"
    # @nobody has no account (404): not a mention.
    assert "https://forum.acme.io/u/nobody.json" in replay.requests
    assert not any("nobody" in eid for eid in records)


def test_small_action_posts_are_skipped():
    assert "post:1006" not in first_sync()[0]


def test_the_accepted_answer_is_credited_by_its_accepter_to_its_author():
    solution = first_sync()[0]["solution:101:1002"]
    assert solution.kind == "solution_accepted"
    assert solution.actor.username == "ana" and solution.target.username == "bo"
    assert solution.parent_id == "post:1002"


def test_a_long_topic_is_read_completely_in_chunks_of_post_ids():
    records, _, replay = first_sync()
    posts = [r for r in records.values() if r.conversation_id == "topic:102" and r.kind != "like"]
    assert len(posts) == 23
    assert any("/t/102/posts.json?post_ids%5B%5D=" in url for url in replay.requests)


def test_topics_are_walked_oldest_first_following_more_topics_url():
    _, _, replay = first_sync()
    latest = [url for url in replay.requests if "/latest.json" in url]
    assert latest == [
        "https://forum.acme.io/latest.json?order=created&ascending=true&no_definitions=true",
        "https://forum.acme.io/latest.json?ascending=true&no_definitions=true&order=created&page=1",
    ]


def test_likes_come_with_their_time_liker_and_the_post_author():
    like = first_sync()[0]["like:1002:130"]
    assert like.actor.username == "zed" and like.target.username == "bo"
    assert like.occurred_at == datetime(2026, 3, 2, 18, 0, tzinfo=UTC)
    assert like.parent_id == "post:1002" and like.channel == "Support"
    liked_topic = first_sync()[0]["like:1040:47"]
    assert liked_topic.parent_id == "topic:103" and liked_topic.target.username == "ana"


def test_the_first_sync_ends_with_the_highest_post_id_and_newest_like():
    _, source, _ = first_sync()
    assert source.cursor == LAST_SYNC


def test_a_crawl_cut_short_resumes_at_its_page():
    source, _ = forum()
    for record in source.read():
        if record.external_id == "topic:103":
            break
    assert source.cursor == {"crawl_page": 1, "crawl_high": 1040}
    resumed, replay = forum(cursor=source.cursor, likes=False)
    ids = [r.external_id for r in resumed.read()]
    assert ids == ["topic:103"]
    assert resumed.cursor == {"last_post_id": 1040}
    assert "https://forum.acme.io/posts.json" not in replay.requests


def test_the_next_sync_reads_only_new_posts_and_resolves_their_parents():
    source, replay = forum(FIXTURES / "forum__new-posts.json", cursor=LAST_SYNC, likes=False)
    records = {r.external_id: r for r in source.read()}
    # Topic by topic, in the order of their first new post (a touched topic's accepted
    # answer comes again: it is idempotent).
    assert list(records) == [
        "topic:104",
        "post:1046",
        "solution:101:1002",
        "post:1047",
        "post:1047:mention:cyrille",
    ]
    assert records["post:1046"].target.username == "bo"  # replied to post 5
    late = records["post:1047"]
    assert late.parent_id == "post:1027" and late.target.username == "cyrille"
    assert "https://forum.acme.io/posts/by_number/102/22.json" in replay.requests
    assert records["topic:104"].channel == "Support"
    assert source.cursor == {**LAST_SYNC, "last_post_id": 1047}


def test_the_next_sync_asks_for_the_likes_of_the_period_since_the_last_one():
    source, replay = forum(cursor=LAST_SYNC)
    assert [r.external_id for r in source.read()] == ["like:1007:12"]
    assert (
        "https://forum.acme.io/directory_items.json?period=weekly&order=likes_given"
        in replay.requests
    )


def test_api_key_and_username_are_sent_as_headers():
    seen: list[httpx.Request] = []
    replay = recording()

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return replay.handler(request)

    source = DiscourseApi(
        DiscourseApiConfig.model_validate(config()), transport=httpx.MockTransport(handler)
    )
    list(source.read())
    assert {r.headers["api-key"] for r in seen} == {config()["api_key"]}
    assert {r.headers["api-username"] for r in seen} == {"system"}


def test_rate_limits_wait_as_discourse_asks():
    waits: list[float] = []
    source, _ = forum(FIXTURES / "ratelimit__429.json", FIXTURES / "forum__acme.json", waits=waits)
    assert len(list(source.read())) == 36
    assert waits == [11.0, 5.0]  # extras.wait_seconds, then Retry-After


def test_a_refused_key_stops_with_a_clear_message(tmp_path):
    refused = tmp_path / "refused.json"
    refused.write_text(
        '[{"url": "https://forum.acme.io/site.json", "status": 403, "body": {"errors": '
        '["You are not permitted to view the requested resource. The API username or key is '
        'invalid."], "error_type": "invalid_access"}}]'
    )
    source, _ = forum(refused)
    with pytest.raises(SourceFailure, match="refused the API key"):
        list(source.read())


def test_base_url_must_be_an_address():
    with pytest.raises(ValueError, match="https://"):
        DiscourseApiConfig.model_validate({**config(), "base_url": "forum.acme.io"})


def test_html_helpers():
    assert text_of("<p>a &amp; b</p>\n<p>c</p>") == "a & b\n\nc"
    cooked = (
        '<p><a class="mention" href="/u/ana">@ana</a> <a class="mention-group" href="/g/staff">'
        '@staff</a> <a class="mention" href="/u/J%C3%BCrgen">@Jürgen</a> '
        '<a class="mention" href="/u/ana">@ana</a></p>'
    )
    assert mentioned_usernames(cooked) == ["ana", "Jürgen"]


def test_sync_stores_activities_with_the_key_encrypted(db):
    connection = save_connection(DiscourseApi, DiscourseApiConfig.model_validate(config()))
    assert config()["api_key"] not in connection.secrets
    _, result = sync_connection(connection, transport=recording().transport())
    assert result.created == Activity.objects.count() == 36
    assert Identity.objects.get(source__slug="discourse", external_id="-1").is_bot
