"""The bell, the member's dashboard, following from pages, and email settings."""

from __future__ import annotations

from townhall.community import services
from townhall.community.models import EmailPreference, Subscription

from .conftest import login


def test_the_header_bell_shows_the_unread_count_on_every_page(client, question, asker, answerer):
    services.create_reply(question, body="Answer", by=answerer)
    login(client, asker)
    page = client.get("/members/").content.decode()
    assert "site-nav__bell" in page and '1<span class="visually-hidden"> unread' in page


def test_the_bell_costs_no_query_for_visitors_who_are_not_signed_in(
    client, question, django_assert_num_queries
):
    # the page cache's versions, then the topic page's own queries, as before
    with django_assert_num_queries(4):
        page = client.get(question.get_absolute_url()).content.decode()
    assert "site-nav__bell" not in page


def test_the_dashboard_shows_my_topics_follows_notifications_and_reputation_in_11_queries(
    client, make_topic, asker, answerer, manager, django_assert_num_queries
):
    for n in range(5):
        topic = make_topic(title=f"Mine {n}", by=answerer)
        services.create_reply(topic, body="Bump", by=asker)
        reply = services.create_reply(topic, body="Answer", by=answerer)
        services.like(reply, by=asker)
    services.grant_mvp(answerer, reason="Always there", by=manager)
    login(client, answerer)
    # session, user, viewer; topics, subscriptions, notifications, total, badges, MVP,
    # ledger, email choice; the bell's unread count
    with django_assert_num_queries(12):
        page = client.get("/community/me/").content.decode()
    assert page.count("Mine ") >= 10  # in my topics and in what I follow
    assert "10 points" not in page and ">10<" in page  # 5 likes × 2
    assert "Always there" in page and "Someone liked your reply" in page


def test_following_and_unfollowing_a_board_from_its_page(client, board, make_person):
    person = make_person()
    login(client, person)
    page = client.get(f"/community/b/{board.slug}/").content.decode()
    assert 'name="board" value="help"' in page and "Following" not in page
    client.post("/community/follow/", {"board": board.slug, "next": f"/community/b/{board.slug}/"})
    assert Subscription.objects.filter(member=person, board=board).exists()
    assert "Following" in client.get(f"/community/b/{board.slug}/").content.decode()
    response = client.post(
        "/community/follow/", {"board": board.slug, "follow": "0", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/community/me/"  # never back to another site
    assert not Subscription.objects.filter(member=person).exists()


def test_a_member_picks_the_daily_digest_on_the_email_settings_page(client, asker):
    login(client, asker)
    assert "Right away" in client.get("/community/me/email/").content.decode()
    client.post("/community/me/email/", {"mode": "daily"})
    assert EmailPreference.objects.get(member=asker).mode == "daily"
    client.post("/community/me/email/", {"mode": "hourly"})
    assert EmailPreference.objects.get(member=asker).mode == "daily"


def test_the_leaderboard_page_runs_2_queries_however_many_rows(
    client, make_topic, answerer, make_person, django_assert_num_queries
):
    for n in range(6):
        fan = make_person()
        reply = services.create_reply(make_topic(title=f"Q{n}"), body="A", by=make_person())
        services.like(reply, by=fan)
    # the board menu, the rows (with totals and MVP flags as subqueries)
    with django_assert_num_queries(2):
        page = client.get("/community/leaderboard/?period=all").content.decode()
    assert page.count('<th scope="row">') == 6
