"""Ideas: one vote each, the status workflow with official comments, duplicates."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from townhall.community.models import IdeaStatus, Notification, NotificationVerb, Vote
from townhall.community.services import set_idea_status, unvote, vote
from townhall.core.models import Activity


def test_a_member_votes_once_and_the_vote_is_recorded_for_the_author(idea, make_person, asker):
    voter = make_person()
    vote(idea, by=voter)
    topic = vote(idea, by=voter)
    assert topic.vote_count == 1
    activity = Activity.objects.get(external_id=f"vote:{idea.pk}:{voter.pk}")
    assert activity.kind.slug == "vote" and activity.target_member == asker


def test_unvote_takes_the_vote_back(idea, make_person):
    voter = make_person()
    vote(idea, by=voter)
    assert unvote(idea, by=voter).vote_count == 0
    assert unvote(idea, by=voter).vote_count == 0


def test_votes_are_only_for_ideas(question, make_person):
    with pytest.raises(ValidationError):
        vote(question, by=make_person())


def test_the_team_moves_an_idea_through_its_workflow_with_an_official_comment(idea, employee):
    for status in ["under_review", "planned", "in_progress", "shipped"]:
        topic = set_idea_status(idea, status, comment=f"Now {status}", by=employee)
        assert topic.idea_status == status
    notes = idea.replies.filter(is_official_comment=True).order_by("pk")
    assert [n.status_change for n in notes] == ["under_review", "planned", "in_progress", "shipped"]
    assert Activity.objects.filter(kind__slug="idea_status").count() == 4


def test_a_status_change_needs_a_comment(idea, employee):
    with pytest.raises(ValidationError, match="official comment"):
        set_idea_status(idea, "planned", comment="  ", by=employee)


def test_members_cannot_change_an_ideas_status(idea, asker):
    with pytest.raises(PermissionDenied):
        set_idea_status(idea, "planned", comment="Yes!", by=asker)


def test_a_status_change_notifies_the_voters_and_the_author(idea, employee, make_person, asker):
    voters = [make_person(), make_person()]
    for voter in voters:
        vote(idea, by=voter)
    set_idea_status(idea, "planned", comment="Coming in Q3", by=employee)
    notified = set(
        Notification.objects.filter(verb=NotificationVerb.IDEA_STATUS).values_list(
            "recipient_id", flat=True
        )
    )
    assert notified == {asker.pk, *(v.pk for v in voters)}


def test_voting_closes_when_an_idea_is_shipped_or_declined(idea, employee, make_person):
    set_idea_status(idea, "declined", comment="Not for us", by=employee)
    with pytest.raises(ValidationError, match="voting is closed"):
        vote(idea, by=make_person())


def test_a_duplicate_idea_merges_its_votes_into_the_original(make_topic, employee, make_person):
    original = make_topic(kind="idea", title="Dark mode")
    copy = make_topic(kind="idea", title="Night theme")
    both, only_copy, only_original = make_person(), make_person(), make_person()
    for person in (both, only_copy):
        vote(copy, by=person)
    for person in (both, only_original):
        vote(original, by=person)
    topic = set_idea_status(
        copy, "duplicate", comment="See Dark mode", by=employee, duplicate_of=original
    )
    original.refresh_from_db()
    assert topic.idea_status == IdeaStatus.DUPLICATE and topic.duplicate_of == original
    assert original.vote_count == 3 and topic.vote_count == 0
    assert set(Vote.objects.filter(topic=original).values_list("member_id", flat=True)) == {
        both.pk,
        only_copy.pk,
        only_original.pk,
    }


def test_a_duplicate_needs_an_original_other_than_itself(idea, employee):
    with pytest.raises(ValidationError):
        set_idea_status(idea, "duplicate", comment="x", by=employee)
    with pytest.raises(ValidationError):
        set_idea_status(idea, "duplicate", comment="x", by=employee, duplicate_of=idea)
