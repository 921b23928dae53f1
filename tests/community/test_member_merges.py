"""Community content follows merges of people and goes back on unmerge
(townhall/community/services/member_merges.py, through core's merge hooks)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import F
from django.test import Client

from townhall.community.models import (
    Like,
    MovedRows,
    Notification,
    Reply,
    ReputationTotal,
    Subscription,
    Topic,
    Vote,
)
from townhall.community.selectors_reputation import leaderboard
from townhall.community.services import create_reply, create_topic, follow, like, vote
from townhall.core.models import Member, MergeRecord
from townhall.core.services import PlannedMerge, merge_members, merge_members_bulk, unmerge

from .conftest import login

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"


@pytest.fixture
def people(make_person, board, asker):
    old = make_person(name="Olga Oldname")
    kept = make_person(name="Kim Kept")
    fan = make_person(name="Finn Fan")
    question = create_topic(board, kind="question", title="Merged asks", body="Hi", by=old)
    idea = create_topic(board, kind="idea", title="An idea", body="Idea", by=asker)
    theirs = create_reply(question, body="Olga's own reply", by=old)
    other = create_reply(idea, body="Someone else's reply", by=asker)
    create_reply(question, body="An answer", by=fan)  # Olga is told
    like(theirs, by=fan)  # Olga earns 2
    like(other, by=old)
    like(other, by=kept)  # both liked it: one person likes a reply once
    vote(idea, by=old)
    follow(board, by=old)
    return {"old": old, "kept": kept, "fan": fan, "question": question, "idea": idea,
            "theirs": theirs, "other": other}  # fmt: skip


def _page(client: Client, topic: Topic) -> str:
    return client.get(topic.get_absolute_url(), HTTP_USER_AGENT=BROWSER).content.decode()


def _points(member: Member) -> int:
    total = ReputationTotal.objects.filter(member=member).first()
    return total.points if total else 0


def test_a_merged_members_content_shows_and_counts_under_the_member_kept_then_goes_back(
    people, asker
):
    old, kept, question = people["old"], people["kept"], people["question"]
    # Age the replies so signed-in pages come from a kept skeleton too.
    Reply.objects.update(created_at=F("created_at") - timedelta(days=1))
    visitor, reader, other_reader = Client(), Client(), Client()
    login(reader, asker)
    login(other_reader, people["fan"])
    for client in (visitor, reader, other_reader):
        assert "Olga Oldname" in _page(client, question)  # cached now
    old_notices = Notification.objects.filter(recipient=old).count()
    assert _points(old) == 2 and old_notices > 0

    record = merge_members(kept, old, reason="same person", by="test")

    for client in (visitor, reader, other_reader):
        html = _page(client, question)
        assert "Kim Kept" in html and "Olga Oldname" not in html
    board_page = Client().get(f"/community/b/{question.board.slug}/", HTTP_USER_AGENT=BROWSER)
    assert "Olga Oldname" not in board_page.content.decode()
    assert Topic.objects.get(pk=question.pk).author_id == kept.pk
    assert Reply.objects.get(pk=people["theirs"].pk).author_id == kept.pk
    assert Vote.objects.get(topic=people["idea"]).member_id == kept.pk
    assert Subscription.objects.filter(member=kept, board=question.board).exists()
    # Both liked the other reply: the kept member's like stands, the absorbed one's stays.
    assert set(Like.objects.filter(reply=people["other"]).values_list("member_id", flat=True)) == {
        old.pk,
        kept.pk,
    }
    assert Notification.objects.filter(recipient=kept).count() >= old_notices
    assert _points(kept) == 2 and _points(old) == 0
    leaders = [row.member_id for row in leaderboard(days=None)]
    assert kept.pk in leaders and old.pk not in leaders
    # Kept's own login sees the question as theirs (asker controls, "Author" badge).
    mine = Client()
    login(mine, kept)
    assert "Author" in _page(mine, question)

    # Meanwhile a new like on the moved reply earns the kept member points …
    like(people["theirs"], by=asker)
    assert _points(kept) == 4

    unmerge(record, by="test")

    for client in (visitor, reader, other_reader):
        html = _page(client, question)
        assert "Olga Oldname" in html and "Kim Kept" not in html
    assert Topic.objects.get(pk=question.pk).author_id == old.pk
    assert Reply.objects.get(pk=people["theirs"].pk).author_id == old.pk
    assert Vote.objects.get(topic=people["idea"]).member_id == old.pk
    assert not Subscription.objects.filter(member=kept, board=question.board).exists()
    assert Notification.objects.filter(recipient=old).count() == old_notices
    # … which go back with the reply they were earned for.
    assert _points(old) == 4 and _points(kept) == 0
    assert not MovedRows.objects.filter(merge_id=record.pk).exists()


def test_merges_in_bulk_follow_a_chain_and_unmerge_last_first(people, make_person):
    old, kept = people["old"], people["kept"]
    last = make_person(name="Lee Last")
    records = merge_members_bulk(
        [PlannedMerge(keep=kept.pk, absorb=old.pk, reason="r"),
         PlannedMerge(keep=last.pk, absorb=kept.pk, reason="r")],
        by="resolver",
    )  # fmt: skip
    assert all(record.pk for record in records)
    assert Topic.objects.get(pk=people["question"].pk).author_id == last.pk
    assert _points(last) == 2
    unmerge(MergeRecord.objects.get(pk=records[1].pk), by="test")
    assert Topic.objects.get(pk=people["question"].pk).author_id == kept.pk
    unmerge(MergeRecord.objects.get(pk=records[0].pk), by="test")
    assert Topic.objects.get(pk=people["question"].pk).author_id == old.pk
    assert _points(old) == 2 and _points(kept) == 0 and _points(last) == 0


def test_merging_people_without_community_content_moves_nothing(make_person):
    a, b = make_person(name="No Posts"), make_person(name="Nor Here")
    record = merge_members(a, b, reason="same", by="test")
    assert not MovedRows.objects.filter(merge_id=record.pk).exists()
    unmerge(record, by="test")


def test_merges_made_before_the_hook_move_their_content_when_asked_once(
    people, monkeypatch, capsys
):
    from django.core.management import call_command

    from townhall.core.services import merge_hooks

    old, kept, question = people["old"], people["kept"], people["question"]
    with monkeypatch.context() as patched:
        patched.setattr(merge_hooks, "_on_merge", [])  # as before the hook existed
        record = merge_members(kept, old, reason="same person", by="test")
    assert Topic.objects.get(pk=question.pk).author_id == old.pk  # left behind

    call_command("community", "follow-merges")
    assert "content moved to the member kept: 1" in capsys.readouterr().out
    assert Topic.objects.get(pk=question.pk).author_id == kept.pk
    assert Reply.objects.get(pk=people["theirs"].pk).author_id == kept.pk
    assert _points(kept) == 2

    call_command("community", "follow-merges")  # nothing left to move
    assert "content moved to the member kept: 0" in capsys.readouterr().out

    unmerge(record, by="test")  # and it is as reversible as any other merge
    assert Topic.objects.get(pk=question.pk).author_id == old.pk
    assert _points(old) == 2 and _points(kept) == 0
