"""Reputation: points from what others do with a member's posts, a ledger that explains
and rebuilds the totals, ranks, badges awarded once, MVPs and leaderboards."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.management import call_command
from django.db.models import Sum

from townhall.community import services
from townhall.community.models import (
    MemberBadge,
    Mvp,
    Notification,
    ReputationEvent,
    ReputationTotal,
    Visibility,
)
from townhall.community.selectors_reputation import leaderboard
from townhall.community.services.reputation import points_table, rank_for
from townhall.core.models import Role

from .conftest import login


def total(member) -> int:
    return (
        ReputationTotal.objects.filter(member=member).values_list("points", flat=True).first() or 0
    )


def ledger_sum(member) -> int:
    return ReputationEvent.objects.filter(member=member).aggregate(s=Sum("points"))["s"] or 0


def test_a_liked_reply_earns_its_author_points_and_an_unlike_takes_them_back(
    answer, asker, answerer
):
    services.like(answer, by=asker)
    assert total(answerer) == 2
    services.unlike(answer, by=asker)
    assert total(answerer) == 0
    rows = list(ReputationEvent.objects.filter(member=answerer).order_by("id"))
    assert [(r.action, r.points) for r in rows] == [("reply_liked", 2), ("reply_liked", -2)]
    assert rows[0].actor == asker and total(asker) == 0


def test_accepting_ones_own_reply_as_the_solution_earns_nothing(question, asker):
    own = services.create_reply(question, body="Found it myself.", by=asker)
    services.accept_solution(question, own, by=asker)
    assert not ReputationEvent.objects.exists()


def test_a_replaced_or_withdrawn_solution_takes_its_points_back(
    question, asker, answerer, make_person
):
    other = make_person(name="Olga Other")
    first = services.create_reply(question, body="Try this.", by=answerer)
    second = services.create_reply(question, body="Or this.", by=other)
    services.accept_solution(question, first, by=asker)
    assert (total(answerer), total(other)) == (15, 0)
    services.accept_solution(question, second, by=asker)
    assert (total(answerer), total(other)) == (0, 15)
    services.unaccept_solution(question, by=asker)
    assert (total(answerer), total(other)) == (0, 0)


def test_votes_shipped_ideas_and_helpful_articles_earn_points_and_a_rebuild_agrees(
    idea, asker, answerer, employee, make_person, make_board
):
    voters = [make_person() for _ in range(2)]
    for voter in voters:
        services.vote(idea, by=voter)
    services.set_idea_status(idea, "shipped", comment="Out today.", by=employee)
    assert total(asker) == 2 * 2 + 25
    kb = make_board(name="KB", kinds=["article"])
    article = services.create_topic(kb, kind="article", title="Guide", body="Read me", by=employee)
    services.rate_article(article, helpful=True, by=answerer)
    services.rate_article(article, helpful=True, by=voters[0])
    services.rate_article(article, helpful=False, by=voters[0])  # changed their mind
    assert total(employee) == 3
    before = {m.pk: total(m) for m in [asker, employee, answerer, *voters]}
    assert all(ledger_sum(m) == total(m) for m in [asker, employee])

    call_command("community", "reputation", "--rebuild")

    assert {m.pk: total(m) for m in [asker, employee, answerer, *voters]} == before
    assert ReputationEvent.objects.filter(points__lt=0).count() == 0  # reversals folded away


def test_duplicate_merge_moves_vote_points_to_the_original_author(
    make_topic, make_person, employee
):
    author_a, author_b = make_person(), make_person()
    original = make_topic(kind="idea", title="Dark mode", by=author_a)
    duplicate = make_topic(kind="idea", title="Night mode", by=author_b)
    both, only_dup = make_person(), make_person()
    services.vote(original, by=both)
    services.vote(duplicate, by=both)
    services.vote(duplicate, by=only_dup)
    services.set_idea_status(
        duplicate, "duplicate", comment="Same.", by=employee, duplicate_of=original
    )
    assert (total(author_a), total(author_b)) == (4, 0)


def test_the_points_table_follows_the_setting_and_refuses_unknown_actions(
    settings, answer, asker, answerer
):
    settings.REPUTATION_POINTS = {"reply_liked": 5}
    assert points_table()["reply_liked"] == 5 and points_table()["solution_accepted"] == 15
    services.like(answer, by=asker)
    assert total(answerer) == 5
    settings.REPUTATION_POINTS = {"reply_likd": 5}
    with pytest.raises(ImproperlyConfigured, match="reply_likd"):
        points_table()


def test_ranks_follow_published_thresholds():
    assert rank_for(0).name == "Newcomer"
    assert rank_for(25).name == "Contributor"
    assert rank_for(299).name == "Regular"
    assert rank_for(10_000).name == "Legend"


def test_the_first_solution_badge_is_awarded_once_with_a_notification(make_topic, asker, answerer):
    for n in range(2):
        question = make_topic(title=f"Question {n}")
        reply = services.create_reply(question, body="Answer", by=answerer)
        services.accept_solution(question, reply, by=asker)
    assert list(MemberBadge.objects.filter(member=answerer).values_list("badge", flat=True)) == [
        "first_solution"
    ]
    notice = Notification.objects.get(recipient=answerer, verb="badge")
    assert notice.detail == "first_solution"


def test_writing_an_article_earns_the_author_badge(make_board, employee):
    kb = make_board(name="KB", kinds=["article"])
    services.create_topic(kb, kind="article", title="Guide", body="Read me", by=employee)
    assert MemberBadge.objects.filter(member=employee, badge="first_article").exists()


def test_only_community_managers_name_mvps_and_always_with_a_reason(manager, answerer, asker):
    with pytest.raises(PermissionDenied):
        services.grant_mvp(answerer, reason="Great answers", by=asker)
    with pytest.raises(ValidationError):
        services.grant_mvp(answerer, reason="  ", by=manager)
    mvp = services.grant_mvp(answerer, reason="Answers every SSO question", by=manager)
    assert services.grant_mvp(answerer, reason="again", by=manager) == mvp
    assert services.revoke_mvp(answerer, by=manager) == 1
    assert Mvp.objects.get().revoked_by == manager  # the history stays


def test_an_mvp_badge_shows_next_to_their_name_on_the_topic_page(client, answer, answerer, manager):
    services.grant_mvp(answerer, reason="Answers every SSO question", by=manager)
    page = client.get(answer.topic.get_absolute_url()).content.decode()
    assert page.count("badge--mvp") == 1  # the reply by the MVP, not the asker


def test_leaderboards_rank_by_points_in_the_period_and_leave_bots_out(
    make_topic, make_board, asker, answerer, make_person, django_assert_num_queries
):
    other_board = make_board(name="Other")
    bot = make_person(name="Helpful Bot")
    bot.is_bot = True
    bot.save(update_fields=["is_bot"])
    for author, board in [(answerer, None), (answerer, None), (bot, None), (asker, other_board)]:
        question = make_topic(title="Q", **({"board": board} if board else {}))
        reply = services.create_reply(question, body="A", by=author)
        liker = asker if author != asker else answerer
        if author == asker:
            question = make_topic(title="Q2", board=other_board, by=answerer)
            reply = services.create_reply(question, body="A", by=asker)
        services.like(reply, by=liker)
    ReputationEvent.objects.filter(member=asker).update(
        created_at=ReputationEvent.objects.get(member=asker).created_at - timedelta(days=40)
    )
    with django_assert_num_queries(1):
        rows = leaderboard(days=30)
    assert [(r.name, r.points) for r in rows] == [(str(answerer), 4)]
    assert [(r.name, r.points) for r in leaderboard(days=None)] == [
        (str(answerer), 4),
        (str(asker), 2),
    ]
    assert [r.name for r in leaderboard(board=other_board, days=None)] == [str(asker)]


def test_the_reputation_page_publishes_points_ranks_badges_and_mvps(client, manager, answerer):
    services.grant_mvp(answerer, reason="Answers every SSO question", by=manager)
    page = client.get("/community/reputation/").content.decode()
    for text in [
        "accepted as the solution",
        "Contributor",
        "First solution",
        "Problem solver",
        "Answers every SSO question",
    ]:
        assert text in page


def test_a_board_leaderboard_is_only_for_readers_of_the_board(client, make_board, make_person):
    staff = make_board(name="Staff", visibility=Visibility.EMPLOYEES)
    assert client.get(f"/community/leaderboard/?board={staff.slug}").status_code == 404
    login(client, make_person(employee=True))
    assert client.get(f"/community/leaderboard/?board={staff.slug}&period=all").status_code == 200


def test_the_demo_seeds_points_badges_follows_and_mvps(make_person):
    from townhall.community.demo import seed_community

    for n in range(15):
        make_person(name=f"Customer {n}")
    make_person(name="Sam Staff", employee=True)
    make_person(name="Cleo Manager", role=Role.COMMUNITY_MANAGER, employee=True)
    seed_community(3, long_tail=10)
    assert ReputationTotal.objects.filter(points__gt=0).count() >= 5
    assert {"first_solution", "first_idea_shipped", "first_article", "helpful_article"} <= set(
        MemberBadge.objects.values_list("badge", flat=True)
    )
    assert Mvp.objects.filter(revoked_at__isnull=True).count() == 2
    assert totals_match_ledger()


def totals_match_ledger() -> bool:
    ledger = dict(
        ReputationEvent.objects.values("member_id")
        .annotate(s=Sum("points"))
        .values_list("member_id", "s")
    )
    return ledger == dict(ReputationTotal.objects.values_list("member_id", "points"))
