"""Articles: revisions, "Was this helpful?", promoting a solved question."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from townhall.community.models import TopicKind
from townhall.community.services import (
    accept_solution,
    create_topic,
    edit_article,
    promote_to_article,
    rate_article,
)


@pytest.fixture
def article(board, employee):
    return create_topic(board, kind="article", title="Getting started", body="Step 1", by=employee)


def test_editing_an_article_keeps_every_revision(article, employee, moderator):
    edit_article(article, title="Getting started", body="Step 1 and 2", by=employee)
    edit_article(article, title="Getting started fast", body="Step 1, 2, 3", by=moderator)
    article.refresh_from_db()
    assert article.title == "Getting started fast"
    assert [(r.number, r.body) for r in article.revisions.all()] == [
        (3, "Step 1, 2, 3"),
        (2, "Step 1 and 2"),
        (1, "Step 1"),
    ]


def test_members_cannot_edit_someone_elses_article(article, asker):
    with pytest.raises(PermissionDenied):
        edit_article(article, title="x", body="y", by=asker)


def test_was_this_helpful_counts_one_answer_per_member(article, make_person):
    reader = make_person()
    rate_article(article, helpful=True, by=reader)
    rate_article(article, helpful=False, by=reader)
    topic = rate_article(article, helpful=True, by=make_person())
    assert (topic.helpful_yes, topic.helpful_no) == (1, 1)


def test_only_articles_ask_whether_they_helped(question, asker):
    with pytest.raises(ValidationError):
        rate_article(question, helpful=True, by=asker)


def test_a_solved_question_is_promoted_to_an_article_once(question, answer, asker, employee):
    with pytest.raises(ValidationError):
        promote_to_article(question, by=employee)
    accept_solution(question, answer, by=asker)
    article = promote_to_article(question, by=employee)
    assert article.kind == TopicKind.ARTICLE and article.promoted_from == question
    assert answer.body in article.body and question.title == article.title
    assert promote_to_article(question, by=employee) == article


def test_members_cannot_promote_questions(question, answer, asker):
    accept_solution(question, answer, by=asker)
    with pytest.raises(PermissionDenied):
        promote_to_article(question, by=asker)
