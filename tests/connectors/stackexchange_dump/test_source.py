from datetime import UTC, datetime
from pathlib import Path

from townhall.connectors.services import plan_for_target
from townhall.connectors.stackexchange.sample import write_dump
from townhall.connectors.stackexchange.site import site_named, site_of_folder
from townhall.connectors.stackexchange.source import StackExchangeDump, StackExchangeDumpConfig
from townhall.core.models import Activity, Identity, QuarantinedRecord
from townhall.core.records import ActivityRecord
from townhall.core.services.imports import run_plan
from townhall.core.services.ingest import Envelope

from .contract import broken_sample, dump_folder, sample


def read(folder: str | Path, **config: object) -> list[ActivityRecord | Envelope]:
    return list(StackExchangeDump(StackExchangeDumpConfig(path=Path(folder), **config)).read())


def by_id(items: list[ActivityRecord | Envelope]) -> dict[str, ActivityRecord]:
    return {r.external_id: r for r in items if isinstance(r, ActivityRecord)}


def test_dump_yields_every_kind_in_file_order(tmp_path):
    items = read(sample(tmp_path))
    assert [r.external_id if isinstance(r, ActivityRecord) else r.position for r in items] == [
        "vote:1006",
        "vote:1007",
        "vote:1008",
        "q:1",
        "a:2",
        "a:3",
        "accept:3",
        "Posts.xml:6",
        "a:5",
        "a:7",
        "q:8",
        "c:101",
        "c:102",
        "Comments.xml:5",
        "badge:501",
        "badge:502",
        "badge:503",
    ]
    kinds = {r.kind for r in items if isinstance(r, ActivityRecord)}
    assert kinds == {
        "question",
        "answer",
        "solution_accepted",
        "comment",
        "favorite",
        "bounty",
        "bounty_awarded",
        "badge_earned",
    }


def test_profile_websites_are_the_links_people_state(tmp_path):
    records = by_id(read(sample(tmp_path)))
    assert records["q:1"].actor.links == ["https://ana.example.org"]
    assert records["a:2"].actor.links == ["https://github.com/bo-chen"]
    # No WebsiteUrl attribute: no links.
    assert records["c:102"].target.links is None


def test_answers_target_the_asker_and_comments_the_post_author(tmp_path):
    records = by_id(read(sample(tmp_path)))
    question, answer = records["q:1"], records["a:2"]
    assert question.actor.external_id == "2" and question.actor.name == "Ana Souza"
    assert question.title == "Why does my Celery worker get killed?"
    assert question.channel == "python"  # first tag when no tag filter
    assert answer.actor.external_id == "3" and answer.target.external_id == "2"
    assert answer.conversation_id == "q:1" and answer.parent_id == "q:1"
    on_question, on_answer = records["c:101"], records["c:102"]
    assert on_question.target.external_id == "2" and on_question.parent_id == "q:1"
    assert on_answer.target.external_id == "4" and on_answer.parent_id == "a:3"
    assert on_answer.conversation_id == "q:1" and on_answer.channel == "python"
    assert on_answer.body == "@José that fixed it, thanks!"


def test_accepted_answer_is_a_solution_accepted_by_the_asker_on_the_vote_day(tmp_path):
    records = by_id(read(sample(tmp_path)))
    accept = records["accept:3"]
    assert accept.kind == "solution_accepted"
    assert accept.actor.external_id == "2" and accept.target.external_id == "4"
    assert accept.parent_id == "a:3" and accept.conversation_id == "q:1"
    # The accept vote (2019-03-07, a day) is later than the answer (2019-03-06 09:15).
    assert accept.occurred_at == datetime(2019, 3, 7, tzinfo=UTC)
    assert accept.properties["time_from"] == "accept vote"
    assert records["a:3"].properties["accepted"] is True
    assert records["q:1"].properties["accepted_answer"] == "a:3"


def test_accept_without_a_vote_uses_the_answer_time(tmp_path):
    folder = dump_folder(tmp_path, Users="sample", Posts="sample")
    accept = by_id(read(folder))["accept:3"]
    assert accept.occurred_at == datetime(2019, 3, 6, 9, 15, tzinfo=UTC)
    assert accept.properties["time_from"] == "answer creation"


def test_times_are_utc_and_aware(tmp_path):
    records = by_id(read(sample(tmp_path)))
    assert records["q:1"].occurred_at == datetime(2019, 3, 5, 22, 28, 34, 823000, tzinfo=UTC)
    assert all(r.occurred_at.utcoffset().total_seconds() == 0 for r in records.values())


def test_deleted_authors_are_quarantined_never_merged_into_one_person(tmp_path):
    items = read(sample(tmp_path))
    envelopes = [r for r in items if isinstance(r, Envelope)]
    assert [e.position for e in envelopes] == ["Posts.xml:6", "Comments.xml:5"]
    assert all(e.error.startswith("author deleted") for e in envelopes)
    assert "OwnerDisplayName" in envelopes[0].error and 'OwnerDisplayName="user4711"' in (
        envelopes[0].raw
    )
    people = {
        p.external_id
        for r in items
        if isinstance(r, ActivityRecord)
        for p in (r.actor, r.target)
        if p is not None
    }
    assert "user4711" not in str(people) and "user9001" not in str(people)
    # An answer to a deleted asker's question keeps its author and has no target.
    assert by_id(items)["a:5"].target is None


def test_votes_with_a_voter_are_activities_and_anonymous_votes_are_counts(tmp_path):
    records = by_id(read(sample(tmp_path)))
    favorite, bounty, awarded = records["vote:1006"], records["vote:1007"], records["vote:1008"]
    assert favorite.kind == "favorite" and favorite.actor.external_id == "5"
    assert favorite.target.external_id == "2" and favorite.parent_id == "q:1"
    assert bounty.kind == "bounty" and bounty.actor.external_id == "3"
    assert bounty.target is None  # the asker's account is deleted
    assert bounty.properties == {"bounty_amount": 50}
    assert awarded.kind == "bounty_awarded" and awarded.actor.external_id == "3"
    assert awarded.target.external_id == "2" and awarded.parent_id == "a:5"
    assert records["q:1"].properties["up_votes"] == 2
    assert records["q:1"].properties["down_votes"] == 1
    assert records["q:1"].properties["score"] == 12
    assert "vote:1011" not in records  # a favorite without its user credits nobody


def test_community_user_is_a_bot_and_tag_wikis_are_skipped(tmp_path):
    records = by_id(read(sample(tmp_path)))
    closed = records["q:8"]
    assert closed.actor.is_bot and closed.actor.name == "Community"
    assert closed.properties["closed_at"] == "2019-05-04T00:00:00+00:00"
    assert not any(r.parent_id.endswith(":6") for r in records.values())
    assert "c:104" not in records


def test_answer_listed_before_its_merged_question_is_kept(tmp_path):
    answer = by_id(read(sample(tmp_path)))["a:7"]
    assert answer.conversation_id == "q:8" and answer.target.is_bot


def test_pipe_tags_of_newer_dumps_and_tag_badges(tmp_path):
    records = by_id(read(sample(tmp_path)))
    assert records["a:5"].channel == "redis"
    assert records["badge:502"].channel == "celery"
    assert records["badge:502"].properties == {"class": "silver", "tag_based": True}
    assert records["badge:501"].channel == "" and records["badge:501"].title == "Teacher"


def test_site_comes_from_the_folder_name_and_gives_slug_and_links(tmp_path):
    source = StackExchangeDump(StackExchangeDumpConfig(path=Path(sample(tmp_path))))
    assert source.source_slug == "superuser"
    question = by_id(list(source.read()))["q:1"]
    assert question.url == "https://superuser.com/q/1"
    assert question.actor.url == "https://superuser.com/users/2"
    assert question.source == "superuser"
    unknown = dump_folder(tmp_path / "x", name="export", Posts="sample")
    plain = StackExchangeDump(StackExchangeDumpConfig(path=unknown))
    assert plain.source_slug == "stackexchange"
    assert by_id(list(plain.read()))["q:1"].url == ""


def test_site_names():
    assert site_named("stackoverflow").slug == "stackoverflow"
    assert site_named("math").domain == "math.stackexchange.com"
    assert site_named("math").slug == "math.stackexchange"
    assert site_named("meta.stackoverflow").domain == "meta.stackoverflow.com"
    assert site_named("mathoverflow").domain == "mathoverflow.net"
    assert site_of_folder(Path("/d/stackoverflow.com-Posts")).slug == "stackoverflow"
    assert site_of_folder(Path("/d/dba.stackexchange.com")).slug == "dba.stackexchange"


def test_tag_filter_keeps_those_questions_their_answers_comments_votes_and_people(tmp_path):
    records = by_id(read(sample(tmp_path), tags=["celery"]))
    assert set(records) == {
        "vote:1006",
        "q:1",
        "a:2",
        "a:3",
        "accept:3",
        "c:101",
        "c:102",
        "badge:501",
        "badge:502",
        "badge:503",  # user 5 favorited the celery question
    }
    assert records["q:1"].channel == "celery"  # the filter's tag, not the first one
    assert records["c:102"].channel == "celery"


def test_damaged_files_are_quarantined_with_file_line_and_reason(tmp_path):
    items = read(broken_sample(tmp_path))
    errors = {r.position: r.error for r in items if isinstance(r, Envelope)}
    assert errors["Posts.xml:4"] == "unreadable post in Posts.xml: the row has no CreationDate"
    assert errors["Posts.xml:5"] == (
        "unreadable post in Posts.xml: CreationDate='yesterday' is not a date"
    )
    assert errors["Posts.xml:6"] == (
        "unreadable post in Posts.xml: OwnerUserId='three' is not a number"
    )
    assert errors["Posts.xml:7"] == "unreadable post in Posts.xml: the row has no ParentId"
    assert errors["Comments.xml:4"].startswith(
        "Comments.xml is not well-formed XML at line 4, column"
    )
    assert "the 1 rows before it were read" in errors["Comments.xml:4"]
    assert "ends before its closing tag" in errors["Badges.xml:4"]
    records = by_id(items)
    # What came before each break is kept: the first comment, the first badge.
    assert {"q:1", "c:101", "badge:501"} <= set(records)


def test_not_a_dump_folder_stops_with_a_clear_message(tmp_path):
    folder = tmp_path / "empty"
    folder.mkdir()
    (folder / "notes.txt").write_text("hi")
    try:
        read(folder)
    except Exception as error:
        assert "holds no Stack Exchange dump file" in str(error) and "notes.txt" in str(error)
    else:
        raise AssertionError("expected a SourceFailure")


def test_generated_dump_reads_the_same_every_time_and_counts_add_up(tmp_path):
    folder = write_dump(tmp_path / "superuser.com", questions=30, answers=45, comments=60)
    first, second = read(folder), read(folder)
    assert first == second
    records = [r for r in first if isinstance(r, ActivityRecord)]
    kinds = [r.kind for r in records]
    assert kinds.count("question") == 30 and kinds.count("answer") == 45
    assert kinds.count("comment") == 60
    assert len({r.external_id for r in records}) == len(records)
    pipes = read(write_dump(tmp_path / "new" / "superuser.com", questions=5, pipe_tags=True))
    assert all(r.channel for r in pipes if isinstance(r, ActivityRecord) and r.kind == "question")


def test_import_stores_activities_with_targets_and_quarantines_deleted_authors(db, tmp_path):
    target = sample(tmp_path)
    _run, result = run_plan(plan_for_target(StackExchangeDump, target))
    assert result.created == 15 and result.quarantined == 2
    answer = Activity.objects.get(external_id="a:3")
    assert answer.target_identity.external_id == "2"
    assert not Identity.objects.filter(external_id__in=["user4711", "user9001"]).exists()
    assert Identity.objects.get(external_id="-1").is_bot
    reasons = set(QuarantinedRecord.objects.values_list("reason", flat=True))
    assert len(reasons) == 2 and all(r.startswith("author deleted") for r in reasons)
