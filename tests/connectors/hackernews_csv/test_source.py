import gzip
from pathlib import Path

import pytest

from townhall.connectors.base import FileConfig
from townhall.connectors.hackernews.source import HackerNewsCsv
from townhall.core.records import ActivityRecord
from townhall.core.services.imports import SourceFailure
from townhall.core.services.ingest import Envelope

from .contract import FIXTURES, broken_sample, copy, sample


def read(path: str | Path) -> list:
    return list(HackerNewsCsv(FileConfig(path=Path(path))).read())


def by_id(items) -> dict[str, ActivityRecord]:
    return {r.external_id: r for r in items if isinstance(r, ActivityRecord)}


def test_bigquery_full_table_gives_stories_and_comments_with_targets(tmp_path):
    items = read(sample(tmp_path))
    assert [r.external_id for r in items] == [
        "item:40000001",
        "item:40000002",
        "item:40000003",
        "item:40000006",
        "item:40000010",
    ]
    records = by_id(items)
    story, reply, answer = (
        records["item:40000001"],
        records["item:40000002"],
        records["item:40000003"],
    )
    assert story.kind == "story" and story.properties["category"] == "show"
    assert reply.kind == "comment" and reply.target.username == "pg_fan"
    assert reply.body == 'How does it handle column renames, e.g. "name" → "full_name"?'
    assert answer.target.username == "dang_alt" and answer.conversation_id == "item:40000001"
    assert answer.body == "It rebuilds the table. SQLite's ALTER is limited."
    under_deleted = records["item:40000006"]
    assert under_deleted.target is None and under_deleted.conversation_id == "item:40000001"
    assert under_deleted.properties == {"dead": True}


def test_poll_without_unix_time_uses_the_readable_utc_column(tmp_path):
    poll = by_id(read(sample(tmp_path)))["item:40000010"]
    assert poll.kind == "story" and poll.properties["type"] == "poll"
    assert poll.occurred_at.isoformat() == "2024-03-09T08:00:00+00:00"


def test_bigquery_stories_table_skips_deleted_and_keeps_dead(tmp_path):
    records = by_id(read(copy(tmp_path, "stories__bigquery.csv")))
    assert set(records) == {"item:9001", "item:40000001", "item:40000021"}
    assert records["item:9001"].title == "My YC app: FileSync, throw away your USB stick"
    assert records["item:9001"].occurred_at.isoformat() == "2007-04-04T19:16:40+00:00"
    assert records["item:40000021"].properties["dead"] is True


def test_kaggle_posts_are_read_in_us_eastern_time(tmp_path):
    records = by_id(read(copy(tmp_path, "posts__kaggle.csv")))
    post = records["item:12579101"]
    assert post.occurred_at.isoformat() == "2016-09-26T03:26:00-04:00"
    assert post.properties == {
        "score": 12,
        "descendants": 3,
        "category": "show",
        "link": "https://example.com/notes",
    }
    assert records["item:12579103"].occurred_at.isoformat() == "2016-01-26T02:57:00-05:00"


def test_bad_rows_are_quarantined_with_the_column_and_value(tmp_path):
    items = read(broken_sample(tmp_path))
    errors = {e.position: e.error for e in items if isinstance(e, Envelope)}
    assert errors == {
        "hn.csv:3": "column 'id': 'abc' is not an item id",
        "hn.csv:4": "column 'time': cannot read 'soon' as a time",
        "hn.csv:5": "no author: the item has no `by` and is not marked deleted; not attributed to anyone",
    }
    assert "item:40000001" in by_id(items)


def test_wrong_header_stops_naming_missing_and_found_columns(tmp_path):
    with pytest.raises(SourceFailure) as failure:
        read(copy(tmp_path, "stories__wrong_header.csv"))
    message = str(failure.value)
    assert "lacks id (id or objectid), author (by or author), time (" in message
    assert "it has story_id, user, points, date, headline" in message


def test_gzipped_files_and_folders(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    with gzip.open(folder / "a.csv.gz", "wb") as out:
        out.write((FIXTURES / "stories__bigquery.csv").read_bytes())
    copy(folder, "posts__kaggle.csv", "b.csv")
    assert len(by_id(read(folder))) == 6
    whole = gzip.compress((FIXTURES / "stories__bigquery.csv").read_bytes())
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(whole[: len(whole) - 40])
    items = read(cut)
    assert isinstance(items[-1], Envelope) and "cannot be read past line" in items[-1].error
