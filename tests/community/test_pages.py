"""Community pages: index, board, topic, new topic, queue, notifications and the actions."""

from __future__ import annotations

from townhall.community.models import Like, Topic, Vote
from townhall.community.services import accept_solution, create_reply, set_idea_status

from .conftest import login

HTMX = {"HX-Request": "true"}


def test_the_board_index_lists_boards_with_sub_boards(client, make_board):
    top = make_board(name="Products")
    make_board(name="Mobile app", parent=top)
    page = client.get("/community/").content.decode()
    assert "Products" in page and "Mobile app" in page


def test_the_board_page_filters_by_kind_solved_and_tag(client, board, make_topic, answerer, asker):
    solved = make_topic(title="Solved one", tags=["billing"])
    accept_solution(solved, create_reply(solved, body="x", by=answerer), by=asker)
    make_topic(title="Open one")
    make_topic(kind="idea", title="An idea")
    url = f"/community/b/{board.slug}/"
    assert "An idea" not in client.get(url, {"kind": "question"}).content.decode()
    page = client.get(url, {"solved": "yes"}).content.decode()
    assert "Solved one" in page and "Open one" not in page
    page = client.get(url, {"tag": "billing"}).content.decode()
    assert "Solved one" in page and "Open one" not in page


def test_the_topic_page_pins_the_solution_and_official_response_under_the_question(
    client, question, answer, asker, employee
):
    from townhall.community.services import mark_official_response

    official = create_reply(question, body="Official word", by=employee)
    mark_official_response(official, by=employee)
    accept_solution(question, answer, by=asker)
    page = client.get(f"/community/t/{question.pk}/").content.decode()
    assert page.index("Solved") < page.index("<h1")
    assert page.index("Accepted solution</h2>") < page.index("Official response</h2>")
    assert page.index("Official response</h2>") < page.index("replies</h2>")
    assert "Employee" in page


def test_a_visitor_sees_a_login_link_instead_of_the_reply_form(client, question):
    page = client.get(f"/community/t/{question.pk}/").content.decode()
    assert "Log in</a> to reply" in page


def test_the_new_topic_form_offers_only_the_kinds_the_board_allows(client, make_board, asker):
    ideas = make_board(name="Ideas", kinds=["idea", "article"])
    login(client, asker)
    page = client.get(f"/community/b/{ideas.slug}/new/").content.decode()
    assert 'value="idea"' in page
    assert 'value="question"' not in page and 'value="article"' not in page  # articles: team


def test_asking_replying_and_accepting_through_the_forms(client, board, asker, answerer):
    login(client, asker)
    response = client.post(
        f"/community/b/{board.slug}/new/",
        {"kind": "question", "title": "Printer offline?", "body": "Help", "tags": "printers"},
    )
    topic = Topic.objects.get(title="Printer offline?")
    assert response["Location"] == f"/community/t/{topic.pk}/"
    login(client, answerer)
    client.post(f"/community/t/{topic.pk}/reply/", {"body": "Restart it"})
    reply = topic.replies.get()
    login(client, asker)
    client.post(f"/community/r/{reply.pk}/accept/")
    topic.refresh_from_db()
    assert topic.solution == reply


def test_a_refused_action_shows_its_reason(client, question, answer, make_person):
    login(client, make_person())
    response = client.post(f"/community/r/{answer.pk}/accept/", follow=True)
    assert "Only the asker" in response.content.decode()


def test_liking_a_reply_with_htmx_returns_the_updated_button(client, answer, asker):
    login(client, asker)
    response = client.post(f"/community/r/{answer.pk}/like/", headers=HTMX)
    html = response.content.decode()
    assert 'aria-pressed="true"' in html and "<html" not in html
    assert Like.objects.filter(member=asker, reply=answer).exists()
    client.post(f"/community/r/{answer.pk}/like/", headers=HTMX)
    assert not Like.objects.filter(member=asker, reply=answer).exists()


def test_voting_works_without_javascript_and_with_htmx(client, idea, answerer):
    login(client, answerer)
    assert client.post(f"/community/t/{idea.pk}/vote/").status_code == 302
    assert Vote.objects.filter(topic=idea, member=answerer).exists()
    html = client.post(f"/community/t/{idea.pk}/vote/", headers=HTMX).content.decode()
    assert "Vote for this idea" in html and "0</strong> votes" in html


def test_the_team_changes_an_idea_status_from_the_page(client, idea, employee):
    login(client, employee)
    client.post(f"/community/t/{idea.pk}/status/", {"status": "planned", "comment": "Q3"})
    idea.refresh_from_db()
    assert idea.idea_status == "planned"
    page = client.get(f"/community/t/{idea.pk}/").content.decode()
    assert "Status: Planned" in page


def test_the_queue_is_for_the_team_only(client, question, employee, asker):
    login(client, asker)
    assert client.get("/community/queue/").status_code == 403
    login(client, employee)
    page = client.get("/community/queue/", {"tab": "unanswered"}).content.decode()
    assert question.title in page


def test_notifications_list_and_mark_read(client, question, answerer, asker):
    create_reply(question, body="Hi", by=answerer)
    login(client, asker)
    page = client.get("/community/notifications/").content.decode()
    assert "replied to your topic" in page and '1<span class="visually-hidden"> unread' in page
    client.post("/community/notifications/read/")
    assert "Mark all as read" not in client.get("/community/notifications/").content.decode()


def test_reply_edit_and_history_pages(client, answer, answerer):
    login(client, answerer)
    client.post(f"/community/r/{answer.pk}/edit/", {"body": "Edited text"})
    page = client.get(f"/community/r/{answer.pk}/history/").content.decode()
    assert "Edited text" in page and "Forgot password" in page


def test_article_pages_edit_revisions_and_helpful(client, board, employee, asker):
    from townhall.community.services import create_topic

    article = create_topic(board, kind="article", title="Guide", body="v1", by=employee)
    login(client, employee)
    client.post(f"/community/t/{article.pk}/edit/", {"title": "Guide", "body": "v2"})
    assert "Revision 2" in client.get(f"/community/t/{article.pk}/revisions/").content.decode()
    login(client, asker)
    client.post(f"/community/t/{article.pk}/helpful/", {"helpful": "yes"})
    article.refresh_from_db()
    assert article.helpful_yes == 1


def test_the_group_page_shows_the_groups_boards_to_its_members(
    client, make_group, make_board, make_person, manager
):
    from townhall.community.models import Visibility
    from townhall.groups.models import Privacy
    from townhall.groups.services import approve_request, request_to_join

    group = make_group(name="Pilots", privacy=Privacy.PRIVATE)
    make_board(name="Pilot feedback", visibility=Visibility.GROUP, group=group)
    person = make_person()
    login(client, person)
    assert "Pilot feedback" not in client.get(f"/groups/{group.slug}/").content.decode()
    approve_request(request_to_join(group, by=person), by=manager)
    assert "Pilot feedback" in client.get(f"/groups/{group.slug}/").content.decode()


def test_idea_status_history_is_shown_as_official_comments(client, idea, employee):
    set_idea_status(idea, "under_review", comment="Looking into it", by=employee)
    page = client.get(f"/community/t/{idea.pk}/").content.decode()
    assert "Looking into it" in page and "Under review" in page
