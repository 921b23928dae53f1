"""Moderation pages: the queue, one-click decisions, flags from readers, the topic
controls, locked and held states, merged topics' addresses, bans on profiles."""

from __future__ import annotations

import pytest

from townhall.community.models import ModerationState, Reply, Topic
from townhall.community.models_moderation import Flag
from townhall.community.services import (
    ban_member,
    create_reply,
    flag,
    hide,
    lock_topic,
    merge_topic,
)
from townhall.core.models import Member

from .conftest import login

SPAM = "casino free money https://win.example"


@pytest.mark.parametrize("who", ["answerer", "employee"])
def test_the_queue_is_for_moderators_only(client, request, who):
    login(client, request.getfixturevalue(who))
    assert client.get("/community/moderation/").status_code == 403


def test_the_queue_shows_held_posts_with_their_spam_signals_and_flagged_posts_with_reasons(
    client, settings, question, answerer, asker, moderator
):
    settings.COMMUNITY_SPAM_HOLD_SCORE = 5
    settings.COMMUNITY_NEW_MEMBER_HOURS = 24
    create_reply(question, body=SPAM, by=answerer)
    flag(question, reason="other", text="Has my phone number", by=answerer)
    login(client, moderator)
    page = client.get("/community/moderation/").content.decode()
    assert "Held for review" in page and "casino, free money" in page
    assert "Spam score" in page
    assert "Has my phone number" in page
    assert "Approve and publish" in page and "Keep it (dismiss flags)" in page


def test_the_queue_runs_a_fixed_number_of_queries(
    client, make_topic, make_person, moderator, django_assert_num_queries
):
    for n in range(12):
        topic = make_topic(title=f"Topic {n}")
        flag(topic, reason="spam", by=make_person())
    login(client, moderator)
    # session, user, viewer; open flags with their posts, bans; unread notices
    with django_assert_num_queries(6):
        response = client.get("/community/moderation/")
    assert response.content.decode().count('class="card queue-item"') == 12


def test_one_click_approve_from_the_queue_publishes_and_returns_to_the_queue(
    client, settings, question, answerer, moderator
):
    settings.COMMUNITY_SPAM_HOLD_SCORE = 5
    settings.COMMUNITY_NEW_MEMBER_HOURS = 24
    reply = create_reply(question, body=SPAM, by=answerer)
    login(client, moderator)
    response = client.post(
        f"/community/moderation/reply/{reply.pk}/approve/", {"next": "/community/moderation/"}
    )
    assert response.status_code == 302 and response["Location"] == "/community/moderation/"
    assert Reply.objects.get(pk=reply.pk).moderation == ModerationState.VISIBLE


def test_hiding_without_a_reason_is_refused_with_a_message(client, answer, moderator):
    login(client, moderator)
    response = client.post(f"/community/moderation/reply/{answer.pk}/hide/", follow=True)
    assert "Give a reason" in response.content.decode()
    assert Reply.objects.get(pk=answer.pk).moderation == ModerationState.VISIBLE


def test_the_next_address_never_leads_off_site(client, answer, moderator):
    login(client, moderator)
    response = client.post(
        f"/community/moderation/reply/{answer.pk}/hide/",
        {"reason": "Spam", "next": "https://evil.example/"},
    )
    assert response["Location"] == f"/community/t/{answer.topic_id}/"


def test_members_cannot_post_moderation_decisions(client, answer, answerer):
    login(client, answerer)
    assert client.post(f"/community/moderation/reply/{answer.pk}/hide/").status_code == 403


def test_a_reader_flags_a_reply_from_the_topic_page(client, question, answer, asker):
    login(client, asker)
    page = client.get(f"/community/t/{question.pk}/").content.decode()
    # A link on the topic page (no form per reply), to the form on a page of its own.
    assert f'href="/community/flag/reply/{answer.pk}/"' in page
    assert "What is wrong with the reply by" not in page
    form = client.get(f"/community/flag/reply/{answer.pk}/").content.decode()
    assert "What is wrong with the reply by Bo Answerer?" in form and " open>" in form
    inline = client.get(f"/community/flag/reply/{answer.pk}/", HTTP_HX_REQUEST="true")
    assert (
        "<html" not in inline.content.decode()
        and "Send to the moderators" in inline.content.decode()
    )
    response = client.post(
        f"/community/flag/reply/{answer.pk}/", {"reason": "abuse", "text": "Insults"}, follow=True
    )
    assert "moderators will look at it" in response.content.decode()
    assert Flag.objects.get(reply=answer).text == "Insults"


def test_visitors_see_no_flag_or_moderation_controls(client, question, answer):
    page = client.get(f"/community/t/{question.pk}/").content.decode()
    assert "Flag" not in page and "Moderate this topic" not in page


def test_moderators_get_labelled_controls_on_the_topic_page(
    client, make_board, question, answer, moderator
):
    make_board(name="Elsewhere")
    login(client, moderator)
    page = client.get(f"/community/t/{question.pk}/").content.decode()
    assert "Moderate this topic" in page
    for label in ('for="mod-move-board"', 'for="mod-merge-into"', 'for="mod-topic-note"'):
        assert label in page
    assert "Lock (no new replies)" in page and "Pin to the top of Help" in page
    assert "Elsewhere" in page


def test_moderators_lock_a_topic_from_its_page_and_members_see_it_locked(
    client, question, answerer, moderator
):
    login(client, moderator)
    client.post(f"/community/t/{question.pk}/mod/lock/", {"reason": "Heated"})
    assert Topic.objects.get(pk=question.pk).is_locked
    login(client, answerer)
    page = client.get(f"/community/t/{question.pk}/").content.decode()
    assert "This topic is locked" in page and "Post reply" not in page


def test_the_author_is_told_a_post_is_held_for_review(client, settings, question, answerer):
    settings.COMMUNITY_SPAM_HOLD_SCORE = 5
    settings.COMMUNITY_NEW_MEMBER_HOURS = 24
    login(client, answerer)
    response = client.post(f"/community/t/{question.pk}/reply/", {"body": SPAM}, follow=True)
    page = response.content.decode()
    assert "Held for review: a moderator will look at your post" in page
    assert 'class="badge badge--held"' in page


def test_a_new_member_over_the_limits_is_told_when_to_post_again(
    client, settings, question, answerer
):
    settings.COMMUNITY_NEW_MEMBER_HOURS = 24
    login(client, answerer)
    client.post(f"/community/t/{question.pk}/reply/", {"body": "First"})
    response = client.post(f"/community/t/{question.pk}/reply/", {"body": "Second"}, follow=True)
    assert "you can post again at" in response.content.decode()


def test_a_merged_topics_address_leads_to_the_topic_it_went_into(client, make_topic, moderator):
    source, target = make_topic(), make_topic()
    merge_topic(source, target, by=moderator)
    response = client.get(f"/community/t/{source.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/community/t/{target.pk}/"


def test_hidden_topics_are_404_for_readers_and_marked_for_moderators(
    client, question, answerer, moderator
):
    hide(question, reason="Spam", by=moderator)
    login(client, answerer)
    assert client.get(f"/community/t/{question.pk}/").status_code == 404
    login(client, moderator)
    page = client.get(f"/community/t/{question.pk}/").content.decode()
    assert 'class="badge badge--removed">Hidden' in page and "Restore" in page


def test_a_moderator_bans_from_the_ban_page_and_the_profile_shows_it_to_moderators(
    client, answerer, asker, moderator
):
    login(client, moderator)
    response = client.post(
        f"/community/members/{answerer.pk}/ban/", {"length": "7", "reason": "Spam links"}
    )
    assert response.status_code == 302
    page = client.get(f"/members/{answerer.pk}/").content.decode()
    assert "Community moderation" in page and "Reason: Spam links" in page
    login(client, asker)
    assert "Community moderation" not in client.get(f"/members/{answerer.pk}/").content.decode()


def test_lifting_a_ban_from_the_queue(client, answerer, moderator):
    ban_member(answerer, reason="Spam", by=moderator)
    login(client, moderator)
    assert answerer.display_name in client.get("/community/moderation/").content.decode()
    client.post(f"/community/members/{answerer.pk}/unban/", {"next": "/community/moderation/"})
    assert (
        not Member.objects.get(pk=answerer.pk)
        .community_bans.filter(lifted_at__isnull=True)
        .exists()
    )


def test_the_topic_page_for_a_moderator_runs_a_fixed_number_of_queries(
    client, question, make_person, moderator, django_assert_num_queries
):
    people = [make_person() for _ in range(3)]
    for n in range(30):
        create_reply(question, body=f"Reply {n}", by=people[n % 3])
    lock_topic(question, by=moderator)
    login(client, moderator)
    # session, user, viewer; topic, tags, replies, likes, open flags, boards to move to,
    # unread notices
    with django_assert_num_queries(10):
        response = client.get(f"/community/t/{question.pk}/")
    assert response.status_code == 200
