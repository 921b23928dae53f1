"""Notification emails: right away, daily digest or off; one-click unsubscribe; never a word
from a board the recipient cannot read."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from townhall.community import services
from townhall.community.models import EmailPreference, Visibility
from townhall.community.services.email import send_digests, unsubscribe_token
from townhall.groups import services as groups
from townhall.groups.models import Privacy


@pytest.fixture
def deliver(django_capture_on_commit_callbacks):
    """Run what the verbs schedule after commit (the Celery task runs eagerly in tests)."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


def test_a_reply_is_emailed_right_away_with_one_click_unsubscribe_headers(
    deliver, question, asker, answerer, mailoutbox
):
    deliver(services.create_reply, question, body="Use the *Forgot password* link.", by=answerer)
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [asker.user.email]
    assert "Forgot password" in mail.body and question.get_absolute_url() in mail.body
    assert mail.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = unsubscribe_token(asker)
    assert (
        mail.extra_headers["List-Unsubscribe"]
        == f"<http://127.0.0.1:8000/community/unsubscribe/{token}/>"
    )
    assert f"/community/unsubscribe/{token}/" in mail.body


def test_members_who_chose_the_digest_or_off_get_nothing_right_away(
    deliver, question, asker, answerer, mailoutbox
):
    services.set_email_mode("daily", by=asker)
    deliver(services.create_reply, question, body="Answer", by=answerer)
    services.set_email_mode("off", by=asker)
    deliver(services.create_reply, question, body="Another", by=answerer)
    assert mailoutbox == []


def test_the_daily_digest_groups_unread_notifications_by_topic_and_goes_out_once(
    deliver, make_topic, asker, answerer, mailoutbox
):
    services.set_email_mode("daily", by=asker)
    first, second = make_topic(title="First question"), make_topic(title="Second question")
    for topic in (first, first, second):
        deliver(services.create_reply, topic, body="An answer", by=answerer)
    call_command("community", "digest")
    assert len(mailoutbox) == 1
    body = mailoutbox[0].body
    assert body.count("== First question") == 1 and body.count("== Second question") == 1
    assert "3 new notifications" in body
    assert mailoutbox[0].extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert send_digests().emails == 0


def test_a_digest_never_mentions_a_board_the_member_can_no_longer_read(
    deliver, make_board, make_group, make_person, mailoutbox
):
    group = make_group(name="Insiders", privacy=Privacy.PUBLIC)
    leaver, author = make_person(name="Lea Leaver"), make_person(name="Al Author")
    for person in (leaver, author):
        groups.join_group(group, by=person)
    secret = make_board(name="Insiders", visibility=Visibility.GROUP, group=group)
    open_board = make_board(name="Open")
    services.follow(secret, by=leaver)
    services.follow(open_board, by=leaver)
    services.set_email_mode("daily", by=leaver)
    deliver(
        services.create_topic,
        secret,
        kind="discussion",
        title="Roadmap leak",
        body="Q3 plans",
        by=author,
    )
    deliver(
        services.create_topic,
        open_board,
        kind="discussion",
        title="Hello all",
        body="Hi",
        by=author,
    )
    groups.leave_group(group, by=leaver)
    send_digests()
    assert len(mailoutbox) == 1
    assert "Hello all" in mailoutbox[0].body
    assert "Roadmap" not in mailoutbox[0].body and "Q3" not in mailoutbox[0].body


def test_an_immediate_email_is_not_sent_about_a_board_the_member_left_meanwhile(
    make_board, make_group, make_person, mailoutbox, django_capture_on_commit_callbacks
):
    group = make_group(name="Insiders", privacy=Privacy.PUBLIC)
    leaver, author = make_person(), make_person()
    for person in (leaver, author):
        groups.join_group(group, by=person)
    secret = make_board(name="Insiders", visibility=Visibility.GROUP, group=group)
    services.follow(secret, by=leaver)
    with django_capture_on_commit_callbacks() as callbacks:
        services.create_topic(secret, kind="discussion", title="Roadmap", body="Q3", by=author)
    groups.leave_group(group, by=leaver)
    for callback in callbacks:
        callback()
    assert mailoutbox == []


def test_old_notifications_stay_out_of_a_digest(deliver, question, asker, answerer, mailoutbox):
    services.set_email_mode("daily", by=asker)
    deliver(services.create_reply, question, body="Answer", by=answerer)
    assert send_digests(now=timezone.now() + timedelta(days=3)).emails == 0


def test_one_click_unsubscribe_needs_no_login_and_a_get_changes_nothing(asker):
    client = Client(enforce_csrf_checks=True)
    url = f"/community/unsubscribe/{unsubscribe_token(asker)}/"
    page = client.get(url)
    assert page.status_code == 200 and not EmailPreference.objects.exists()
    assert client.post(url).status_code == 200  # what a mail client's one-click does (no CSRF)
    assert EmailPreference.objects.get(member=asker).mode == "off"


def test_a_forged_unsubscribe_token_is_refused(client, asker):
    token = unsubscribe_token(asker)
    assert client.post(f"/community/unsubscribe/{token[:-2]}xx/").status_code == 400
    assert not EmailPreference.objects.exists()
