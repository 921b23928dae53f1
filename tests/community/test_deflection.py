"""The self-service signal: a member opens a suggested question from the new-question form
and then posts nothing within the window — recorded once as `self-served`. Time is
controlled by passing `now` to the verbs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from townhall.community.models import DraftSession, DraftState
from townhall.community.services import (
    close_draft,
    create_topic,
    open_suggestion,
    record_deflections,
)
from townhall.community.services.deflection import deflection_window, new_draft_token
from townhall.core.models import Activity

from .conftest import login

T0 = timezone.now().replace(microsecond=0)
WINDOW = timedelta(minutes=30)


@pytest.fixture
def suggested(make_topic, answerer):
    return make_topic(title="Sync stops at 99%", by=answerer)


@pytest.fixture
def writer(make_person):
    return make_person(name="Wanda Writer")


def self_served() -> list[Activity]:
    return list(Activity.objects.filter(kind__slug="self-served"))


def test_the_window_is_a_setting():
    assert deflection_window() == WINDOW
    with override_settings(COMMUNITY_DEFLECTION_WINDOW_MINUTES=5):
        assert deflection_window() == timedelta(minutes=5)


def test_an_abandoned_draft_is_recorded_once_after_the_window(suggested, writer, answerer):
    token = new_draft_token(writer)
    open_suggestion(token, suggested, by=writer, now=T0)
    assert record_deflections(now=T0 + WINDOW - timedelta(seconds=1))["self_served"] == 0
    assert self_served() == []
    assert record_deflections(now=T0 + WINDOW)["self_served"] == 1
    assert record_deflections(now=T0 + 2 * WINDOW)["self_served"] == 0
    (activity,) = self_served()
    assert (activity.member_id, activity.target_member_id) == (writer.pk, answerer.pk)
    assert activity.occurred_at == T0 and activity.properties == {"opened": [suggested.pk]}
    assert DraftSession.objects.get().state == DraftState.SELF_SERVED


def test_opening_another_suggestion_extends_the_window_and_targets_the_last_one(
    suggested, writer, make_topic, employee
):
    other = make_topic(title="Sync stuck on Android", by=employee)
    token = new_draft_token(writer)
    open_suggestion(token, suggested, by=writer, now=T0)
    open_suggestion(token, other, by=writer, now=T0 + timedelta(minutes=20))
    assert record_deflections(now=T0 + WINDOW)["self_served"] == 0
    assert record_deflections(now=T0 + timedelta(minutes=50))["self_served"] == 1
    (activity,) = self_served()
    assert activity.target_member_id == employee.pk
    assert activity.properties == {"opened": [other.pk, suggested.pk]}


def test_posting_the_question_cancels_it(suggested, writer, board):
    token = new_draft_token(writer)
    open_suggestion(token, suggested, by=writer, now=T0)
    topic = create_topic(board, kind="question", title="Mine", body="", by=writer)
    assert close_draft(token, by=writer, topic=topic)
    assert record_deflections(now=T0 + WINDOW) == {"self_served": 0, "posted": 0, "empty": 0}
    assert self_served() == []
    assert DraftSession.objects.get().posted_topic == topic


def test_a_question_posted_from_another_form_in_the_window_also_cancels_it(
    suggested, writer, board
):
    open_suggestion(new_draft_token(writer), suggested, by=writer, now=T0)
    create_topic(board, kind="question", title="Asked anyway", body="", by=writer, occurred_at=T0)
    assert record_deflections(now=T0 + WINDOW)["posted"] == 1
    assert self_served() == []


def test_a_token_signed_for_someone_else_is_ignored(suggested, writer, make_person):
    token = new_draft_token(make_person())
    assert open_suggestion(token, suggested, by=writer, now=T0) is None
    assert open_suggestion("forged", suggested, by=writer, now=T0) is None
    assert not DraftSession.objects.exists()


def test_a_closed_draft_takes_no_more_opens(suggested, writer):
    token = new_draft_token(writer)
    open_suggestion(token, suggested, by=writer, now=T0)
    record_deflections(now=T0 + WINDOW)
    assert open_suggestion(token, suggested, by=writer, now=T0 + WINDOW) is None
    assert record_deflections(now=T0 + 3 * WINDOW)["self_served"] == 0


def test_the_deflections_command_prints_what_it_closed(suggested, writer, capsys):
    open_suggestion(new_draft_token(writer), suggested, by=writer, now=timezone.now() - 2 * WINDOW)
    call_command("community", "deflections")
    assert "1 self-served" in capsys.readouterr().out
    assert len(self_served()) == 1


def test_the_pages_carry_the_draft_from_form_to_suggestion_to_post(
    client, board, suggested, writer
):
    login(client, writer)
    page = client.get(f"/community/b/{board.slug}/new/").content.decode()
    token = page.split('name="draft" value="')[1].split('"')[0]
    fragment = client.get(
        f"/community/b/{board.slug}/similar/", {"title": "sync stops", "draft": token}
    ).content.decode()
    link = fragment.split('href="')[1].split('"')[0].replace("&amp;", "&")
    response = client.get(link)
    assert response.status_code == 302 and response["Location"] == suggested.get_absolute_url()
    draft = DraftSession.objects.get()
    assert draft.member == writer and draft.opens.get().topic == suggested
    client.post(
        f"/community/b/{board.slug}/new/",
        {"kind": "question", "title": "Sync still stops", "body": "", "draft": token},
    )
    draft.refresh_from_db()
    assert draft.state == DraftState.POSTED and draft.posted_topic.title == "Sync still stops"
