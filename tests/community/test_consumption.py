"""Consumption signals: unique topic views a day (bots left out), `viewed` activities, and
"This solved my problem too"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from townhall.community.models import SolvedToo, Topic, TopicView
from townhall.community.services import (
    accept_solution,
    create_reply,
    create_topic,
    mark_solved_too,
    rate_article,
    record_topic_view,
    record_view_activities,
    unmark_solved_too,
)
from townhall.community.services.consumption import is_bot_agent, viewer_key
from townhall.core.models import Activity, Member

from .conftest import login

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"
HTMX = {"HX-Request": "true"}
NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def views_of(topic: Topic) -> int:
    return Topic.objects.get(pk=topic.pk).view_count


def view(topic: Topic, member: Member | None = None, *, at: datetime = NOON, **visitor) -> bool:
    key = viewer_key(member=member, **visitor)
    return record_topic_view(topic, key=key, member=member, user_agent=BROWSER, now=at)


def test_a_member_counts_once_a_day(question, answerer):
    view(question, answerer)
    view(question, answerer, at=NOON + timedelta(hours=3))
    assert views_of(question) == 1
    view(question, answerer, at=NOON + timedelta(days=1))
    assert views_of(question) == 2


def test_visitors_count_by_session_or_by_address_and_browser(question):
    view(question, session_key="abc")
    view(question, session_key="abc")
    view(question, session_key="def")
    view(question, ip="203.0.113.9", user_agent=BROWSER)
    view(question, ip="203.0.113.9", user_agent=BROWSER)
    view(question, ip="203.0.113.10", user_agent=BROWSER)
    assert views_of(question) == 4
    keys = list(TopicView.objects.values_list("viewer_key", flat=True))
    assert all(k.startswith("a:") and "203.0.113" not in k and "abc" not in k for k in keys)


def test_bots_and_the_author_are_not_counted(question, asker, make_person):
    for agent in ("Googlebot/2.1 (+http://www.google.com/bot.html)", "curl/8.0", "", "Slackbot"):
        assert not record_topic_view(question, key="a:x", user_agent=agent, now=NOON)
    robot = make_person()
    Member.objects.filter(pk=robot.pk).update(is_bot=True)
    robot.refresh_from_db()
    assert not view(question, robot)
    assert not view(question, asker)  # the asker reading their own question
    assert views_of(question) == 0
    assert not is_bot_agent(BROWSER)


def test_the_topic_page_counts_a_view_and_shows_the_count(client, question, answerer):
    login(client, answerer)
    client.get(f"/community/t/{question.pk}/", HTTP_USER_AGENT=BROWSER)
    page = client.get(f"/community/t/{question.pk}/", HTTP_USER_AGENT=BROWSER).content.decode()
    assert views_of(question) == 1 and "1 view" in page
    client.get(f"/community/t/{question.pk}/", HTTP_USER_AGENT="Bingbot/2.0")
    client.head(f"/community/t/{question.pk}/", HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="10.0.0.9")
    assert views_of(question) == 1


def test_the_board_page_shows_view_counts(client, board, question, answerer):
    view(question, answerer)
    page = client.get(f"/community/b/{board.slug}/").content.decode()
    assert "<dt>Views</dt><dd>1</dd>" in page


def test_members_views_become_viewed_activities_once(question, answerer, asker):
    view(question, answerer)
    view(question, answerer, at=NOON + timedelta(days=1))
    view(question, session_key="visitor")
    assert record_view_activities() == 2
    assert record_view_activities() == 0
    viewed = Activity.objects.filter(kind__slug="viewed").order_by("occurred_at")
    assert [(a.member_id, a.target_member_id) for a in viewed] == [(answerer.pk, asker.pk)] * 2
    assert viewed[0].occurred_at == NOON
    assert viewed[0].external_id == f"view:{question.pk}:{answerer.pk}:2026-03-02"


def test_the_views_command_records_them(question, answerer, capsys):
    view(question, answerer)
    call_command("community", "views")
    assert "views recorded as activities: 1" in capsys.readouterr().out


# --- This solved my problem too ------------------------------------------------------------


@pytest.fixture
def solved(question, answer, asker) -> Topic:
    return accept_solution(question, answer, by=asker)


def test_solved_too_counts_one_per_member_and_can_be_undone(solved, make_person):
    reader, other = make_person(), make_person()
    assert mark_solved_too(solved, by=reader) == 1
    assert mark_solved_too(solved, by=reader) == 1
    assert mark_solved_too(solved, by=other) == 2
    assert unmark_solved_too(solved, by=reader) == 1
    assert unmark_solved_too(solved, by=reader) == 1
    assert Topic.objects.get(pk=solved.pk).solved_too_count == 1
    assert list(SolvedToo.objects.values_list("member_id", flat=True)) == [other.pk]


def test_solved_too_records_an_activity_for_the_solution_author(solved, answerer, make_person):
    reader = make_person()
    mark_solved_too(solved, by=reader)
    unmark_solved_too(solved, by=reader)
    mark_solved_too(solved, by=reader)
    activity = Activity.objects.get(kind__slug="solved-too")
    assert (activity.member_id, activity.target_member_id) == (reader.pk, answerer.pk)
    assert activity.external_id == f"solved-too:{solved.pk}:{reader.pk}"


def test_solved_too_is_refused_to_the_asker_and_on_unsolved_questions(
    solved, asker, make_topic, make_person
):
    with pytest.raises(PermissionDenied):
        mark_solved_too(solved, by=asker)
    with pytest.raises(ValidationError):
        mark_solved_too(make_topic(title="Still open"), by=make_person())


def test_the_topic_page_offers_solved_too_to_readers_but_not_the_asker(
    client, solved, asker, make_person
):
    url = f"/community/t/{solved.pk}/"
    page = client.get(url).content.decode()
    assert "This solved my problem too</button>" not in page
    assert '"solved-too__count">0</span> people say' in page
    login(client, asker)
    assert "This solved my problem too</button>" not in client.get(url).content.decode()
    login(client, make_person())
    assert "This solved my problem too</button>" in client.get(url).content.decode()


def test_the_solved_too_button_toggles_in_place_with_htmx(client, solved, make_person):
    login(client, make_person())
    url = f"/community/t/{solved.pk}/solved-too/"
    body = client.post(url, headers=HTMX).content.decode()
    assert body.startswith('<section class="solved-too"') and 'aria-pressed="true"' in body
    assert '"solved-too__count">1</span> person says' in body
    body = client.post(url, headers=HTMX).content.decode()
    assert 'aria-pressed="false"' in body and ">0</span> people say" in body
    assert client.post(url).status_code == 302  # without JavaScript: back to the topic


def test_was_this_helpful_records_an_activity_for_the_article_author(
    make_board, employee, make_person
):
    board = make_board(name="Docs")
    article = create_topic(board, kind="article", title="Guide", body="Steps", by=employee)
    reader = make_person()
    rate_article(article, helpful=True, by=reader)
    activity = Activity.objects.get(kind__slug="article_feedback")
    assert (activity.member_id, activity.target_member_id) == (reader.pk, employee.pk)
    assert activity.properties == {"helpful": True}


def test_a_reply_does_not_count_as_a_view(question, answerer):
    create_reply(question, body="An answer", by=answerer)
    assert views_of(question) == 0
