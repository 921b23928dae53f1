"""Writing scores back: bulk upserts, the downgrade grace period, superusers, stale rows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from townhall.core.models import MemberChannelScore, MemberScore
from townhall.core.services.scores import write_scores

LEVELS = ["Observer", "Participant", "Contributor", "Advocate", "Champion"]
DAY1 = datetime(2026, 6, 1, tzinfo=UTC)


def write(members, channels=(), *, at: datetime = DAY1, grace_days: int = 30):
    """Write (member, score, level) rows and (member, source, level) channel rows."""
    frame = pd.DataFrame(
        [
            {
                "member_id": member.pk,
                "love": score / 2,
                "reach": score / 2,
                "score": score,
                "level": level,
                "trend": "steady",
                "explanation": {"love": [{"source": "slack", "kind": "message"}]},
            }
            for member, score, level in members
        ],
        columns=["member_id", "love", "reach", "score", "level", "trend", "explanation"],
    )
    channel_frame = pd.DataFrame(
        [
            {"member_id": m.pk, "source": s, "love": 1.0, "reach": 0.0, "score": 1.0, "level": lv}
            for m, s, lv in channels
        ],
        columns=["member_id", "source", "love", "reach", "score", "level"],
    )
    return write_scores(
        frame,
        channel_frame,
        computed_at=at,
        levels=LEVELS,
        superuser_level="Champion",
        grace_days=grace_days,
    )


@pytest.fixture
def ada(make_member):
    return make_member(name="Ada")


@pytest.fixture
def bob(make_member):
    return make_member(name="Bob")


def test_first_write_stores_scores_levels_and_explanations(ada, bob):
    result = write(
        [(ada, 200.0, "Champion"), (bob, 5.0, "Participant")], [(ada, "slack", "Champion")]
    )
    stored = MemberScore.objects.get(member=ada)
    assert (stored.score, stored.love, stored.level, stored.is_superuser) == (
        200.0,
        100.0,
        "Champion",
        True,
    )
    assert stored.level_since == DAY1
    assert stored.explanation == {"love": [{"source": "slack", "kind": "message"}]}
    assert stored.trend == "steady"
    assert MemberScore.objects.get(member=bob).is_superuser is False
    channel = MemberChannelScore.objects.get(member=ada, source="slack")
    assert (channel.level, channel.is_superuser) == ("Champion", True)
    assert (result.members, result.channels, result.superusers) == (2, 1, 1)


def test_a_higher_level_applies_at_once(ada):
    write([(ada, 5.0, "Participant")])
    later = DAY1 + timedelta(days=1)
    write([(ada, 60.0, "Advocate")], at=later)
    stored = MemberScore.objects.get(member=ada)
    assert (stored.level, stored.level_since, stored.pending_level) == ("Advocate", later, "")


def test_a_lower_level_waits_out_the_grace_period(ada):
    write([(ada, 60.0, "Advocate")])
    day10 = DAY1 + timedelta(days=10)
    write([(ada, 20.0, "Contributor")], at=day10)
    stored = MemberScore.objects.get(member=ada)
    assert (stored.level, stored.pending_level, stored.pending_since) == (
        "Advocate",
        "Contributor",
        day10,
    )
    assert stored.score == 20.0  # the score itself is always current
    # Still within 30 days of the first lower reading: the pending start does not move.
    write([(ada, 8.0, "Participant")], at=day10 + timedelta(days=29))
    stored.refresh_from_db()
    assert (stored.level, stored.pending_level, stored.pending_since) == (
        "Advocate",
        "Participant",
        day10,
    )
    # 30 days after it started, the downgrade applies.
    day40 = day10 + timedelta(days=30)
    write([(ada, 8.0, "Participant")], at=day40)
    stored.refresh_from_db()
    assert (stored.level, stored.level_since, stored.pending_level, stored.pending_since) == (
        "Participant",
        day40,
        "",
        None,
    )


def test_recovering_before_the_grace_period_ends_clears_the_pending_downgrade(ada):
    write([(ada, 60.0, "Advocate")])
    write([(ada, 20.0, "Contributor")], at=DAY1 + timedelta(days=5))
    write([(ada, 55.0, "Advocate")], at=DAY1 + timedelta(days=6))
    stored = MemberScore.objects.get(member=ada)
    assert (stored.level, stored.level_since, stored.pending_level, stored.pending_since) == (
        "Advocate",
        DAY1,
        "",
        None,
    )


def test_a_superuser_in_grace_stays_a_superuser(ada):
    write([(ada, 200.0, "Champion")])
    write([(ada, 100.0, "Advocate")], at=DAY1 + timedelta(days=3))
    assert MemberScore.objects.get(member=ada).is_superuser is True


def test_channel_levels_get_the_same_grace_period(ada):
    write([(ada, 60.0, "Advocate")], [(ada, "github", "Advocate")])
    write([(ada, 60.0, "Advocate")], [(ada, "github", "Observer")], at=DAY1 + timedelta(days=2))
    channel = MemberChannelScore.objects.get(member=ada, source="github")
    assert (channel.level, channel.pending_level) == ("Advocate", "Observer")


def test_rows_a_run_no_longer_produces_are_deleted(ada, bob):
    write([(ada, 5.0, "Participant"), (bob, 5.0, "Participant")], [(bob, "slack", "Participant")])
    write([(ada, 5.0, "Participant")], at=DAY1 + timedelta(days=1))
    assert list(MemberScore.objects.values_list("member_id", flat=True)) == [ada.pk]
    assert not MemberChannelScore.objects.exists()


def test_the_network_columns_survive_a_score_write(ada):
    write([(ada, 5.0, "Participant")])
    MemberScore.objects.filter(member=ada).update(pagerank=0.5, cluster=3)
    write([(ada, 6.0, "Participant")], at=DAY1 + timedelta(days=1))
    stored = MemberScore.objects.get(member=ada)
    assert (stored.score, stored.pagerank, stored.cluster) == (6.0, 0.5, 3)


def test_writing_nobody_empties_the_scores(ada):
    write([(ada, 5.0, "Participant")])
    result = write([], at=DAY1 + timedelta(days=1))
    assert result.members == 0
    assert not MemberScore.objects.exists()


def test_member_exports_carry_score_level_and_per_source_levels(ada, bob):
    import csv
    import io
    import json

    from django.core.management import call_command

    write([(ada, 200.0, "Champion")], [(ada, "slack", "Champion"), (ada, "github", "Participant")])
    out = io.StringIO()
    call_command("export", "members", "--format", "jsonl", stdout=out)
    rows = {row["id"]: row for row in map(json.loads, out.getvalue().splitlines())}
    assert (rows[ada.pk]["score"], rows[ada.pk]["level"], rows[ada.pk]["is_superuser"]) == (
        200.0,
        "Champion",
        True,
    )
    assert [(c["source"], c["level"]) for c in rows[ada.pk]["channels"]] == [
        ("github", "Participant"),
        ("slack", "Champion"),
    ]
    assert (rows[bob.pk]["score"], rows[bob.pk]["level"], rows[bob.pk]["channels"]) == (
        None,
        "",
        [],
    )
    out = io.StringIO()
    call_command("export", "members", "--format", "csv", stdout=out)
    by_id = {row["id"]: row for row in csv.DictReader(io.StringIO(out.getvalue()))}
    ada_row = by_id[str(ada.pk)]
    assert (ada_row["love"], ada_row["reach"], ada_row["level"]) == ("100.0", "100.0", "Champion")
    assert ada_row["channel_levels"] == "github:Participant; slack:Champion"
