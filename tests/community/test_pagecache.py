"""Signed-out visitors get cached topic and board pages that are never stale, and signed-in
visitors never get a page from that cache."""

from __future__ import annotations

from django.test import Client

from townhall.community import services
from townhall.community.models import Board, Visibility
from townhall.community.pagecache import HIT_HEADER

from .conftest import login


def visit(client: Client, url: str) -> tuple[str, str]:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), response.get(HIT_HEADER, "")


def test_a_signed_out_visitor_gets_the_second_view_of_a_topic_from_the_cache(client, question):
    url = question.get_absolute_url()
    assert visit(client, url)[1] == "miss"
    assert visit(client, url)[1] == "hit"
    assert visit(Client(), url)[1] == "hit"


def test_a_new_reply_is_visible_to_signed_out_visitors_at_once(client, question, answerer):
    url = question.get_absolute_url()
    visit(client, url)
    services.create_reply(question, body="Try turning it off and on.", by=answerer)
    html, state = visit(client, url)
    assert state == "miss" and "Try turning it off and on." in html


def test_an_edited_reply_a_solution_and_a_like_each_refresh_the_cached_page(
    client, question, answer, answerer, asker
):
    url = question.get_absolute_url()
    visit(client, url)
    services.edit_reply(answer, body="Use the reset link in the email.", by=answerer)
    assert "Use the reset link in the email." in visit(client, url)[0]
    services.accept_solution(question, answer, by=asker)
    assert "Accepted solution" in visit(client, url)[0]
    services.like(answer, by=asker)
    html = visit(client, url)[0]
    assert "♥ 1" in html
    services.unaccept_solution(question, by=asker)
    assert "Accepted solution" not in visit(client, url)[0]


def test_votes_and_status_changes_refresh_the_idea_and_its_board(
    client, idea, board, make_person, employee
):
    url, board_url = idea.get_absolute_url(), f"/community/b/{board.slug}/"
    visit(client, url), visit(client, board_url)
    services.vote(idea, by=make_person())
    assert "<strong>1</strong> vote" in visit(client, url)[0]
    assert "<dd>1</dd>" in visit(client, board_url)[0]
    services.set_idea_status(idea, "planned", comment="On the roadmap for May.", by=employee)
    html = visit(client, url)[0]
    assert "On the roadmap for May." in html and "Status: Planned" in html
    assert "Planned" in visit(client, board_url)[0]


def test_a_new_topic_appears_on_its_board_and_its_parents_board_at_once(
    client, board, make_board, asker
):
    child = make_board(name="Child", parent=board)
    urls = [f"/community/b/{board.slug}/", f"/community/b/{child.slug}/"]
    for url in urls:
        visit(client, url)
    services.create_topic(child, kind="question", title="Fresh question", body="", by=asker)
    for url in urls:
        html, state = visit(client, url)
        assert state == "miss" and "Fresh question" in html


def test_board_filters_are_cached_separately(client, board, make_topic):
    make_topic(kind="idea", title="An idea")
    make_topic(kind="question", title="A question")
    ideas = visit(client, f"/community/b/{board.slug}/?kind=idea")[0]
    everything = visit(client, f"/community/b/{board.slug}/")[0]
    assert "A question" not in ideas and "A question" in everything


def test_signed_in_pages_are_never_served_from_or_stored_in_the_anonymous_cache(
    client, question, make_person
):
    url = question.get_absolute_url()
    visit(client, url)
    visit(client, url)  # cached now
    reader = make_person(name="Rita Reader")
    signed_in = Client()
    login(signed_in, reader)
    html, state = visit(signed_in, url)
    assert state == "member-miss"  # not the signed-out cache: members' own (topic_cache.py)
    assert "Rita Reader" in html and "csrfmiddlewaretoken" in html
    anonymous = visit(Client(), url)[0]
    assert "Rita Reader" not in anonymous and "csrfmiddlewaretoken" not in anonymous


def test_a_signed_in_visitors_page_never_reaches_the_next_signed_out_visitor(question, make_person):
    url = question.get_absolute_url()
    signed_in = Client()
    login(signed_in, make_person(name="Sam Signedin"))
    visit(signed_in, url)
    html, state = visit(Client(), url)
    assert state == "miss" and "Sam Signedin" not in html and "csrfmiddlewaretoken" not in html


def test_a_signed_out_idea_page_has_no_form_so_it_can_be_cached(client, idea):
    html, _ = visit(client, idea.get_absolute_url())
    assert "csrfmiddlewaretoken" not in html and "Log in</a> to vote" in html
    assert visit(client, idea.get_absolute_url())[1] == "hit"


def test_a_visitor_with_a_flash_message_gets_a_fresh_page_that_is_not_stored(
    client, question, make_person
):
    url = question.get_absolute_url()
    person = make_person()
    login(client, person)
    client.post("/accounts/logout/")  # leaves "You have signed out." for the next page
    assert visit(client, url)[1] == ""
    assert visit(Client(), url)[1] == "miss"


def test_a_board_made_private_stops_serving_its_cached_pages(client, question, board):
    url = question.get_absolute_url()
    visit(client, url)
    visit(client, url)
    Board.objects.filter(pk=board.pk).update(visibility=Visibility.EMPLOYEES)
    assert client.get(url).status_code == 404
    assert client.get(f"/community/b/{board.slug}/").status_code == 404


def test_the_cache_can_be_turned_off(client, question, settings):
    settings.COMMUNITY_PAGE_CACHE_SECONDS = 0
    url = question.get_absolute_url()
    visit(client, url)
    assert visit(client, url)[1] == ""
