"""The busiest community pages run a fixed number of queries however many rows they show."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import F
from django.test import Client

from townhall.community.models import Reply, Topic
from townhall.community.selectors import TOPICS_PER_PAGE
from townhall.community.services import create_reply, create_topic, like

from .conftest import login

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"


@pytest.fixture
def busy_topic(question, make_person, employee, asker):
    people = [make_person() for _ in range(5)] + [employee]
    for n in range(200):
        create_reply(question, body=f"Reply **{n}**", by=people[n % len(people)])
    for reply in Reply.objects.filter(topic=question)[:20]:
        if reply.author_id != asker.pk:
            like(reply, by=asker)
    return question


def test_topic_page_with_200_replies_signed_out_runs_5_queries_then_1_or_2_from_the_cache(
    client, busy_topic, django_assert_num_queries
):
    # the page-cache versions (topic and boards, visibility as a subquery); on a miss, the
    # topic (author, board), its tags, the replies with their authors; then the view (one
    # INSERT ignoring a repeat; a trigger counts it), cached page or not
    with django_assert_num_queries(5):
        response = client.get(f"/community/t/{busy_topic.pk}/", HTTP_USER_AGENT=BROWSER)
    assert response.content.decode().count('class="reply') >= 200
    # The same visitor again: the view was counted today (the cache remembers it).
    with django_assert_num_queries(1):
        cached = client.get(f"/community/t/{busy_topic.pk}/", HTTP_USER_AGENT=BROWSER)
    assert cached.content == response.content
    # Another visitor: the view is new.
    with django_assert_num_queries(2):
        other = Client().get(
            f"/community/t/{busy_topic.pk}/", HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="192.0.2.7"
        )
    assert other.content == response.content


def test_topic_page_with_200_replies_signed_in_runs_10_queries_then_6(
    client, busy_topic, make_person, asker, django_assert_num_queries
):
    # A day old: the skeleton is kept until a reply's "… ago" would read differently.
    Reply.objects.filter(topic=busy_topic).update(created_at=F("created_at") - timedelta(days=1))
    login(client, make_person())
    # session, user, viewer; the viewer's state on the topic (with whether they wrote or
    # liked replies in it); topic, tags, replies with authors, the viewer's likes, the
    # view, unread notifications
    with django_assert_num_queries(10):
        response = client.get(f"/community/t/{busy_topic.pk}/", HTTP_USER_AGENT=BROWSER)
    assert response.status_code == 200 and response["X-Townhall-Cache"] == "member-miss"
    # Then from the shared skeleton (topic_cache.py): session, user, viewer, the state,
    # the view, unread notifications.
    other = Client()
    login(other, make_person())
    with django_assert_num_queries(6):
        again = other.get(f"/community/t/{busy_topic.pk}/", HTTP_USER_AGENT=BROWSER)
    assert again["X-Townhall-Cache"] == "member-hit"
    # A reader who liked replies there: + their replies and likes, + those replies.
    liker = Client()
    login(liker, asker)  # liked 20 replies (and asked: a skeleton of their own)
    liker.get(f"/community/t/{busy_topic.pk}/", HTTP_USER_AGENT=BROWSER)
    with django_assert_num_queries(7):
        mine = liker.get(f"/community/t/{busy_topic.pk}/", HTTP_USER_AGENT=BROWSER)
    assert mine["X-Townhall-Cache"] == "member-hit"
    assert mine.content.decode().count('aria-pressed="true"') >= 19


def test_board_page_runs_11_queries_for_a_full_page_then_7(
    client, board, asker, make_person, django_assert_num_queries
):
    for n in range(TOPICS_PER_PAGE + 5):
        create_topic(board, kind="question", title=f"Q{n}", body="", by=asker, tags=["a", "b"])
    # An hour old: the skeleton is kept until a row's "… ago" would read differently.
    Topic.objects.update(last_activity_at=F("last_activity_at") - timedelta(hours=1))
    login(client, make_person())
    # session, user, viewer; board with "followed", sub-boards, whether the viewer has a
    # held or removed topic there; tag menu, count, topics with authors and boards, their
    # tags, unread notifications
    with django_assert_num_queries(11):
        response = client.get(f"/community/b/{board.slug}/")
    assert response.content.decode().count('class="topic-row"') == TOPICS_PER_PAGE
    assert response["X-Townhall-Cache"] == "member-miss"
    # Another member from the shared skeleton (board_cache.py): no list, no tags.
    other = Client()
    login(other, make_person())
    with django_assert_num_queries(7):
        again = other.get(f"/community/b/{board.slug}/")
    assert again["X-Townhall-Cache"] == "member-hit"
    assert again.content.decode().count('class="topic-row"') == TOPICS_PER_PAGE


def test_board_index_runs_one_query_for_a_visitor(client, make_board, django_assert_num_queries):
    for n in range(10):
        parent = make_board(name=f"Top {n}")
        make_board(name=f"Child {n}", parent=parent)
    # boards with their topic counts (sub-boards in the same query)
    with django_assert_num_queries(1):
        response = client.get("/community/")
    assert response.content.decode().count("Child ") == 10
