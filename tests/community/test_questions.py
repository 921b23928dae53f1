"""Questions: accepting a solution, who may, timings and queues."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from townhall.community import selectors
from townhall.community.models import Notification, NotificationVerb
from townhall.community.services import accept_solution, create_reply, unaccept_solution
from townhall.core.models import Activity


def test_accept_solution_marks_the_question_solved_and_stores_the_time_to_solution(
    question, answer, asker
):
    topic = accept_solution(question, answer, by=asker)
    assert topic.is_solved and topic.solution == answer
    assert topic.time_to_solution == topic.solved_at - topic.created_at


def test_a_back_dated_acceptance_keeps_its_time_but_never_precedes_the_reply(
    question, answer, asker
):
    earlier = answer.created_at - timedelta(days=3)
    topic = accept_solution(question, answer, by=asker, occurred_at=earlier)
    assert topic.solved_at == answer.created_at  # not before the reply it accepts
    later = answer.created_at + timedelta(hours=5)
    unaccept_solution(topic, by=asker)
    topic = accept_solution(question, answer, by=asker, occurred_at=later)
    assert topic.solved_at == later
    assert topic.time_to_solution == later - topic.created_at
    activity = Activity.objects.get(external_id=f"solution:{question.pk}:{answer.pk}")
    assert activity.occurred_at in (answer.created_at, later)


def test_accepting_records_a_solution_activity_targeting_the_answerer(
    question, answer, asker, answerer
):
    accept_solution(question, answer, by=asker)
    activity = Activity.objects.get(external_id=f"solution:{question.pk}:{answer.pk}")
    assert activity.kind.slug == "solution"
    assert activity.member == asker and activity.target_member == answerer


def test_the_answerer_is_notified_when_their_reply_is_accepted(question, answer, asker, answerer):
    accept_solution(question, answer, by=asker)
    assert Notification.objects.filter(recipient=answerer, verb=NotificationVerb.SOLUTION).exists()


def test_an_employee_or_a_moderator_may_accept_a_solution(question, answer, employee, moderator):
    accept_solution(question, answer, by=employee)
    unaccept_solution(question, by=moderator)
    accept_solution(question, answer, by=moderator)
    question.refresh_from_db()
    assert question.is_solved


def test_another_member_may_not_accept_a_solution(question, answer, make_person, answerer):
    with pytest.raises(PermissionDenied):
        accept_solution(question, answer, by=make_person())
    with pytest.raises(PermissionDenied):
        accept_solution(question, answer, by=answerer)


def test_only_questions_have_solutions(make_topic, answerer, asker):
    discussion = make_topic(kind="discussion")
    reply = create_reply(discussion, body="x", by=answerer)
    with pytest.raises(ValidationError):
        accept_solution(discussion, reply, by=asker)


def test_a_reply_from_another_topic_cannot_be_the_solution(question, make_topic, answerer, asker):
    other = make_topic()
    stray = create_reply(other, body="x", by=answerer)
    with pytest.raises(ValidationError):
        accept_solution(question, stray, by=asker)


def test_accepting_another_reply_replaces_the_solution(question, answer, make_person, asker):
    better = create_reply(question, body="Better", by=make_person())
    accept_solution(question, answer, by=asker)
    topic = accept_solution(question, better, by=asker)
    assert topic.solution == better


def test_unsolved_and_unanswered_queues(question, make_topic, answerer, asker, employee):
    answered = make_topic()
    create_reply(answered, body="Reply", by=answerer)
    solved = make_topic()
    accept_solution(solved, create_reply(solved, body="Yes", by=answerer), by=asker)
    assert set(selectors.unanswered(employee)) == {question}
    assert set(selectors.unsolved(employee)) == {question, answered}


def test_the_overdue_queue_holds_topics_past_the_first_response_target(
    make_board, asker, answerer, employee
):
    from townhall.community.services import create_topic

    board = make_board(first_response_hours=2)
    late = create_topic(
        board,
        kind="question",
        title="Late",
        body="",
        by=asker,
        occurred_at=timezone.now() - timedelta(hours=3),
    )
    fresh = create_topic(board, kind="question", title="Fresh", body="", by=asker)
    assert list(selectors.overdue(employee)) == [late]
    assert late.is_overdue() and not fresh.is_overdue()
    create_reply(late, body="Sorry for the wait", by=answerer)
    assert list(selectors.overdue(employee)) == []
