"""Replies: first-response timing, edit history, mentions, the official response."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from townhall.community.models import Notification, NotificationVerb
from townhall.community.services import (
    create_reply,
    edit_reply,
    mark_official_response,
)
from townhall.core.models import Activity


def test_a_reply_is_recorded_with_the_topic_author_as_target(question, answerer, asker):
    reply = create_reply(question, body="Try this", by=answerer)
    activity = Activity.objects.get(external_id=f"reply:{reply.pk}")
    assert activity.kind.slug == "reply"
    assert activity.target_member == asker
    assert activity.conversation_id == f"topic:{question.pk}"
    question.refresh_from_db()
    assert question.reply_count == 1


def test_the_first_reply_by_someone_else_stops_the_first_response_clock(question, asker, answerer):
    create_reply(question, body="Bump", by=asker)
    question.refresh_from_db()
    assert question.first_reply_at is None
    reply = create_reply(question, body="Answer", by=answerer)
    question.refresh_from_db()
    assert question.first_reply_at == reply.created_at
    assert question.time_to_first_reply == reply.created_at - question.created_at


def test_the_topic_author_is_notified_of_a_reply(question, answerer, asker):
    reply = create_reply(question, body="Answer", by=answerer)
    notice = Notification.objects.get(recipient=asker)
    assert notice.verb == NotificationVerb.REPLY and notice.reply == reply


def test_an_empty_reply_is_refused(question, answerer):
    with pytest.raises(ValidationError):
        create_reply(question, body="  ", by=answerer)


def test_a_mention_notifies_the_member_and_records_a_mention_activity(
    question, answerer, make_person
):
    mentioned = make_person(name="Carla Cruz")
    reply = create_reply(question, body="Maybe @[carla cruz] knows?", by=answerer)
    assert Notification.objects.filter(
        recipient=mentioned, verb=NotificationVerb.MENTION, reply=reply
    ).exists()
    activity = Activity.objects.get(external_id=f"mention:reply:{reply.pk}:{mentioned.pk}")
    assert activity.target_member == mentioned and activity.member == answerer
    assert f'href="/members/{mentioned.pk}/"' in reply.body_html


def test_a_one_word_mention_works_and_an_unknown_name_stays_plain_text(
    question, answerer, make_person
):
    dmitri = make_person(name="Dmitri")
    reply = create_reply(question, body="@Dmitri and @nobody-here", by=answerer)
    assert Notification.objects.filter(recipient=dmitri, verb="mention").count() == 1
    assert "@nobody-here" in reply.body_html


def test_editing_a_reply_keeps_the_old_text(answer, answerer):
    edit_reply(answer, body="Better answer", by=answerer)
    answer.refresh_from_db()
    assert answer.body == "Better answer" and answer.edited_at is not None
    assert [r.body for r in answer.revisions.all()] == ["Use the *Forgot password* link."]


def test_only_the_author_or_a_moderator_edits_a_reply(answer, asker, moderator):
    with pytest.raises(PermissionDenied):
        edit_reply(answer, body="Hijacked", by=asker)
    edit_reply(answer, body="Tidied by a moderator", by=moderator)
    assert answer.revisions.count() == 1


def test_editing_in_a_new_mention_notifies_once(answer, answerer, make_person):
    late = make_person(name="Lena")
    edit_reply(answer, body="cc @Lena", by=answerer)
    edit_reply(answer, body="cc @Lena again", by=answerer)
    assert Notification.objects.filter(recipient=late, verb="mention").count() == 1


def test_an_employee_reply_is_marked_the_official_response(question, employee, asker):
    reply = create_reply(question, body="We are on it.", by=employee)
    topic = mark_official_response(reply, by=employee)
    assert topic.official_reply == reply
    assert Notification.objects.filter(recipient=asker, verb=NotificationVerb.OFFICIAL).exists()
    assert Activity.objects.filter(kind__slug="official_response", member=employee).exists()


def test_a_customer_reply_cannot_be_the_official_response(answer, employee):
    with pytest.raises(ValidationError):
        mark_official_response(answer, by=employee)


def test_only_the_team_marks_official_responses(question, employee, asker):
    reply = create_reply(question, body="We are on it.", by=employee)
    with pytest.raises(PermissionDenied):
        mark_official_response(reply, by=asker)
