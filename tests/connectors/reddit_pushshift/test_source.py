from pathlib import Path

from townhall.connectors.reddit.source import RedditDumpConfig, RedditPushshift
from townhall.core.records import ActivityRecord
from townhall.core.services.ingest import Envelope

from .contract import FIXTURES, broken_sample, sample


def read(path: str | Path, **config) -> list:
    return list(RedditPushshift(RedditDumpConfig(path=Path(path), **config)).read())


def by_id(items) -> dict[str, ActivityRecord]:
    return {r.external_id: r for r in items if isinstance(r, ActivityRecord)}


def test_submissions_file_first_then_comments_in_line_order(tmp_path):
    items = read(sample(tmp_path))
    order = [r.external_id if isinstance(r, ActivityRecord) else r.position for r in items]
    assert order == [
        "t3_1a0zz",
        "t3_1b7a1",
        "RS_2024-03.ndjson:3",
        "t1_kq5",
        "t1_kq1",
        "t1_kq2",
        "RC_2024-03.ndjson.gz:4",
        "t1_kq4",
        "t1_kr1",
        "t1_kq9",
        "t1_zz1",
    ]
    assert read(sample(tmp_path / "again")) == items


def test_comment_targets_resolve_across_files(tmp_path):
    records = by_id(read(sample(tmp_path)))
    assert records["t1_kq1"].target.external_id == "t2_b0b"  # parent is a submission
    assert records["t1_kq2"].target.external_id == "t2_a11ce"  # parent is a comment
    assert records["t1_kq4"].target is None  # the parent's account is deleted
    assert records["t1_zz1"].target is None and records["t1_zz1"].parent_id == "t3_9zz"


def test_old_style_lines_without_name_fullname_or_numeric_time(tmp_path):
    legacy = by_id(read(sample(tmp_path)))["t1_kq9"]
    # author_fullname is learnt from the author's other lines.
    assert legacy.actor.external_id == "t2_a11ce" and legacy.actor.username == "alice_py"
    assert legacy.occurred_at.isoformat() == "2024-03-06T04:51:40+00:00"
    assert legacy.target.external_id == "t2_b0b"
    assert legacy.url == "https://www.reddit.com/r/django/comments/1b7a1/_/kq9/"


def test_deleted_authors_are_quarantined_and_bots_flagged(tmp_path):
    items = read(sample(tmp_path))
    deleted = [e for e in items if isinstance(e, Envelope)]
    assert all(e.error.startswith("author deleted") for e in deleted) and len(deleted) == 2
    assert by_id(items)["t1_kq5"].actor.is_bot
    assert not by_id(items)["t1_kq1"].actor.is_bot


def test_subreddit_filter_and_single_file(tmp_path):
    records = by_id(read(sample(tmp_path), subreddits=["Django"]))
    assert "t1_zz1" not in records and "t1_kq1" in records
    only = by_id(read(FIXTURES / "RS_2024-03__sample.ndjson"))
    assert set(only) == {"t3_1a0zz", "t3_1b7a1"}
    assert only["t3_1a0zz"].properties["link"].startswith("https://www.djangoproject.com/")


def test_damaged_lines_and_truncated_gzip_are_quarantined_with_reasons(tmp_path):
    items = read(broken_sample(tmp_path))
    errors = {e.position: e.error for e in items if isinstance(e, Envelope)}
    assert errors["RC_2024-03.ndjson:2"].startswith("invalid JSON")
    assert errors["RC_2024-03.ndjson:3"] == "unreadable Reddit item: it has no created_utc"
    assert errors["RC_2024-03.ndjson:4"].startswith("author deleted")
    assert errors["RC_2024-03.ndjson:5"] == (
        "neither a submission (no title) nor a comment (no link_id)"
    )
    truncated = [p for p in errors if p.startswith("RS_2024-03.ndjson.gz")]
    assert len(truncated) == 1 and "cannot be read past line" in errors[truncated[0]]
    assert "t1_kq1" in by_id(items)


def test_zstandard_and_empty_folders_say_what_to_do(tmp_path):
    (tmp_path / "RC_2024-03.zst").write_bytes(b"\x28\xb5\x2f\xfd")
    (envelope,) = read(tmp_path)
    assert "zstd -d" in envelope.error
    empty = tmp_path / "empty"
    empty.mkdir()
    try:
        read(empty)
    except Exception as error:
        assert "holds no Reddit dump" in str(error)
    else:
        raise AssertionError("expected a SourceFailure")
