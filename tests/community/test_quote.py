"""The Quote button: the reply box pre-filled from a post's Markdown, only for posts the
member may read and that are published (townhall/community/quoting.py)."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from django.db.models import F
from django.test import Client

from townhall.community.models import ModerationState, Notification, Reply, Visibility
from townhall.community.services import create_reply, create_topic, hide, lock_topic

from .conftest import login

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"


def _reply_box(response) -> str:
    page = response.content.decode()
    found = re.search(r'<textarea name="body"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, "no reply box"
    return html.unescape(found.group(1)).replace("\r\n", "\n").strip("\n")


def _get(client: Client, url: str):
    return client.get(url, HTTP_USER_AGENT=BROWSER)


def test_quote_fills_the_reply_box_with_the_reply_under_a_mention_of_its_author(
    client, question, answerer, make_person
):
    reply = create_reply(question, body="Use the link.\n\nThen **sign in** again.", by=answerer)
    login(client, make_person())
    response = _get(client, f"{question.get_absolute_url()}?quote={reply.pk}")
    assert response.status_code == 200
    assert _reply_box(response) == (
        "@[Bo Answerer] wrote:\n> Use the link.\n>\n> Then **sign in** again."
    )


def test_quote_topic_fills_the_reply_box_with_the_opening_post(client, question, make_person):
    login(client, make_person())
    response = _get(client, f"{question.get_absolute_url()}?quote=topic")
    assert _reply_box(response) == "@[Ana Asker] wrote:\n> I tried **everything**."


def test_a_hidden_reply_is_never_quoted_not_even_for_a_moderator(
    client, question, answer, moderator, make_person
):
    hide(answer, reason="rude", by=moderator)
    for who in (make_person(), moderator):
        login(client, who)
        response = _get(client, f"{question.get_absolute_url()}?quote={answer.pk}")
        assert response.status_code == 200
        assert _reply_box(response) == ""
        assert "That post cannot be quoted" in response.content.decode()
        assert client.get(f"/community/t/{question.pk}/quote/?post={answer.pk}").status_code == 404


def test_a_held_reply_is_not_quoted_even_by_its_author(
    client, question, answerer, moderation_rules
):
    held = create_reply(question, body="casino free money https://win.example", by=answerer)
    assert held.moderation == ModerationState.HELD
    login(client, answerer)
    assert _reply_box(_get(client, f"{question.get_absolute_url()}?quote={held.pk}")) == ""
    assert client.get(f"/community/t/{question.pk}/quote/?post={held.pk}").status_code == 404


def test_a_post_on_a_board_the_member_cannot_read_is_never_quoted(
    client, question, make_board, make_group, employee, make_person
):
    staff = make_board(name="Staff", slug="staff", visibility=Visibility.EMPLOYEES)
    secret = create_topic(
        staff, kind="discussion", title="Q3 plans", body="Secret plans", by=employee
    )
    inside = create_reply(secret, body="Top secret numbers", by=employee)
    reader = make_person()
    login(client, reader)
    # Asked for on a topic they can read, the other topic's reply is not quoted …
    response = _get(client, f"{question.get_absolute_url()}?quote={inside.pk}")
    assert "secret" not in _reply_box(response).lower()
    assert "Top secret" not in response.content.decode()
    # … and the topic itself (page and quote source) does not exist for them.
    assert _get(client, f"{secret.get_absolute_url()}?quote={inside.pk}").status_code == 404
    for post in (inside.pk, "topic"):
        assert client.get(f"/community/t/{secret.pk}/quote/?post={post}").status_code == 404
    assert client.get(f"/community/t/{question.pk}/quote/?post=nonsense").status_code == 404


def test_the_quote_source_answers_the_attribution_and_the_markdown(client, question, answer):
    login(client, question.author)
    data = client.get(f"/community/t/{question.pk}/quote/?post={answer.pk}").json()
    assert data == {
        "post": str(answer.pk),
        "attribution": "@[Bo Answerer] wrote:",
        "markdown": "@[Bo Answerer] wrote:\n> Use the *Forgot password* link.\n\n",
    }
    assert Client().get(f"/community/t/{question.pk}/quote/?post={answer.pk}").status_code == 302


def test_an_ambiguous_name_is_quoted_as_plain_text_that_mentions_nobody(
    client, question, make_person
):
    alex = make_person(name="Alex")
    make_person(name="alex")  # a second Alex: "@Alex" would mention nobody, or the wrong one
    odd = make_person(name="Ro @Bo")
    make_person(name="Ro @Bo")
    bo = make_person(name="Bo")
    first = create_reply(question, body="One", by=alex)
    second = create_reply(question, body="Two", by=odd)
    login(client, make_person())
    assert _reply_box(_get(client, f"{question.get_absolute_url()}?quote={first.pk}")) == (
        "Alex wrote:\n> One"
    )
    box = _reply_box(_get(client, f"{question.get_absolute_url()}?quote={second.pk}"))
    assert box == "Ro \\@Bo wrote:\n> Two"
    create_reply(question, body=box, by=alex)
    assert not Notification.objects.filter(recipient=bo, verb="mention").exists()


def test_posting_a_quote_tells_the_quoted_author_once_and_nobody_mentioned_inside_it(
    client, question, answerer, make_person
):
    mentioned = make_person(name="Cy Mentioned")
    reply = create_reply(question, body="Ask @[Cy Mentioned] about it.", by=answerer)
    assert Notification.objects.filter(recipient=mentioned, verb="mention").count() == 1
    quoter = make_person(name="Dee Quoter")
    login(client, quoter)
    body = _reply_box(_get(client, f"{question.get_absolute_url()}?quote={reply.pk}"))
    quoting = create_reply(question, body=body + "\n\nThanks!", by=quoter)
    assert Notification.objects.filter(recipient=mentioned, verb="mention").count() == 1
    assert Notification.objects.filter(recipient=answerer, verb="mention", reply=quoting).exists()
    assert "<blockquote>" in quoting.body_html
    assert f'href="/members/{mentioned.pk}/"' in quoting.body_html  # still linked
    assert "\\@Bo" not in create_reply(question, body="\\@Bo hi", by=quoter).body_html


def test_quote_buttons_are_for_members_who_may_reply_and_survive_the_shared_skeleton(
    client, question, answer, make_person, moderator
):
    # A day old: the skeleton is kept until a reply's "… ago" would read differently.
    Reply.objects.filter(pk=answer.pk).update(created_at=F("created_at") - timedelta(days=1))
    url = question.get_absolute_url()
    signed_out = _get(Client(), url).content.decode()
    assert "data-quote=" not in signed_out and "quote.js" not in signed_out
    first = Client()
    login(first, make_person())
    assert _get(first, url)["X-Townhall-Cache"] == "member-miss"
    second = Client()
    login(second, make_person())
    again = _get(second, url)
    assert again["X-Townhall-Cache"] == "member-hit"
    page = again.content.decode()
    assert f'data-quote="{answer.pk}"' in page and 'data-quote="topic"' in page
    assert f'href="/community/t/{question.pk}/?quote={answer.pk}#reply-form"' in page
    assert 'Quote<span class="visually-hidden"> the reply by Bo Answerer</span>' in page
    # A ?quote= page is the member's own: never from (or into) the skeleton.
    quoted = _get(second, f"{url}?quote={answer.pk}")
    assert quoted.get("X-Townhall-Cache") is None
    # A locked topic takes no replies: no Quote buttons (a new version, a new skeleton).
    lock_topic(question, reason="done", by=moderator)
    locked = _get(second, url).content.decode()
    assert "data-quote=" not in locked


@pytest.mark.parametrize("text", ["> quoted @[Cy]\nlazy @[Cy]\n\n@[Dee] outside", ""])
def test_mentions_inside_quotes_are_not_counted_as_outside(text):
    from townhall.community.markdown import mention_names

    names = mention_names(text, in_quotes=False)
    assert names == (["Dee"] if text else [])
