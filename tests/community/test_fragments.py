"""Cached reply fragments: every viewer sees their own controls and their own CSRF token,
and any change to a reply shows at once, however warm the cache."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from townhall.community import fragments
from townhall.community.models import Reply
from townhall.community.services import accept_solution, create_reply, edit_reply, hide, like

from .conftest import login


def page(client, topic):
    response = client.get(f"/community/t/{topic.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def reply_html(html, reply):
    match = re.search(
        rf'<article class="reply[^"]*" id="reply-{reply.pk}".*?</article>', html, re.S
    )
    assert match, f"reply {reply.pk} not on the page"
    return match.group(0)


@pytest.fixture
def thread(question, answer, answerer, asker):
    second = create_reply(question, body="Another idea: restart it.", by=asker)
    return question, answer, second


def test_each_viewer_gets_their_own_controls_from_a_warm_cache(
    client, thread, asker, answerer, moderator, make_person
):
    question, answer, _ = thread
    login(client, answerer)
    own = reply_html(page(client, question), answer)
    assert "Edit" in own and "Flag" not in own and "disabled" in own  # no liking your own
    other = Client()
    login(other, asker)
    theirs = reply_html(page(other, question), answer)  # same reply, cache now warm
    assert "Flag" in theirs and "Accept as solution" in theirs and "Edit<" not in theirs
    assert 'aria-pressed="false"' in theirs
    like(answer, by=asker)
    assert 'aria-pressed="true"' in reply_html(page(other, question), answer)
    fan, reader = make_person(name="Fay Fan"), make_person(name="Rae Reader")  # same rights
    like(answer, by=fan)
    fan_client, reader_client = Client(), Client()
    login(fan_client, fan)
    login(reader_client, reader)
    assert 'aria-pressed="true"' in reply_html(page(fan_client, question), answer)
    assert 'aria-pressed="false"' in reply_html(page(reader_client, question), answer)
    mod = Client()
    login(mod, moderator)
    assert "Moderate" in reply_html(page(mod, question), answer)
    assert "Moderate" not in reply_html(page(other, question), answer)


def test_the_csrf_token_in_a_cached_fragment_is_the_viewers_own(thread, asker, answerer):
    question, answer, _ = thread
    first = Client(enforce_csrf_checks=True)
    login(first, answerer)
    page(first, question)  # warms the cache with the first viewer's page
    second = Client(enforce_csrf_checks=True)
    login(second, asker)
    html = reply_html(page(second, question), answer)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    assert fragments.CSRF_PLACEHOLDER not in html
    response = second.post(f"/community/r/{answer.pk}/like/", {"csrfmiddlewaretoken": token})
    assert response.status_code in (200, 302)
    assert Reply.objects.get(pk=answer.pk).like_count == 1


def test_edits_solutions_and_moderation_show_at_once(client, thread, asker, moderator):
    question, answer, second = thread
    login(client, asker)
    page(client, question)
    edit_reply(second, body="Restart it, then clear the cache.", by=asker)
    assert "clear the cache" in reply_html(page(client, question), second)
    accept_solution(question, answer, by=asker)
    assert "Accepted solution" in reply_html(page(client, question), answer)
    hide(second, reason="off topic", by=moderator)
    assert "clear the cache" not in page(client, question)


def test_a_signed_out_visitor_gets_no_csrf_cookie(client, thread):
    question, _, _ = thread
    page(client, question)
    response = client.get(f"/community/t/{question.pk}/")
    assert "csrftoken" not in response.cookies


def test_relative_times_change_bucket_when_their_words_would():
    from datetime import UTC, datetime, timedelta

    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    bucket = fragments.age_bucket
    assert bucket(now - timedelta(seconds=5), now) != bucket(now - timedelta(seconds=6), now)
    assert bucket(now - timedelta(minutes=5, seconds=1), now) == bucket(
        now - timedelta(minutes=5, seconds=50), now
    )
    assert bucket(now - timedelta(hours=30, minutes=1), now) == bucket(
        now - timedelta(hours=30, minutes=59), now
    )
    assert bucket(now - timedelta(hours=30), now) != bucket(now - timedelta(hours=31), now)


def test_naturaltime_reads_the_same_within_a_bucket_and_next_change_is_its_end(monkeypatch):
    """Walk "now" forward over 400 days in uneven steps: wherever the bucket stays the
    same, naturaltime's words stay the same; `next_change` is where the bucket ends."""
    from datetime import UTC, datetime, timedelta

    from django.contrib.humanize.templatetags import humanize

    created = datetime(2026, 1, 31, 23, 59, 30, tzinfo=UTC)
    clock = {"now": created}

    class FrozenDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return clock["now"]

    monkeypatch.setattr(humanize, "datetime", FrozenDatetime)
    now, step, previous = created, timedelta(seconds=0.7), None
    checked = 0
    while now < created + timedelta(days=400):
        clock["now"] = now
        current = (fragments.age_bucket(created, now), humanize.naturaltime(created))
        if previous is not None and previous[0] == current[0]:
            assert previous[1] == current[1], (now, previous, current)
            checked += 1
        end = fragments.next_change(created, now)
        assert end > now
        assert fragments.age_bucket(created, end - timedelta(microseconds=1)) == current[0]
        assert fragments.age_bucket(created, end) != current[0]
        previous = current
        step = min(step * 1.01, timedelta(hours=7, minutes=13))
        now += step
    assert checked > 500
