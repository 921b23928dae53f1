"""Flags and moderators' decisions on posts: hide, approve (restore), delete, dismiss;
who may do what, what disappears for whom, and what the audit log keeps."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from townhall.accounts.models import AuditEvent
from townhall.community import selectors
from townhall.community.models import ModerationState, Reply, Topic
from townhall.community.models_moderation import Flag, FlagOutcome
from townhall.community.services import (
    approve,
    create_reply,
    delete_post,
    dismiss_flags,
    flag,
    hide,
    like,
)
from townhall.core.models import Activity


def test_a_reader_flags_a_topic_with_a_reason(question, answerer):
    made = flag(question, reason="spam", by=answerer)
    assert made.topic == question and made.member == answerer and made.resolved_at is None


def test_a_member_has_one_open_flag_per_item(question, answerer):
    flag(question, reason="spam", by=answerer)
    with pytest.raises(ValidationError, match="already flagged"):
        flag(question, reason="abuse", by=answerer)


def test_two_readers_may_flag_the_same_reply(answer, asker, make_person):
    flag(answer, reason="off_topic", by=asker)
    flag(answer, reason="abuse", by=make_person())
    assert Flag.objects.filter(reply=answer).count() == 2


def test_other_needs_a_note_and_unknown_reasons_are_refused(question, answerer):
    with pytest.raises(ValidationError, match="few words"):
        flag(question, reason="other", by=answerer)
    with pytest.raises(ValidationError, match="Pick a reason"):
        flag(question, reason="boring", by=answerer)
    assert flag(question, reason="other", text="Contains a phone number", by=answerer).text


def test_nobody_flags_their_own_post(question, asker):
    with pytest.raises(ValidationError, match="own post"):
        flag(question, reason="spam", by=asker)


def test_flagging_is_not_an_activity(question, answerer):
    before = Activity.objects.count()
    flag(question, reason="spam", by=answerer)
    assert Activity.objects.count() == before


def test_a_member_can_flag_again_after_the_first_flag_was_resolved(question, answerer, moderator):
    flag(question, reason="spam", by=answerer)
    dismiss_flags(question, by=moderator)
    assert flag(question, reason="abuse", by=answerer).resolved_at is None


def test_members_and_employees_cannot_hide_approve_delete_or_dismiss(
    question, answer, answerer, employee
):
    flag(question, reason="spam", by=answerer)
    for person in (answerer, employee):
        for verb in (hide, delete_post):
            with pytest.raises(PermissionDenied):
                verb(answer, reason="spam", by=person)
        with pytest.raises(PermissionDenied):
            approve(answer, by=person)
        with pytest.raises(PermissionDenied):
            dismiss_flags(question, by=person)


def test_hiding_needs_a_reason(answer, moderator):
    with pytest.raises(ValidationError, match="reason"):
        hide(answer, reason=" ", by=moderator)


def test_hiding_a_reply_takes_it_off_the_topic_for_everyone_but_moderators(
    question, answer, asker, moderator
):
    hide(answer, reason="Rude", by=moderator)
    assert [r.pk for r in selectors.topic_page(question, asker).replies] == []
    assert [r.pk for r in selectors.topic_page(question, None).replies] == []
    assert [r.pk for r in selectors.topic_page(question, moderator).replies] == [answer.pk]
    question.refresh_from_db()
    assert question.reply_count == 0


def test_restoring_a_hidden_reply_counts_it_again(question, answer, moderator):
    hide(answer, reason="Rude", by=moderator)
    approve(answer, by=moderator)
    question.refresh_from_db()
    answer.refresh_from_db()
    assert answer.moderation == ModerationState.VISIBLE and question.reply_count == 1


def test_a_hidden_topic_disappears_from_boards_and_pages_for_readers(
    board, question, asker, answerer, moderator
):
    hide(question, reason="Off-topic", by=moderator)
    filters = selectors.TopicFilters()
    assert list(selectors.board_topics(board, answerer, filters, 1).object_list) == []
    assert list(selectors.board_topics(board, asker, filters, 1).object_list) == []
    assert not selectors.can_see_topic(question, None)
    assert list(selectors.board_topics(board, moderator, filters, 1).object_list) == [question]
    assert selectors.board_index(None)[0].board.topic_count == 0


def test_deleting_keeps_the_row_for_the_audit_trail(question, moderator):
    delete_post(question, reason="Spam", by=moderator)
    question.refresh_from_db()
    assert question.moderation == ModerationState.DELETED
    event = AuditEvent.objects.get(verb="delete")
    assert (event.actor, event.target_type, event.target_id) == (
        moderator,
        "community.topic",
        str(question.pk),
    )
    assert event.reason == "Spam" and event.data["before"] == "visible"


def test_notifications_about_a_hidden_reply_disappear_for_readers(
    question, asker, answerer, moderator
):
    reply = create_reply(question, body="Ping", by=answerer)
    assert selectors.notifications_for(asker).count() == 1
    hide(reply, reason="Spam", by=moderator)
    assert selectors.notifications_for(asker).count() == 0


def test_moderators_keep_their_notifications_about_hidden_replies(make_topic, answerer, moderator):
    topic = make_topic(by=moderator)
    reply = create_reply(topic, body="Ping", by=answerer)
    hide(reply, reason="Spam", by=moderator)
    assert [n.reply_id for n in selectors.notifications_for(moderator)] == [reply.pk]


def test_nobody_likes_or_acts_on_a_hidden_reply(answer, asker, moderator):
    hide(answer, reason="Spam", by=moderator)
    with pytest.raises(PermissionDenied):
        like(answer, by=asker)
    with pytest.raises(PermissionDenied):
        flag(answer, reason="spam", by=asker)


def test_hiding_upholds_every_open_flag_on_the_post(answer, asker, make_person, moderator):
    flag(answer, reason="abuse", by=asker)
    flag(answer, reason="spam", by=make_person())
    hide(answer, reason="Abusive", by=moderator)
    outcomes = set(Flag.objects.filter(reply=answer).values_list("outcome", flat=True))
    assert outcomes == {FlagOutcome.UPHELD}
    assert AuditEvent.objects.get(verb="hide").data["flags_resolved"] == 2


def test_dismissing_flags_keeps_the_post_and_is_audited(question, answerer, moderator):
    flag(question, reason="spam", by=answerer)
    assert dismiss_flags(question, by=moderator, reason="Fine") == 1
    question.refresh_from_db()
    assert question.moderation == ModerationState.VISIBLE
    assert AuditEvent.objects.filter(verb="resolve_flags", reason="Fine").exists()
    with pytest.raises(ValidationError, match="no open flags"):
        dismiss_flags(question, by=moderator)


def test_every_decision_is_in_the_audit_log(question, answer, moderator):
    hide(answer, reason="a", by=moderator)
    approve(answer, by=moderator)
    delete_post(answer, reason="b", by=moderator)
    verbs = list(
        AuditEvent.objects.filter(target_type="community.reply")
        .order_by("id")
        .values_list("verb", flat=True)
    )
    assert verbs == ["hide", "approve", "delete"]


def test_hiding_twice_says_it_is_already_hidden(answer, moderator):
    hide(answer, reason="a", by=moderator)
    with pytest.raises(ValidationError, match="already"):
        hide(answer, reason="a", by=moderator)


def test_counts_stay_right_through_hide_delete_restore(question, answer, moderator):
    hide(answer, reason="a", by=moderator)
    delete_post(answer, reason="b", by=moderator)
    approve(answer, by=moderator)
    assert Topic.objects.get(pk=question.pk).reply_count == 1
    assert Reply.objects.get(pk=answer.pk).moderation == ModerationState.VISIBLE


def test_a_hidden_solution_unsolves_the_question_until_it_is_restored(
    question, answer, asker, moderator
):
    from townhall.community.models import ReputationTotal
    from townhall.community.services import accept_solution

    def points():
        total = ReputationTotal.objects.filter(member=answer.author).first()
        return total.points if total else 0

    before = points()
    accept_solution(question, answer, by=asker)
    solved_at = Topic.objects.get(pk=question.pk).solved_at
    with_solution = points()
    assert with_solution > before
    hide(answer, reason="copied from a blog without credit", by=moderator)
    topic = Topic.objects.get(pk=question.pk)
    assert not topic.is_solved and topic.solved_at is None
    assert points() < with_solution  # the solution's points go back while it is down
    approve(answer, by=moderator)
    topic = Topic.objects.get(pk=question.pk)
    assert topic.solution_id == answer.pk and topic.solved_at == solved_at
    assert topic.time_to_solution == solved_at - topic.created_at
    assert points() == with_solution


def test_a_restored_solution_does_not_replace_one_accepted_meanwhile(
    question, answer, asker, answerer, moderator
):
    from townhall.community.services import accept_solution, create_reply

    accept_solution(question, answer, by=asker)
    delete_post(answer, reason="spam link", by=moderator)
    better = create_reply(question, body="Use the rotation endpoint.", by=answerer)
    accept_solution(question, better, by=asker)
    approve(answer, by=moderator)
    assert Topic.objects.get(pk=question.pk).solution_id == better.pk


def test_taken_down_words_leave_the_activity_stream_and_come_back_when_restored(
    question, answer, moderator
):
    reply_activity = Activity.objects.get(external_id=f"reply:{answer.pk}")
    assert reply_activity.body
    hide(answer, reason="insulting", by=moderator)
    assert Activity.objects.get(pk=reply_activity.pk).body == ""
    approve(answer, by=moderator)
    assert Activity.objects.get(pk=reply_activity.pk).body == answer.body[:300]
    delete_post(question, reason="doxxing", by=moderator)
    titled = Activity.objects.filter(url=question.get_absolute_url())
    assert titled.count() >= 2 and set(titled.values_list("title", flat=True)) == {""}
    assert Activity.objects.get(external_id=f"topic:{question.pk}").body == ""
    approve(question, by=moderator)
    assert set(titled.values_list("title", flat=True)) == {question.title}
