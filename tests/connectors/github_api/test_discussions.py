"""GitHub Discussions in the `github-api` connector, read from recorded GraphQL answers.

The recording (fixtures/graphql__acme-engine-discussions.json) holds two pages of
acme/engine's discussions, oldest update first: #12 (a Q&A with an accepted answer,
threaded replies and a bot comment) and #13 (more comments and replies than the first
query carries, fetched by follow-up queries) on page 1; #14 (a comment by a deleted
account, with a reply) on page 2.
"""

import json
from datetime import UTC, datetime

import httpx
import pytest

from tests.connectors.replay import Recording
from townhall.connectors.github.api import GitHubApi, GitHubApiConfig
from townhall.connectors.github.common import user_from_actor
from townhall.connectors.github.discussions import graphql_url
from townhall.core.http import ApiClient
from townhall.core.services.imports import SourceFailure

from .contract import DISCUSSIONS, FIXTURES, REST, config

GRAPHQL = "https://api.github.com/graphql"
PAGE_1_END = "Y3Vyc29yOnYyOpK0MjAyNi0wMy0wNVQwOTo0NTowMFrOAFDjCg=="


def source(*recordings, cursor=None, sleeps=None, **overrides):
    replay = Recording(*(recordings or (REST, DISCUSSIONS)))
    github = GitHubApi(
        GitHubApiConfig.model_validate({**config(), **overrides}),
        cursor=cursor,
        transport=replay.transport(),
        sleep=(sleeps if sleeps is not None else []).append,
    )
    return github, replay


def is_discussion(record) -> bool:
    return ":discussion" in record.external_id


def discussion_records(records):
    return {r.external_id: r for r in records if is_discussion(r)}


def graphql_calls(replay):
    """The variables of each GraphQL request, and which query it was."""
    calls = []
    for body in replay.bodies:
        payload = json.loads(body)
        name = payload["query"].split("(", 1)[0].split()[-1]
        calls.append((name, payload["variables"]))
    return calls


def recording_with(tmp_path, name, exchanges):
    path = tmp_path / name
    path.write_text(json.dumps(exchanges))
    return path


def first_page_body():
    return json.loads(DISCUSSIONS.read_text())[0]["body"]


def test_discussions_comments_replies_and_answers_get_their_kinds_and_namespaced_ids():
    github, _ = source()
    records = discussion_records(github.read())
    kinds = {eid: r.kind for eid, r in records.items()}
    assert kinds == {
        "acme/engine:discussion:5301001": "discussion_created",
        "acme/engine:discussion:5301001:mention:octo-ana": "mention",
        "acme/engine:discussion-comment:8801001": "discussion_comment",
        "acme/engine:discussion-comment:8801001:mention:zed-ops": "mention",
        "acme/engine:discussion-comment:8801002": "discussion_reply",
        "acme/engine:discussion-comment:8801003": "discussion_reply",
        "acme/engine:discussion-comment:8801004": "discussion_comment",
        "acme/engine:discussion-comment:8801001:accepted": "solution_accepted",
        "acme/engine:discussion:5301002": "discussion_created",
        "acme/engine:discussion-comment:8801010": "discussion_comment",
        "acme/engine:discussion-comment:8801011": "discussion_reply",
        "acme/engine:discussion-comment:8801012": "discussion_reply",
        "acme/engine:discussion-comment:8801013": "discussion_comment",
        "acme/engine:discussion:5301003": "discussion_created",
        "acme/engine:discussion-comment:8801021": "discussion_reply",
    }
    # Every activity of a discussion is in one conversation, on the repository's channel.
    assert {r.channel for r in records.values()} == {"acme/engine"}
    assert records["acme/engine:discussion-comment:8801013"].conversation_id == (
        "acme/engine#discussion:13"
    )


def test_a_new_discussion_is_by_its_author_with_title_url_and_category():
    github, _ = source()
    created = discussion_records(github.read())["acme/engine:discussion:5301001"]
    assert created.actor.external_id == "1543210" and created.actor.username == "cyrille"
    assert created.actor.url == "https://github.com/cyrille"
    assert created.target is None
    assert created.title == "How do I run the engine behind a proxy?"
    assert created.url == "https://github.com/acme/engine/discussions/12"
    assert created.conversation_id == "acme/engine#discussion:12"
    assert created.occurred_at == datetime(2026, 3, 2, 9, 15, tzinfo=UTC)
    assert created.properties == {"category": "Q&A"}
    assert created.body.startswith("Our CI can only reach the internet")


def test_comments_target_the_discussion_author_and_replies_the_comment_author():
    github, _ = source()
    records = discussion_records(github.read())
    comment = records["acme/engine:discussion-comment:8801001"]
    assert comment.actor.username == "octo-ana" and comment.target.username == "cyrille"
    assert comment.parent_id == "acme/engine:discussion:5301001"
    assert comment.url.endswith("/discussions/12#discussioncomment-8801001")
    reply = records["acme/engine:discussion-comment:8801003"]
    assert reply.actor.username == "bo-chen" and reply.target.username == "octo-ana"
    assert reply.parent_id == "acme/engine:discussion-comment:8801001"
    # Replying in one's own thread is no interaction; a deleted commenter leaves none.
    assert records["acme/engine:discussion-comment:8801002"].target.username == "octo-ana"
    assert "acme/engine:discussion-comment:8801020" not in records
    orphan = records["acme/engine:discussion-comment:8801021"]
    assert orphan.target is None and orphan.parent_id == "acme/engine:discussion-comment:8801020"


def test_people_are_keyed_by_database_id_and_apps_get_their_rest_login():
    github, _ = source()
    records = discussion_records(github.read())
    bot = records["acme/engine:discussion-comment:8801004"].actor
    assert bot.external_id == "41898282" and bot.username == "github-actions[bot]"
    assert bot.is_bot and bot.url == "https://github.com/apps/github-actions"
    # The same person as the REST part's octo-ana (GitHub id 583231).
    assert records["acme/engine:discussion-comment:8801001"].actor.external_id == "583231"
    assert user_from_actor({"__typename": "Mannequin", "login": "old-import"}) is None
    assert user_from_actor(None) is None


def test_an_accepted_answer_is_by_who_chose_it_to_the_answers_author():
    github, _ = source()
    records = discussion_records(github.read())
    accepted = records["acme/engine:discussion-comment:8801001:accepted"]
    assert accepted.kind == "solution_accepted"
    assert accepted.actor.username == "cyrille" and accepted.target.username == "octo-ana"
    assert accepted.occurred_at == datetime(2026, 3, 2, 11, 21, 5, tzinfo=UTC)
    assert accepted.parent_id == "acme/engine:discussion-comment:8801001"
    assert accepted.conversation_id == "acme/engine#discussion:12"
    assert accepted.title == "How do I run the engine behind a proxy?"
    # Unanswered discussions have none.
    assert sum(r.kind == "solution_accepted" for r in records.values()) == 1


def test_an_answer_without_answer_chosen_by_is_credited_to_the_discussion_author(tmp_path):
    exchanges = json.loads(DISCUSSIONS.read_text())
    exchanges[0]["body"]["data"]["repository"]["discussions"]["nodes"][0]["answerChosenBy"] = None
    github, _ = source(REST, recording_with(tmp_path, "no-chooser.json", exchanges))
    accepted = discussion_records(github.read())["acme/engine:discussion-comment:8801001:accepted"]
    assert accepted.actor.username == "cyrille" and accepted.target.username == "octo-ana"


def test_mentions_in_discussions_and_comments_name_the_mentioned_person():
    github, replay = source()
    records = discussion_records(github.read())
    mention = records["acme/engine:discussion-comment:8801001:mention:zed-ops"]
    assert mention.actor.username == "octo-ana" and mention.target.external_id == "2210044"
    assert mention.parent_id == "acme/engine:discussion-comment:8801001"
    assert mention.conversation_id == "acme/engine#discussion:12"
    # Everyone mentioned was met before (as an author here or in the REST part's
    # listings): no lookups beyond the REST part's own.
    assert [u for u in replay.requests if "/users/" in u] == [
        "https://api.github.com/users/zed-ops",
        "https://api.github.com/users/ghost-of-nobody",
    ]


def test_discussions_are_paged_oldest_update_first_and_long_threads_followed():
    github, replay = source()
    records = discussion_records(github.read())
    assert "acme/engine:discussion:5301003" in records  # on page 2
    calls = graphql_calls(replay)
    assert [name for name, _ in calls] == [
        "Discussions",
        "DiscussionReplies",
        "DiscussionComments",
        "Discussions",
    ]
    first, second = calls[0][1], calls[3][1]
    assert first == {
        "owner": "acme",
        "name": "engine",
        "first": 25,
        "after": None,
        "comments": 50,
        "replies": 20,
    }
    assert second["after"] == PAGE_1_END
    assert calls[1][1]["id"] == "DC_kwDOGJQ9Tc4Ahkry"  # the comment with more replies
    assert calls[2][1]["id"] == "D_kwDOGJQ9Tc4AUOMK"  # the discussion with more comments
    assert "orderBy: {field: UPDATED_AT, direction: ASC}" in json.loads(replay.bodies[0])["query"]
    assert set(replay.requests[-4:]) == {GRAPHQL}


def test_graphql_requests_carry_the_token_and_a_json_body():
    seen: list[httpx.Request] = []
    replay = Recording(REST, DISCUSSIONS)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return replay.handler(request)

    github = GitHubApi(
        GitHubApiConfig.model_validate(config()), transport=httpx.MockTransport(handler)
    )
    list(github.read())
    posts = [r for r in seen if r.method == "POST"]
    assert posts and {str(r.url) for r in posts} == {GRAPHQL}
    assert {r.headers["authorization"] for r in posts} == {
        "Bearer ghp_16C7e42F292c6912E7710c838347Ae178B4a"
    }
    assert {r.headers["content-type"] for r in posts} == {"application/json"}


def test_the_cursor_moves_only_after_a_whole_page_of_discussions():
    github, _ = source()
    before_cursor = []
    for record in github.read():
        if (github.cursor.get("acme/engine") or {}).get("discussions"):
            break
        if is_discussion(record):
            before_cursor.append(record.external_id)
    # All of page 1 (#12 and #13 with their follow-up comments and replies) came first.
    assert before_cursor[-1] == "acme/engine:discussion-comment:8801013"
    assert "acme/engine:discussion:5301003" not in before_cursor
    assert github.cursor["acme/engine"]["discussions"] == "2026-03-05T09:45:00Z"
    rest = list(github.read())  # a fresh read continues from the saved cursor
    assert github.cursor["acme/engine"]["discussions"] == "2026-03-05T12:00:00Z"
    assert {r.external_id for r in rest if is_discussion(r)} == {
        "acme/engine:discussion:5301002",
        "acme/engine:discussion-comment:8801010",
        "acme/engine:discussion-comment:8801011",
        "acme/engine:discussion-comment:8801012",
        "acme/engine:discussion-comment:8801013",
        "acme/engine:discussion:5301003",
        "acme/engine:discussion-comment:8801021",
    }


def test_the_next_sync_skips_discussions_not_updated_since_the_cursor():
    github, _ = source()
    list(github.read())
    assert github.cursor["acme/engine"]["discussions"] == "2026-03-05T12:00:00Z"
    again, replay = source(cursor=github.cursor)
    second = discussion_records(again.read())
    # Only #14, updated at the cursor itself, comes again (a duplicate ingest ignores);
    # #12 and #13 are skipped without asking for their long threads.
    assert set(second) == {
        "acme/engine:discussion:5301003",
        "acme/engine:discussion-comment:8801021",
    }
    assert [name for name, _ in graphql_calls(replay)] == ["Discussions", "Discussions"]
    assert again.cursor["acme/engine"]["discussions"] == "2026-03-05T12:00:00Z"


def test_a_graphql_error_stops_with_githubs_message_keeping_the_rest_progress(tmp_path):
    refused = recording_with(
        tmp_path,
        "refused.json",
        [
            {
                "method": "POST",
                "url": GRAPHQL,
                "status": 200,
                "body": {
                    "data": {
                        "rateLimit": None,
                        "repository": {"hasDiscussionsEnabled": True, "discussions": None},
                    },
                    "errors": [
                        {
                            "type": "FORBIDDEN",
                            "path": ["repository", "discussions"],
                            "extensions": {"saml_failure": False},
                            "locations": [{"line": 6, "column": 5}],
                            "message": "Resource not accessible by personal access token",
                        }
                    ],
                },
            }
        ],
    )
    github, _ = source(REST, refused)
    with pytest.raises(SourceFailure) as failure:
        list(github.read())
    message = str(failure.value)
    assert "acme/engine" in message
    assert "Resource not accessible by personal access token" in message
    assert "`discussions: false`" in message
    # The REST part's records were all yielded before: its cursor stays.
    assert github.cursor["acme/engine"]["issues"] == "2026-03-05T08:12:31Z"
    assert "discussions" not in github.cursor["acme/engine"]


def test_a_query_error_names_every_message(tmp_path):
    broken = recording_with(
        tmp_path,
        "broken.json",
        [
            {
                "method": "POST",
                "url": GRAPHQL,
                "body": {
                    "errors": [
                        {
                            "path": ["query Discussions", "repository", "discussions"],
                            "extensions": {"code": "undefinedField", "typeName": "Discussion"},
                            "locations": [{"line": 9, "column": 9}],
                            "message": "Field 'upvotes' doesn't exist on type 'Discussion'",
                        }
                    ]
                },
            }
        ],
    )
    github, _ = source(REST, broken)
    with pytest.raises(SourceFailure, match="Field 'upvotes' doesn't exist on type 'Discussion'"):
        list(github.read())


def test_repositories_with_discussions_turned_off_are_skipped_quietly(tmp_path):
    disabled = recording_with(
        tmp_path,
        "disabled.json",
        [
            {
                "method": "POST",
                "url": GRAPHQL,
                "body": {
                    "data": {
                        "rateLimit": {
                            "cost": 1,
                            "remaining": 4999,
                            "resetAt": "2026-03-09T16:00:00Z",
                        },
                        "repository": {
                            "hasDiscussionsEnabled": False,
                            "discussions": {
                                "pageInfo": {"hasNextPage": False, "endCursor": None},
                                "nodes": [],
                            },
                        },
                    }
                },
            }
        ],
    )
    github, replay = source(REST, disabled)
    records = list(github.read())
    assert len(records) == 19 and not discussion_records(records)
    assert "discussions" not in github.cursor["acme/engine"]
    assert len(replay.bodies) == 1


def test_with_discussions_false_graphql_is_not_asked():
    github, replay = source(REST, discussions=False)
    assert len(list(github.read())) == 19
    assert GRAPHQL not in replay.requests


def test_a_secondary_rate_limit_on_graphql_waits_retry_after_then_continues():
    waits: list[float] = []
    github, replay = source(
        FIXTURES / "ratelimit__graphql_secondary.json", REST, DISCUSSIONS, sleeps=waits
    )
    records = discussion_records(github.read())
    assert waits == [60.0]
    assert len(records) == 15
    assert replay.requests.count(GRAPHQL) == 5  # the refused query was asked again


def test_a_spent_graphql_rate_limit_waits_for_the_reset(tmp_path):
    limited = recording_with(
        tmp_path,
        "limited.json",
        [
            {
                "method": "POST",
                "url": GRAPHQL,
                "status": 200,
                "headers": {
                    "x-ratelimit-limit": "5000",
                    "x-ratelimit-remaining": "0",
                    "x-ratelimit-reset": "1773072000",
                    "x-ratelimit-resource": "graphql",
                },
                "body": {
                    "errors": [
                        {
                            "type": "RATE_LIMITED",
                            "code": "graphql_rate_limit",
                            "message": "API rate limit already exceeded for user ID 583231.",
                        }
                    ]
                },
            }
        ],
    )
    waits: list[float] = []
    github, _ = source(limited, REST, DISCUSSIONS, sleeps=waits)
    assert len(discussion_records(github.read())) == 15
    assert len(waits) == 1 and 0 < waits[0] <= 900


def test_a_discussion_that_merely_says_rate_limited_is_no_rate_limit(tmp_path):
    exchanges = json.loads(DISCUSSIONS.read_text())
    exchanges[1]["body"]["data"]["repository"]["discussions"]["nodes"][0]["title"] = "RATE_LIMITED"
    waits: list[float] = []
    github, _ = source(REST, recording_with(tmp_path, "title.json", exchanges), sleeps=waits)
    records = discussion_records(github.read())
    assert records["acme/engine:discussion:5301003"].title == "RATE_LIMITED"
    assert waits == []


def test_the_graphql_endpoint_of_github_and_of_enterprise_server():
    assert graphql_url("https://api.github.com") == "https://api.github.com/graphql"
    assert graphql_url("https://ghe.acme.io/api/v3/") == "https://ghe.acme.io/api/graphql"


def test_post_json_retries_like_get_and_returns_the_json():
    answers = [
        httpx.Response(502, text="Bad Gateway"),
        httpx.Response(429, headers={"retry-after": "3"}, json={"message": "slow down"}),
        httpx.Response(200, json={"data": {"ok": True}}),
    ]
    bodies = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append((request.method, json.loads(request.read())))
        return answers.pop(0)

    waits: list[float] = []
    api = ApiClient(
        "https://api.example.com", transport=httpx.MockTransport(handler), sleep=waits.append
    )
    assert api.post_json("/graphql", {"query": "{ ok }"}) == {"data": {"ok": True}}
    assert bodies == [("POST", {"query": "{ ok }"})] * 3
    assert waits == [2, 3.0]
