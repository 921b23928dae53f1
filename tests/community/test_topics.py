"""Starting topics: kinds per board, who writes articles, limits, activities."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from townhall.community.models import BODY_MAX, IdeaStatus
from townhall.community.services import create_topic
from townhall.core.models import Activity


def test_a_member_asks_a_question_and_it_enters_the_activity_stream(board, asker):
    topic = create_topic(board, kind="question", title="  How  to   x? ", body="Help", by=asker)
    assert topic.title == "How to x?"
    activity = Activity.objects.get(external_id=f"topic:{topic.pk}")
    assert activity.kind.slug == "question"
    assert activity.channel == board.slug
    assert activity.member == asker
    assert activity.url == f"/community/t/{topic.pk}/"


def test_a_board_only_takes_the_kinds_it_allows(make_board, asker):
    ideas = make_board(name="Ideas", kinds=["idea"])
    with pytest.raises(ValidationError, match="does not take questions"):
        create_topic(ideas, kind="question", title="Q", body="", by=asker)
    assert (
        create_topic(ideas, kind="idea", title="I", body="", by=asker).idea_status == IdeaStatus.NEW
    )


def test_articles_are_written_by_the_team_only(board, asker, employee):
    with pytest.raises(PermissionDenied):
        create_topic(board, kind="article", title="Guide", body="text", by=asker)
    article = create_topic(board, kind="article", title="Guide", body="text", by=employee)
    assert article.revisions.get().number == 1


def test_an_empty_or_overlong_title_is_refused_with_a_reason(board, asker):
    with pytest.raises(ValidationError, match="title"):
        create_topic(board, kind="question", title="   ", body="", by=asker)
    with pytest.raises(ValidationError, match="200"):
        create_topic(board, kind="question", title="x" * 201, body="", by=asker)


def test_an_oversized_post_is_refused_with_a_clear_message(board, asker):
    with pytest.raises(ValidationError, match="limit is 50,000"):
        create_topic(board, kind="question", title="Long", body="x" * (BODY_MAX + 1), by=asker)


def test_tags_are_created_on_first_use_and_capped_at_five(board, asker):
    topic = create_topic(
        board,
        kind="question",
        title="T",
        body="",
        by=asker,
        tags=["Billing", "billing", "API", "a", "b", "c", "d"],
    )
    assert [t.slug for t in topic.tags.order_by("pk")] == ["billing", "api", "a", "b", "c"]


def test_a_new_topic_is_due_a_first_response_within_the_boards_target(make_board, asker):
    board = make_board(first_response_hours=4)
    topic = create_topic(board, kind="question", title="T", body="", by=asker)
    assert topic.response_due_at == topic.created_at + timedelta(hours=4)
    no_target = make_board(first_response_hours=None)
    assert (
        create_topic(no_target, kind="question", title="T", body="", by=asker).response_due_at
        is None
    )
