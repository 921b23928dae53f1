"""The community API: the same visibility as the pages, the same verbs for writes, tokens
with the scopes of the rest of the API."""

from __future__ import annotations

import json

import pytest

from townhall.accounts.tokens import create_token
from townhall.community import services
from townhall.community.models import BODY_MAX, Topic, Visibility

from .conftest import login


def token(member, scope="write"):
    return create_token(member.user, f"t-{member.pk}-{scope}", scope)[1]


def call(client, method, path, member=None, scope="write", body=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token(member, scope)}"} if member else {}
    kwargs = {"data": json.dumps(body), "content_type": "application/json"} if body else {}
    response = getattr(client, method)(f"/api/v1{path}", **kwargs, **headers)
    return response.status_code, response.json() if response.content else None


@pytest.fixture
def staff_board(make_board):
    return make_board(name="Staff room", slug="staff", visibility=Visibility.EMPLOYEES)


def test_boards_lists_only_the_boards_the_caller_can_read(
    client, board, staff_board, asker, employee
):
    status, boards = call(client, "get", "/community/boards", asker, "read")
    assert status == 200 and [b["slug"] for b in boards] == ["help"]
    _, boards = call(client, "get", "/community/boards", employee, "read")
    assert {b["slug"] for b in boards} == {"help", "staff"}


def test_any_members_token_works_not_only_community_managers(client, board, asker):
    assert call(client, "get", "/community/boards", asker, "read")[0] == 200


def test_the_api_needs_authentication(client, board):
    assert call(client, "get", "/community/boards")[0] == 401


def test_a_board_one_cannot_read_answers_404_with_no_topics(client, staff_board, employee, asker):
    services.create_topic(staff_board, kind="discussion", title="Salaries", body="", by=employee)
    status, _ = call(client, "get", "/community/boards/staff/topics", asker, "read")
    assert status == 404
    topic = Topic.objects.get(title="Salaries")
    assert call(client, "get", f"/community/topics/{topic.pk}", asker, "read")[0] == 404
    assert (
        call(client, "post", f"/community/topics/{topic.pk}/replies", asker, body={"body": "hi"})[0]
        == 404
    )


def test_topics_of_a_board_are_filtered_and_paginated(client, board, make_topic, answerer, asker):
    solved = make_topic(title="Solved one", tags=["sso"])
    answer = services.create_reply(solved, body="Do this.", by=answerer)
    services.accept_solution(solved, answer, by=asker)
    make_topic(title="Open one")
    make_topic(kind="idea", title="An idea")
    status, page = call(
        client, "get", "/community/boards/help/topics?kind=question&solved=true", asker, "read"
    )
    assert status == 200 and [t["title"] for t in page["items"]] == ["Solved one"]
    _, page = call(client, "get", "/community/boards/help/topics?tag=sso", asker, "read")
    assert [t["title"] for t in page["items"]] == ["Solved one"]
    _, page = call(client, "get", "/community/boards/help/topics?limit=2", asker, "read")
    assert page["count"] == 3 and len(page["items"]) == 2 and "offset=2" in page["next"]


def test_topic_detail_has_its_replies_and_solution(client, question, answer, asker):
    services.accept_solution(question, answer, by=asker)
    status, topic = call(client, "get", f"/community/topics/{question.pk}", asker, "read")
    assert status == 200 and topic["solution_id"] == answer.pk and topic["solved"] is True
    assert [r["id"] for r in topic["replies"]] == [answer.pk]
    assert "<em>Forgot password</em>" in topic["replies"][0]["body_html"]


def test_a_member_starts_a_topic_and_replies_with_a_write_token(client, board, asker, answerer):
    status, topic = call(
        client, "post", "/community/boards/help/topics", asker,
        body={"kind": "question", "title": "Where is the export?", "body": "Cannot find it.", "tags": ["export"]},
    )  # fmt: skip
    assert status == 201 and topic["tags"] == ["export"] and topic["author"]["name"] == "Ana Asker"
    status, reply = call(
        client,
        "post",
        f"/community/topics/{topic['id']}/replies",
        answerer,
        body={"body": "Settings → Export."},
    )
    assert status == 201 and reply["author"]["name"] == "Bo Answerer"
    assert Topic.objects.get(pk=topic["id"]).reply_count == 1


def test_writing_needs_a_write_token_and_a_session_cannot_write(client, board, asker):
    body = {"kind": "question", "title": "T", "body": ""}
    assert call(client, "post", "/community/boards/help/topics", asker, "read", body)[0] == 403
    login(client, asker)
    status, _ = call(client, "post", "/community/boards/help/topics", body=body)
    assert status == 401 and not Topic.objects.exists()


def test_articles_are_refused_to_members_like_on_the_page(client, board, asker):
    status, error = call(
        client, "post", "/community/boards/help/topics", asker,
        body={"kind": "article", "title": "My article", "body": "Text"},
    )  # fmt: skip
    assert status == 403 and "team" in error["detail"]


def test_an_oversized_post_is_refused_with_the_limit(client, question, answerer):
    status, error = call(
        client, "post", f"/community/topics/{question.pk}/replies", answerer,
        body={"body": "x" * (BODY_MAX + 1)},
    )  # fmt: skip
    assert status == 400 and "the limit is 50,000" in error["detail"]


def test_only_the_asker_or_the_team_accepts_a_solution(client, question, answer, answerer, asker):
    path = f"/community/topics/{question.pk}/solution"
    assert call(client, "post", path, answerer, body={"reply_id": answer.pk})[0] == 403
    status, topic = call(client, "post", path, asker, body={"reply_id": answer.pk})
    assert status == 200 and topic["solution_id"] == answer.pk


def test_accepting_a_reply_of_another_topic_is_refused(
    client, question, make_topic, answerer, asker
):
    other = make_topic(title="Other")
    stray = services.create_reply(other, body="Elsewhere", by=answerer)
    status, error = call(
        client,
        "post",
        f"/community/topics/{question.pk}/solution",
        asker,
        body={"reply_id": stray.pk},
    )
    assert status == 400 and "is not a reply" in error["detail"]


def test_voting_and_taking_the_vote_back(client, idea, answerer, employee):
    path = f"/community/topics/{idea.pk}/vote"
    assert call(client, "post", path, answerer)[1] == {
        "topic_id": idea.pk,
        "vote_count": 1,
        "voted": True,
    }
    assert call(client, "post", path, answerer)[1]["vote_count"] == 1
    assert call(client, "delete", path, answerer)[1] == {
        "topic_id": idea.pk,
        "vote_count": 0,
        "voted": False,
    }
    services.set_idea_status(idea, "declined", comment="Not for us.", by=employee)
    status, error = call(client, "post", path, answerer)
    assert status == 400 and "voting is closed" in error["detail"]


def test_the_community_endpoints_are_in_the_openapi_schema(client, manager):
    login(client, manager)
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "/api/v1/community/boards/{slug}/topics" in paths
    assert set(paths["/api/v1/community/topics/{topic_id}/vote"]) == {"post", "delete"}


def test_search_finds_what_the_caller_may_read_and_nothing_else(
    client, board, staff_board, make_topic, asker, answerer, employee
):
    solved = make_topic(title="Rotate the webhook secret", tags=["webhooks"])
    answer = services.create_reply(
        solved, body="Rotate it under Settings, then redeploy.", by=answerer
    )
    services.accept_solution(solved, answer, by=asker)
    make_topic(title="Webhook retries after an outage")
    services.create_topic(
        staff_board,
        kind="discussion",
        title="Webhook secret of our biggest customer",
        body="",
        by=employee,
    )
    status, found = call(client, "get", "/community/search?q=webhook", asker, "read")
    assert status == 200 and found["count"] == 2
    assert {hit["topic"]["title"] for hit in found["items"]} == {
        "Rotate the webhook secret",
        "Webhook retries after an outage",
    }
    _, solved_only = call(client, "get", "/community/search?q=webhook&solved=true", asker, "read")
    assert [hit["topic"]["id"] for hit in solved_only["items"]] == [solved.pk]
    _, by_reply = call(client, "get", "/community/search?q=redeploy", asker, "read")
    assert by_reply["items"][0]["reply_id"] == answer.pk
    assert "<mark>redeploy</mark>" in by_reply["items"][0]["snippet_html"]
    _, staff = call(client, "get", "/community/search?q=biggest+customer", employee, "read")
    assert staff["count"] == 1
    _, hidden = call(client, "get", "/community/search?q=biggest+customer", asker, "read")
    assert hidden["count"] == 0
    assert call(client, "get", "/community/search?q=webhook&sort=oldest", asker, "read")[0] == 422
    assert call(client, "get", "/community/search?q=webhook")[0] == 401


def test_leaderboard_and_a_members_reputation(
    client, board, staff_board, make_topic, asker, answerer, employee, make_person
):
    question = make_topic(title="How do I export?")
    answer = services.create_reply(question, body="Use the export button.", by=answerer)
    services.accept_solution(question, answer, by=asker)
    secret = services.create_topic(
        staff_board, kind="question", title="Payroll", body="", by=employee
    )
    colleague = make_person(name="Cleo Colleague", employee=True)
    staff_answer = services.create_reply(secret, body="Ask HR.", by=colleague)
    services.accept_solution(secret, staff_answer, by=employee)
    status, leaders = call(client, "get", "/community/leaderboard", asker, "read")
    assert status == 200 and leaders[0]["member"]["id"] == answerer.pk
    assert leaders[0]["points"] > 0 and leaders[0]["rank"]
    _, on_board = call(
        client, "get", "/community/leaderboard?board=help&all_time=true", asker, "read"
    )
    assert [row["member"]["id"] for row in on_board][:1] == [answerer.pk]
    assert call(client, "get", "/community/leaderboard?board=staff", asker, "read")[0] == 404
    status, standing = call(
        client, "get", f"/community/members/{answerer.pk}/reputation", asker, "read"
    )
    assert status == 200 and standing["points"] > 0
    assert "first_solution" in {badge["slug"] for badge in standing["badges"]}
    assert question.pk in {row["topic_id"] for row in standing["ledger"]}
    path = f"/community/members/{colleague.pk}/reputation"
    _, seen_by_member = call(client, "get", path, asker, "read")
    _, seen_by_staff = call(client, "get", path, employee, "read")
    assert secret.pk not in {row["topic_id"] for row in seen_by_member["ledger"]}  # hidden board
    assert secret.pk in {row["topic_id"] for row in seen_by_staff["ledger"]}
    assert call(client, "get", "/community/members/999999/reputation", asker, "read")[0] == 404


def test_moderators_work_the_queue_through_the_api_and_members_cannot(
    client, question, answer, asker, answerer, moderator
):
    status, made = call(
        client,
        "post",
        "/community/flags",
        asker,
        body={"kind": "reply", "id": answer.pk, "reason": "spam"},
    )
    assert status == 201 and made["reason"] == "spam"
    assert call(client, "get", "/community/moderation/queue", asker, "read")[0] == 403
    status, queue = call(client, "get", "/community/moderation/queue", moderator, "read")
    assert status == 200
    assert [(item["kind"], item["id"]) for item in queue["flagged"]] == [("reply", answer.pk)]
    assert queue["flagged"][0]["flags"][0]["reason"] == "spam"
    path = f"/community/moderation/reply/{answer.pk}/hide"
    assert call(client, "post", path, asker, body={"reason": "no"})[0] == 403
    status, done = call(client, "post", path, moderator, body={"reason": "link farm"})
    assert status == 200 and done["moderation"] == "hidden"
    _, topic = call(client, "get", f"/community/topics/{question.pk}", answerer, "read")
    assert answer.pk not in [reply["id"] for reply in topic["replies"]]
    status, refused = call(
        client,
        "post",
        f"/community/moderation/reply/{answer.pk}/lock",
        moderator,
        body={"reason": "x"},
    )
    assert status == 400 and "Only topics" in refused["detail"]
    status, body = call(
        client,
        "post",
        f"/community/moderation/topic/{question.pk}/lock",
        moderator,
        body={"reason": ""},
    )
    assert status == 200, body
    assert Topic.objects.get(pk=question.pk).is_locked
    from townhall.accounts.models import AuditEvent

    assert {"hide", "lock"} <= set(AuditEvent.objects.values_list("verb", flat=True))


def test_moderators_move_and_merge_topics_and_ban_members_through_the_api(
    client, board, make_board, make_topic, asker, answerer, moderator
):
    elsewhere = make_board(name="Elsewhere", slug="elsewhere")
    first = make_topic(title="Printing to PDF?")
    second = make_topic(title="PDF export, again")
    path = f"/community/topics/{first.pk}/move"
    assert call(client, "post", path, asker, body={"board": "elsewhere"})[0] == 403
    status, moved = call(client, "post", path, moderator, body={"board": "elsewhere"})
    assert status == 200 and moved["board"] == "elsewhere"
    assert Topic.objects.get(pk=first.pk).board_id == elsewhere.pk
    assert call(client, "post", path, moderator, body={"board": "nowhere"})[0] == 404

    path = f"/community/topics/{second.pk}/merge"
    status, merged = call(client, "post", path, moderator, body={"into": first.pk})
    assert status == 200 and merged["merged_into"] == first.pk
    assert Topic.objects.get(pk=second.pk).merged_into_id == first.pk

    path = f"/community/members/{answerer.pk}/ban"
    assert call(client, "post", path, asker, body={"reason": "spam"})[0] == 403
    assert call(client, "post", path, moderator, body={"reason": ""})[0] == 422
    status, made = call(client, "post", path, moderator, body={"reason": "Link spam"})
    assert status == 201 and made["until"] is None
    status, refused = call(
        client, "post", f"/community/topics/{first.pk}/replies", answerer, body={"body": "hi"}
    )
    assert status == 403, refused
    status, lifted = call(client, "delete", path, moderator)
    assert status == 200 and lifted["lifted"] == 1
    assert (
        call(client, "post", f"/community/members/{10**9}/ban", moderator, body={"reason": "x"})[0]
        == 404
    )
    from townhall.accounts.models import AuditEvent

    assert {"move", "merge", "ban", "unban"} <= set(
        AuditEvent.objects.values_list("verb", flat=True)
    )
