"""Likes on topics and replies: one per member, never one's own."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from townhall.community.services import like, unlike
from townhall.core.models import Activity


def test_a_member_likes_a_reply_once_and_the_author_is_the_target(answer, asker, answerer):
    assert like(answer, by=asker) == 1
    assert like(answer, by=asker) == 1
    activity = Activity.objects.get(external_id=f"like:reply:{answer.pk}:{asker.pk}")
    assert activity.target_member == answerer


def test_a_member_likes_a_topic(question, answerer):
    assert like(question, by=answerer) == 1
    assert Activity.objects.filter(external_id=f"like:topic:{question.pk}:{answerer.pk}").exists()
    assert unlike(question, by=answerer) == 0


def test_nobody_likes_their_own_post(question, asker):
    with pytest.raises(ValidationError):
        like(question, by=asker)
