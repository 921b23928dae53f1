"""Signed-in board pages from the shared skeleton (townhall/community/board_cache.py) are
exactly the pages a full render gives each member."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from townhall.community.models import Visibility
from townhall.community.services import create_board, create_topic, follow, hide
from townhall.core.models import Role
from townhall.groups.services import join_group

from .test_topic_cache import full_render, page


@pytest.fixture
def boards(board, manager, make_group, make_person, asker) -> dict[str, Any]:
    """Help with a public and a group-only sub-board, topics two days old, tags."""
    insiders = make_group(name="Insiders")
    public_child = create_board(name="Integrations", parent=board, by=manager)
    group_child = create_board(
        name="Beta", parent=board, visibility=Visibility.GROUP, group=insiders, by=manager
    )
    start = timezone.now() - timedelta(days=2)
    for n, where in enumerate([board, board, public_child, group_child, board]):
        create_topic(
            where,
            kind="question",
            title=f"Topic {n} on {where.name}",
            body="?",
            tags=["sso"] if n % 2 else ["billing"],
            by=manager if where == group_child else asker,
            occurred_at=start + timedelta(minutes=n),
        )
    people = {
        "reader": make_person(name="Rae Reader"),
        "follower": make_person(name="Fay Follower"),
        "insider": make_person(name="Ina Insider"),
        "other-insider": make_person(name="Ole Insider"),
        "warmer": make_person(name="Wally Warmer"),
        "employee": make_person(name="Emil Employee", employee=True),
        "employee-warmer": make_person(name="Erin Employee", employee=True),
    }
    for who in ("insider", "other-insider"):
        join_group(insiders, by=people[who])
    follow(board, by=people["follower"])
    from townhall.community.models import Tag

    follow(Tag.objects.get(slug="sso"), by=people["follower"])
    return {"people": people, "board": board}


WARMER = {"insider": "other-insider", "employee": "employee-warmer"}


@pytest.mark.parametrize("viewer", ["reader", "follower", "insider", "employee"])
@pytest.mark.parametrize("query", ["", "?tag=sso", "?kind=question&page=1"])
def test_each_member_gets_from_the_skeleton_the_board_a_full_render_gives(
    boards, viewer, query, settings
):
    people = boards["people"]
    url = f"/community/b/{boards['board'].slug}/{query}"
    expected = full_render(people[viewer], url, settings)
    page(people[WARMER.get(viewer, "warmer")], url)  # leaves the skeleton
    html, how = page(people[viewer], url)
    assert how == "member-hit", (viewer, query)
    assert html == expected, (viewer, query)


def test_group_members_and_others_do_not_share_a_list(boards):
    people = boards["people"]
    url = f"/community/b/{boards['board'].slug}/"
    page(people["insider"], url)
    html, how = page(people["reader"], url)
    assert how == "member-miss" and "on Beta" not in html
    html, how = page(people["other-insider"], url)
    assert how == "member-hit" and "on Beta" in html


def test_a_member_with_a_hidden_topic_and_moderators_get_full_renders(boards, make_person, asker):
    url = f"/community/b/{boards['board'].slug}/"
    moderator = make_person(name="Mo Derator", role=Role.MODERATOR)
    topic = boards["board"].topics.filter(author=asker).first()
    hide(topic, by=moderator, reason="spam")
    page(boards["people"]["warmer"], url)
    assert page(asker, url)[1] == ""  # their hidden topic is listed for them only
    assert page(moderator, url)[1] == ""
