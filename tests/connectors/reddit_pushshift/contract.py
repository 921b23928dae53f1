"""Contract case for Pushshift dumps: a folder with a submissions file and a gzipped comments file."""

import gzip
import shutil
from pathlib import Path

CONNECTOR = "reddit-pushshift"
FIXTURES = Path(__file__).parent / "fixtures"


def sample(tmp_path: Path) -> str:
    folder = tmp_path / "reddit"
    folder.mkdir(parents=True)
    shutil.copy(FIXTURES / "RS_2024-03__sample.ndjson", folder / "RS_2024-03.ndjson")
    with gzip.open(folder / "RC_2024-03.ndjson.gz", "wb") as out:
        out.write((FIXTURES / "RC_2024-03__sample.ndjson").read_bytes())
    return str(folder)


def broken_sample(tmp_path: Path) -> str:
    # Lines cut off, without a time, by a deleted account, neither post nor comment; and a
    # gzip file truncated mid-stream.
    folder = tmp_path / "broken"
    folder.mkdir(parents=True)
    shutil.copy(FIXTURES / "RC_2024-03__bad_lines.ndjson", folder / "RC_2024-03.ndjson")
    whole = gzip.compress((FIXTURES / "RS_2024-03__sample.ndjson").read_bytes())
    (folder / "RS_2024-03.ndjson.gz").write_bytes(whole[: len(whole) // 2])
    return str(folder)
