"""Contract case for HN CSV exports: BigQuery's hacker_news.full (stories and comments)."""

import shutil
from pathlib import Path

CONNECTOR = "hackernews-csv"
FIXTURES = Path(__file__).parent / "fixtures"


def copy(tmp_path: Path, fixture: str, name: str = "hn.csv") -> str:
    tmp_path.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / fixture, tmp_path / name)
    return str(tmp_path / name)


def sample(tmp_path: Path) -> str:
    return copy(tmp_path, "full__bigquery.csv")


def broken_sample(tmp_path: Path) -> str:
    # Rows with an id, a time or an author that cannot be read.
    return copy(tmp_path, "stories__bad_rows.csv")
