"""Lock, pin, move and merge: moderators only, audited, and what readers see afterwards."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from townhall.accounts.models import AuditEvent
from townhall.community import selectors
from townhall.community.models import Notification, Reply, Topic, Vote
from townhall.community.services import (
    create_reply,
    lock_topic,
    merge_topic,
    move_topic,
    pin_topic,
    set_idea_status,
    unlock_topic,
    unpin_topic,
    vote,
)
from townhall.core.models import Activity


def test_a_locked_topic_takes_no_replies_from_members(question, answerer, moderator):
    lock_topic(question, by=moderator, reason="Heated")
    with pytest.raises(ValidationError, match="locked"):
        create_reply(question, body="One more thing", by=answerer)


def test_moderators_still_reply_to_a_locked_topic(question, moderator):
    lock_topic(question, by=moderator)
    assert create_reply(question, body="Closing note", by=moderator).pk


def test_the_team_still_changes_a_locked_ideas_status(idea, moderator, employee):
    lock_topic(idea, by=moderator)
    set_idea_status(idea, "planned", comment="On the roadmap", by=employee)
    assert Topic.objects.get(pk=idea.pk).idea_status == "planned"


def test_unlocking_opens_replies_again(question, answerer, moderator):
    lock_topic(question, by=moderator)
    unlock_topic(question, by=moderator)
    assert create_reply(question, body="Thanks", by=answerer).pk
    with pytest.raises(ValidationError, match="not locked"):
        unlock_topic(question, by=moderator)


@pytest.mark.parametrize("verb", [lock_topic, pin_topic])
def test_members_and_employees_cannot_lock_or_pin(question, answerer, employee, verb):
    for person in (answerer, employee):
        with pytest.raises(PermissionDenied):
            verb(question, by=person)


def test_pinned_topics_come_first_on_the_board(board, make_topic, moderator, answerer):
    old = make_topic(title="Old rules")
    newer = make_topic(title="Newer")
    create_reply(newer, body="bump", by=answerer)
    pin_topic(old, by=moderator)
    page = selectors.board_topics(board, None, selectors.TopicFilters(), 1)
    assert [t.title for t in page.object_list] == ["Old rules", "Newer"]
    unpin_topic(old, by=moderator)
    page = selectors.board_topics(board, None, selectors.TopicFilters(), 1)
    assert [t.title for t in page.object_list] == ["Newer", "Old rules"]


def test_lock_pin_move_merge_are_activities_but_unlock_and_unpin_are_not(
    make_board, make_topic, moderator
):
    elsewhere = make_board(name="Elsewhere")
    a, b = make_topic(title="A"), make_topic(title="B")
    lock_topic(a, by=moderator)
    unlock_topic(a, by=moderator)
    pin_topic(a, by=moderator)
    unpin_topic(a, by=moderator)
    move_topic(a, elsewhere, by=moderator)
    merge_topic(b, a, by=moderator)
    kinds = list(
        Activity.objects.filter(identity__member=moderator)
        .order_by("id")
        .values_list("kind__slug", flat=True)
    )
    assert kinds == ["topic_locked", "topic_pinned", "topic_moved", "topic_merged"]
    verbs = list(AuditEvent.objects.order_by("id").values_list("verb", flat=True))
    assert verbs[-6:] == ["lock", "unlock", "pin", "unpin", "move", "merge"]


def test_moving_respects_the_kinds_the_target_board_takes(make_board, idea, moderator):
    questions_only = make_board(name="Questions only", kinds=["question"])
    with pytest.raises(ValidationError, match="does not take ideas"):
        move_topic(idea, questions_only, by=moderator)


def test_moving_a_topic_changes_its_board_and_is_audited(make_board, question, moderator):
    target = make_board(name="Billing")
    move_topic(question, target, by=moderator, reason="Billing question")
    assert Topic.objects.get(pk=question.pk).board == target
    event = AuditEvent.objects.get(verb="move")
    assert event.data["from"] == "help" and event.data["to"] == target.slug
    with pytest.raises(ValidationError, match="already"):
        move_topic(question, target, by=moderator)


def test_merging_moves_replies_and_leaves_a_stub_that_points_to_the_target(
    make_topic, asker, answerer, moderator
):
    source = make_topic(title="Password reset mail never arrives", body="Checked spam folder.")
    target = make_topic(title="How do I reset my password?")
    moved = create_reply(source, body="Same here", by=answerer)
    create_reply(target, body="Use the link", by=answerer)
    merge_topic(source, target, by=moderator, reason="Same question")
    source.refresh_from_db()
    target.refresh_from_db()
    assert source.merged_into == target and source.reply_count == 0
    assert Reply.objects.get(pk=moved.pk).topic == target
    opening = Reply.objects.filter(topic=target, author=asker).get()
    assert "Checked spam folder." in opening.body and opening.created_at == source.created_at
    assert target.reply_count == 3
    # The stub leaves every list but its address still resolves (to redirect).
    page = selectors.board_topics(target.board, None, selectors.TopicFilters(), 1)
    assert source not in page.object_list
    assert selectors.topic_for(source.pk, None) == source


def test_merging_moves_notifications_and_merges_votes_of_two_ideas(
    make_topic, asker, answerer, make_person, moderator
):
    a = make_topic(kind="idea", title="Dark mode")
    b = make_topic(kind="idea", title="Night theme")
    both, only_b = make_person(), make_person()
    for person in (both,):
        vote(a, by=person)
    for person in (both, only_b):
        vote(b, by=person)
    reply = create_reply(b, body="+1", by=answerer)
    merge_topic(b, a, by=moderator)
    assert Vote.objects.filter(topic=a).count() == 2
    assert Topic.objects.get(pk=a.pk).vote_count == 2
    assert Notification.objects.get(reply=reply).topic_id == a.pk


def test_a_topic_cannot_merge_into_itself_or_into_a_stub(make_topic, moderator):
    a, b, c = make_topic(), make_topic(), make_topic()
    with pytest.raises(ValidationError, match="itself"):
        merge_topic(a, a, by=moderator)
    merge_topic(a, b, by=moderator)
    with pytest.raises(ValidationError, match="itself merged"):
        merge_topic(c, a, by=moderator)


def test_a_merged_stub_takes_no_replies(make_topic, answerer, moderator):
    a, b = make_topic(), make_topic()
    merge_topic(a, b, by=moderator)
    with pytest.raises(ValidationError, match="merged"):
        create_reply(a, body="late", by=moderator)


def test_members_cannot_move_or_merge(make_board, make_topic, answerer):
    a, b = make_topic(), make_topic()
    with pytest.raises(PermissionDenied):
        move_topic(a, make_board(), by=answerer)
    with pytest.raises(PermissionDenied):
        merge_topic(a, b, by=answerer)
