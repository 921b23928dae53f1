"""Signed-in topic pages from the shared skeleton (townhall/community/topic_cache.py) are
exactly the pages a full render gives each member."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from townhall.community import topic_cache
from townhall.community.models import Topic
from townhall.community.services import (
    accept_solution,
    create_reply,
    create_topic,
    follow,
    hide,
    like,
    mark_solved_too,
    rate_article,
    vote,
)
from townhall.core.models import Member, Role

from .conftest import login

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
# Each view counts (once a day per member), so two renders differ by the views between.
VIEWS = re.compile(r"· [0-9,]+ views?")


def page(member: Member, url: str) -> tuple[str, str]:
    """The page for `member` in a fresh session, CSRF tokens blanked, and how it was made."""
    client = Client()
    login(client, member)
    response = client.get(url, HTTP_USER_AGENT=BROWSER)
    assert response.status_code == 200
    html = VIEWS.sub("· N views", TOKEN.sub("TOKEN", response.content.decode()))
    return html, response.get("X-Townhall-Cache", "")


def full_render(member: Member, url: str, settings: Any) -> str:
    seconds = settings.COMMUNITY_PAGE_CACHE_SECONDS
    settings.COMMUNITY_PAGE_CACHE_SECONDS = 0  # no skeleton: the page rendered whole
    try:
        html, how = page(member, url)
    finally:
        settings.COMMUNITY_PAGE_CACHE_SECONDS = seconds
    assert how == ""
    return html


@pytest.fixture
def community(board, asker, make_person, make_topic, employee) -> dict[str, Any]:
    """Three days old (so no "… ago" changes during the test): a solved question with
    replies people wrote and liked, an idea with votes, an article with ratings."""
    start = timezone.now() - timedelta(days=3)
    people = {
        "asker": asker,
        "writer": make_person(name="Wren Writer"),
        "liker": make_person(name="Lee Liker"),
        "reader": make_person(name="Rae Reader"),
        "warmer": make_person(name="Wally Warmer"),
        "employee": employee,
        "employee-warmer": make_person(name="Emma Employee", employee=True),
    }
    question = make_topic(title="Where is the export button?", occurred_at=start)
    replies = [
        create_reply(
            question,
            body=f"Answer {n} from @{'someone'}",
            by=[people["writer"], people["employee"], people["liker"]][n % 3],
            occurred_at=start + timedelta(minutes=n),
        )
        for n in range(9)
    ]
    for reply in replies[:6]:
        if reply.author_id != people["liker"].pk:
            like(reply, by=people["liker"])
    like(replies[4], by=people["reader"])
    like(question, by=people["liker"])
    follow(question, by=people["reader"])
    accept_solution(question, replies[3], by=asker, occurred_at=start + timedelta(hours=1))
    mark_solved_too(question, by=people["liker"])
    idea = make_topic(kind="idea", title="A dark theme", occurred_at=start)
    vote(idea, by=people["reader"])
    create_reply(idea, body="Yes please", by=people["writer"], occurred_at=start)
    article = create_topic(
        board, kind="article", title="Exporting", body="How.", by=employee, occurred_at=start
    )
    rate_article(article, helpful=True, by=people["liker"])
    create_reply(article, body="Thanks", by=people["reader"], occurred_at=start)
    return {"people": people, "topics": [question, idea, article], "replies": replies}


@pytest.mark.parametrize("viewer", ["asker", "writer", "liker", "reader", "employee"])
def test_each_member_gets_from_the_skeleton_the_page_a_full_render_gives(
    community, viewer, settings
):
    people = community["people"]
    member = people[viewer]
    for topic in community["topics"]:
        url = topic.get_absolute_url()
        expected = full_render(member, url, settings)
        # Someone else with the same rights views the topic first and leaves the skeleton.
        warmer = people["employee-warmer" if member.is_employee else "warmer"]
        if member.pk == topic.author_id:
            warmer = member  # the author is a class of their own: warm with a first view
        page(warmer, url)
        html, how = page(member, url)
        assert how == "member-hit", (viewer, topic.title)
        assert html == expected, (viewer, topic.title)


def test_the_filled_page_carries_the_members_own_state(community):
    people, question = community["people"], community["topics"][0]
    url = question.get_absolute_url()
    page(people["warmer"], url)
    html, how = page(people["reader"], url)
    assert how == "member-hit"
    assert "Rae Reader" in html and "Wally Warmer" not in html
    assert 'aria-pressed="true">Following' in html  # the reader follows the question
    liked = re.search(r'id="like-reply-(\d+)".*?aria-pressed="true"', html)
    assert liked and int(liked.group(1)) == community["replies"][4].pk


def test_a_change_to_the_topic_is_a_new_skeleton(community, settings):
    people, question = community["people"], community["topics"][0]
    url = question.get_absolute_url()
    page(people["warmer"], url)
    assert page(people["reader"], url)[1] == "member-hit"
    create_reply(question, body="A late answer", by=people["writer"])
    html, how = page(people["reader"], url)
    assert how == "member-miss" and "A late answer" in html


def test_own_held_posts_and_moderators_get_a_full_render(community, make_person, settings):
    people, question = community["people"], community["topics"][0]
    url = question.get_absolute_url()
    moderator = make_person(name="Mo Derator", role=Role.MODERATOR)
    hide(community["replies"][0], by=moderator, reason="rude")
    page(people["warmer"], url)
    html, how = page(people["writer"], url)  # wrote the hidden reply: only they see it
    assert how == ""
    assert html == full_render(people["writer"], url, settings)
    html, how = page(moderator, url)
    assert how == "" and "Answer 0" in html


def test_a_skeleton_with_a_young_reply_is_used_only_while_its_time_reads_the_same(
    community, monkeypatch
):
    people, idea = community["people"], community["topics"][1]
    create_reply(idea, body="Just now", by=people["writer"])
    url = idea.get_absolute_url()
    page(people["warmer"], url)
    assert page(people["reader"], url)[1] in {"member-hit", "member-miss"}
    later = timezone.now() + timedelta(minutes=2)
    monkeypatch.setattr(topic_cache.timezone, "now", lambda: later)
    key = next(iter(k for k in _skeleton_keys()), None)
    assert key is not None and topic_cache.load(key) is None


def _skeleton_keys() -> list[str]:
    from django.core.cache import cache

    return [
        key.split(":", 2)[-1]
        for key in getattr(cache, "_cache", {})
        if topic_cache.KEY_PREFIX in key
    ]


def test_signed_out_pages_stay_apart_from_members_skeletons(community):
    question = community["topics"][0]
    url = question.get_absolute_url()
    page(community["people"]["reader"], url)
    html = Client().get(url).content.decode()
    assert "Rae Reader" not in html and "csrfmiddlewaretoken" not in html
    assert Topic.objects.filter(pk=question.pk).exists()
