"""Contract case for GH Archive: hour files gzipped from the fixtures, as GH Archive serves them."""

import gzip
from pathlib import Path

CONNECTOR = "gharchive"
FIXTURES = Path(__file__).parent / "fixtures"


def gzip_fixture(name: str, target: Path) -> Path:
    target.write_bytes(gzip.compress((FIXTURES / name).read_bytes()))
    return target


def sample(tmp_path: Path) -> str:
    folder = tmp_path / "gharchive"
    folder.mkdir()
    gzip_fixture("hour__acme.jsonl", folder / "2024-03-05-14.json.gz")
    return str(folder)


def broken_sample(tmp_path: Path) -> str:
    # Bad lines in one hour, and the next hour cut short as by an interrupted download.
    folder = tmp_path / "gharchive-damaged"
    folder.mkdir()
    gzip_fixture("hour__damaged.jsonl", folder / "2024-03-05-15.json.gz")
    whole = gzip.compress((FIXTURES / "hour__acme.jsonl").read_bytes())
    (folder / "2024-03-05-16.json.gz").write_bytes(whole[: len(whole) // 2])
    return str(folder)
