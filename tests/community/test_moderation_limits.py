"""New members' first-day limits, the spam score that holds posts for review, and bans."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from townhall.accounts.models import AuditEvent
from townhall.community import selectors
from townhall.community.models import ModerationState, Notification, Reply, Topic
from townhall.community.models_moderation import Flag, FlagOutcome
from townhall.community.services import (
    approve,
    ban_member,
    create_reply,
    create_topic,
    flag,
    like,
    unban_member,
    vote,
)
from townhall.community.spam import score_post
from townhall.core.models import Activity, Member, Role

pytestmark = pytest.mark.usefixtures("moderation_rules")


def _joined(member: Member, *, hours: float) -> Member:
    """Pretend the member joined `hours` ago (there is no verb for the passing of time)."""
    Member.objects.filter(pk=member.pk).update(created_at=timezone.now() - timedelta(hours=hours))
    member.refresh_from_db()
    return member


def _earlier(post: Topic | Reply, seconds: int) -> None:
    type(post).objects.filter(pk=post.pk).update(
        created_at=timezone.now() - timedelta(seconds=seconds)
    )


# --- first-day limits ----------------------------------------------------------------------


def test_a_new_member_waits_between_posts_and_is_told_when_to_post(board, asker):
    first = create_topic(board, kind="question", title="First", body="Hi", by=asker)
    with pytest.raises(ValidationError, match=r"wait 30 seconds.*post again at \d\d:\d\d"):
        create_reply(first, body="Also this", by=asker)
    _earlier(first, 31)
    assert create_reply(first, body="Also this", by=asker).pk


def test_a_new_member_starts_at_most_three_topics_on_the_first_day(board, asker):
    for n in range(3):
        topic = create_topic(board, kind="question", title=f"Q{n}", body="Hi", by=asker)
        _earlier(topic, 60)
    with pytest.raises(ValidationError, match=r"3 topics on their first day.*start another at"):
        create_topic(board, kind="question", title="Q4", body="Hi", by=asker)


def test_a_new_member_posts_at_most_ten_replies_on_the_first_day(question, answerer):
    for n in range(10):
        _earlier(create_reply(question, body=f"Answer {n}", by=answerer), 60)
    with pytest.raises(ValidationError, match="10 replies on their first day"):
        create_reply(question, body="Answer 11", by=answerer)


def test_a_new_member_puts_at_most_two_links_in_a_post(question, answerer):
    body = "See https://a.example https://b.example and https://c.example for details."
    with pytest.raises(ValidationError, match="at most 2 links in a post; this one has 3"):
        create_reply(question, body=body, by=answerer)


def test_the_limits_end_after_the_first_day(board, asker):
    _joined(asker, hours=25)
    for n in range(5):
        create_topic(board, kind="question", title=f"Q{n}", body="Hi", by=asker)
    assert Topic.objects.filter(author=asker).count() == 5


def test_the_team_is_never_limited(board, employee, moderator):
    for person in (employee, moderator):
        for n in range(4):
            create_topic(board, kind="discussion", title=f"T{n}", body="x", by=person)


def test_limits_follow_the_settings(settings, board, asker):
    settings.COMMUNITY_NEW_MEMBER_MAX_TOPICS = 1
    settings.COMMUNITY_NEW_MEMBER_POST_INTERVAL = 0
    create_topic(board, kind="question", title="One", body="Hi", by=asker)
    with pytest.raises(ValidationError, match="1 topics"):
        create_topic(board, kind="question", title="Two", body="Hi", by=asker)


def test_back_dated_posts_from_imports_and_the_demo_are_not_limited(board, asker):
    then = timezone.now() - timedelta(days=3)
    for n in range(5):
        create_topic(board, kind="question", title=f"Q{n}", body="Hi", by=asker, occurred_at=then)


# --- the spam score ------------------------------------------------------------------------


def test_the_spam_score_explains_itself():
    verdict = score_post(
        "BUY CHEAP FOLLOWERS NOW http://x.example http://y.example http://z.example",
        is_new_account=True,
        is_first_post=True,
    )
    names = {s.name for s in verdict.signals}
    assert names == {
        "many_links",
        "link_density",
        "all_caps",
        "spam_words",
        "new_account",
        "first_post_links",
    }
    assert verdict.score == sum(s.points for s in verdict.signals) == 1 + 2 + 2 + 2 + 1 + 2


def test_an_ordinary_first_question_is_not_spam():
    verdict = score_post(
        "How do I export my dashboard to PDF? I looked at https://docs.example/export "
        "but the button is greyed out for me on the free plan.",
        is_new_account=True,
        is_first_post=True,
    )
    assert not verdict.held(5) and verdict.score == 3


def test_repeating_the_same_text_counts():
    verdict = score_post(
        "Great post!", is_new_account=False, is_first_post=False, recent_texts=["great  POST"]
    )
    assert [s.name for s in verdict.signals] == ["repeated"]


def test_a_suspicious_post_is_held_for_review_and_shown_only_to_its_author_and_moderators(
    question, answerer, asker, moderator
):
    spam = "Best casino bonus, free money: https://win.example"
    reply = create_reply(question, body=spam, by=answerer)
    assert reply.moderation == ModerationState.HELD
    assert [r.pk for r in selectors.topic_page(question, answerer).replies] == [reply.pk]
    assert [r.pk for r in selectors.topic_page(question, asker).replies] == []
    assert [r.pk for r in selectors.topic_page(question, moderator).replies] == [reply.pk]
    question.refresh_from_db()
    assert question.reply_count == 0 and question.first_reply_at is None
    assert not Notification.objects.filter(reply=reply).exists()
    assert not Activity.objects.filter(external_id=f"reply:{reply.pk}").exists()
    held = Flag.objects.get(reply=reply)
    assert held.is_automatic and held.data["score"] >= 5
    assert AuditEvent.objects.get(verb="hold").actor is None


def test_approving_a_held_reply_publishes_it_then(question, answerer, asker, moderator):
    reply = create_reply(question, body="casino free money https://win.example", by=answerer)
    approve(reply, by=moderator)
    question.refresh_from_db()
    assert question.reply_count == 1 and question.first_reply_at == reply.created_at
    assert Activity.objects.filter(external_id=f"reply:{reply.pk}").exists()
    assert Notification.objects.filter(recipient=asker, reply=reply, verb="reply").exists()
    assert Notification.objects.filter(recipient=answerer, verb="approved").exists()
    assert Flag.objects.get(reply=reply).outcome == FlagOutcome.DISMISSED


def test_a_held_topic_is_published_on_approval(board, asker, moderator):
    topic = create_topic(
        board,
        kind="discussion",
        title="CHEAP FOLLOWERS HERE",
        body="BUY FOLLOWERS NOW AT https://x.example",
        by=asker,
    )
    assert topic.is_held
    assert not selectors.can_see_topic(topic, None)
    assert selectors.can_see_topic(topic, asker)
    approve(topic, by=moderator)
    assert selectors.can_see_topic(topic, None)
    assert Activity.objects.filter(external_id=f"topic:{topic.pk}").exists()


def test_the_team_is_never_held(question, employee):
    reply = create_reply(question, body="CASINO FREE MONEY https://x.example", by=employee)
    assert reply.moderation == ModerationState.VISIBLE


def test_the_spam_check_can_be_turned_off(settings, question, answerer):
    settings.COMMUNITY_SPAM_HOLD_SCORE = 0
    reply = create_reply(question, body="casino free money https://win.example", by=answerer)
    assert reply.moderation == ModerationState.VISIBLE


# --- bans ----------------------------------------------------------------------------------


def test_a_banned_member_cannot_post_reply_vote_like_or_flag(
    board, question, make_topic, answerer, employee, moderator
):
    idea = make_topic(kind="idea", title="Dark mode", by=employee)
    ban_member(answerer, reason="Spamming", by=moderator)
    with pytest.raises(PermissionDenied, match=r"banned.*permanently.*Spamming"):
        create_topic(board, kind="question", title="Hi", body="x", by=answerer)
    for action in (
        lambda: create_reply(question, body="x", by=answerer),
        lambda: vote(idea, by=answerer),
        lambda: like(question, by=answerer),
        lambda: flag(question, reason="spam", by=answerer),
    ):
        with pytest.raises(PermissionDenied, match="banned"):
            action()
    assert selectors.can_see_topic(question, answerer)  # still reads


def test_a_temporary_ban_says_until_when_and_ends_by_itself(question, answerer, moderator):
    ban = ban_member(
        answerer, reason="Cool off", until=timezone.now() + timedelta(days=1), by=moderator
    )
    with pytest.raises(PermissionDenied, match="until"):
        create_reply(question, body="x", by=answerer)
    type(ban).objects.filter(pk=ban.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert create_reply(question, body="back", by=answerer).pk


def test_lifting_a_ban_lets_the_member_post_again_and_is_audited(question, answerer, moderator):
    ban_member(answerer, reason="Spamming", by=moderator)
    assert unban_member(answerer, by=moderator, reason="Appeal accepted") == 1
    assert create_reply(question, body="Thanks", by=answerer).pk
    assert list(
        AuditEvent.objects.filter(verb__in=["ban", "unban"]).values_list("verb", flat=True)
    ) == ["unban", "ban"]
    with pytest.raises(ValidationError, match="not banned"):
        unban_member(answerer, by=moderator)


def test_who_may_ban_whom(make_person, answerer, employee, moderator, manager):
    other_moderator = make_person(role=Role.MODERATOR)
    with pytest.raises(PermissionDenied):
        ban_member(answerer, reason="x", by=employee)
    with pytest.raises(PermissionDenied, match="below yours"):
        ban_member(other_moderator, reason="x", by=moderator)
    with pytest.raises(PermissionDenied, match="below yours"):
        ban_member(moderator, reason="x", by=moderator)
    assert ban_member(other_moderator, reason="x", by=manager).pk
    with pytest.raises(PermissionDenied):
        unban_member(answerer, by=employee)


def test_a_ban_needs_a_reason_and_a_future_end(answerer, moderator):
    with pytest.raises(ValidationError, match="reason"):
        ban_member(answerer, reason="", by=moderator)
    with pytest.raises(ValidationError, match="future"):
        ban_member(answerer, reason="x", until=timezone.now() - timedelta(hours=1), by=moderator)


def test_banning_is_not_an_activity(answerer, moderator):
    before = Activity.objects.count()
    ban_member(answerer, reason="x", by=moderator)
    assert Activity.objects.count() == before
