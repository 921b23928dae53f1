"""CSRF on every community POST, and nothing of a board one cannot read reaching them
through lists, the member timeline, notifications, email or the API."""

from __future__ import annotations

import json

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from townhall.accounts.tokens import create_token
from townhall.community import services
from townhall.community.models import Visibility

from .conftest import login


def community_posts(topic, reply):
    """Every POST address of the community pages."""
    t, r = {"topic_id": topic.pk}, {"reply_id": reply.pk}
    return [
        reverse("community:new_topic", kwargs={"slug": topic.board.slug}),
        reverse("community:notifications_read"),
        *(reverse(f"community:{name}", kwargs=t) for name in (
            "reply", "like_topic", "vote", "unaccept", "idea_status", "helpful", "promote",
            "article_edit",
        )),
        *(reverse(f"community:{name}", kwargs=r) for name in (
            "like_reply", "accept", "official", "reply_edit",
        )),
    ]  # fmt: skip


def test_every_community_post_is_refused_without_a_csrf_token(question, answer, asker):
    client = Client(enforce_csrf_checks=True)
    login(client, asker)
    for url in community_posts(question, answer):
        response = client.post(url, {"body": "sneaky"})
        assert response.status_code == 403, url
    question.refresh_from_db()
    assert question.reply_count == 1 and question.solution_id is None


def test_a_post_with_the_pages_csrf_token_goes_through(question, answerer):
    client = Client(enforce_csrf_checks=True)
    login(client, answerer)
    client.get(question.get_absolute_url())
    token = client.cookies["csrftoken"].value
    response = client.post(
        reverse("community:reply", kwargs={"topic_id": question.pk}),
        {"body": "With the token.", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.reply_count == 1


@pytest.fixture
def secret(make_board, make_topic, employee, make_person):
    """A topic on an employees-only board, with a reply, a like and a mention of an outsider."""
    board = make_board(name="Staff room", slug="staff-room", visibility=Visibility.EMPLOYEES)
    colleague = make_person(name="Carl Colleague", employee=True)
    topic = make_topic(
        board=board, by=employee, kind="idea", title="Codename Falcon", body="Falcon @Olga"
    )
    reply = services.create_reply(topic, body="Falcon budget is 2M", by=colleague)
    services.like(reply, by=employee)
    services.vote(topic, by=colleague)
    return topic


@pytest.fixture
def outsider(make_person):
    return make_person(name="Olga")


def test_the_secret_topic_is_not_on_any_list_an_outsider_sees(client, secret, outsider, board):
    login(client, outsider)
    for url in ("/community/", f"/community/b/{board.slug}/", "/community/notifications/"):
        html = client.get(url).content.decode()
        assert "Falcon" not in html and "staff-room" not in html and "Staff room" not in html
    assert client.get(secret.get_absolute_url()).status_code == 404
    assert client.get("/community/b/staff-room/").status_code == 404


def test_member_timelines_show_an_outsider_no_channel_title_or_body_of_the_board(
    client, secret, outsider, employee
):
    login(client, outsider)
    html = client.get(f"/members/{employee.pk}/").content.decode()
    assert "Falcon" not in html and "staff-room" not in html
    assert "Idea" in html or "idea" in html  # the activity itself is listed, without details


def test_the_outsider_gets_no_notification_and_no_email(secret, outsider):
    from townhall.community.models import Notification

    assert not Notification.objects.filter(recipient=outsider).exists()
    assert not [m for m in mail.outbox if "Falcon" in m.subject + m.body]


def test_the_api_hides_the_board_and_its_topics_from_an_outsider(client, secret, outsider):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_token(outsider.user, 'o', 'write')[1]}"}
    boards = client.get("/api/v1/community/boards", **headers).json()
    assert "staff-room" not in json.dumps(boards)
    assert client.get(f"/api/v1/community/topics/{secret.pk}", **headers).status_code == 404
    assert client.get("/api/v1/community/boards/staff-room/topics", **headers).status_code == 404
    vote = client.post(f"/api/v1/community/topics/{secret.pk}/vote", **headers)
    assert vote.status_code == 404


def test_signed_out_visitors_cannot_reach_the_secret_topic_even_through_the_cache(client, secret):
    assert client.get(secret.get_absolute_url()).status_code == 404
    assert client.get(secret.get_absolute_url()).status_code == 404


def test_an_oversized_reply_or_title_is_refused_with_a_message_that_says_the_limit(
    client, question, answerer, board
):
    login(client, answerer)
    response = client.post(
        reverse("community:reply", kwargs={"topic_id": question.pk}),
        {"body": "x" * 50_001},
        follow=True,
    )
    assert "at most 50000 characters (it has 50001)" in response.content.decode()
    response = client.post(
        f"/community/b/{board.slug}/new/", {"kind": "question", "title": "t" * 201, "body": ""}
    )
    assert "at most 200 characters (it has 201)" in response.content.decode()
    question.refresh_from_db()
    assert question.reply_count == 0
