"""Contract case for the Stack Exchange dump: a small dump folder written from fixtures."""

import shutil
from pathlib import Path

CONNECTOR = "stackexchange-dump"
FIXTURES = Path(__file__).parent / "fixtures"


def dump_folder(tmp_path: Path, name: str = "superuser.com", **cases: str) -> Path:
    """A dump folder named after its site, each table copied from `fixtures/<Table>__<case>.xml`."""
    folder = tmp_path / name
    folder.mkdir(parents=True)
    for table, case in cases.items():
        shutil.copy(FIXTURES / f"{table}__{case}.xml", folder / f"{table}.xml")
    return folder


def sample(tmp_path: Path) -> str:
    return str(
        dump_folder(
            tmp_path,
            Users="sample",
            Posts="sample",
            Votes="sample",
            Comments="sample",
            Badges="sample",
        )
    )


def broken_sample(tmp_path: Path) -> str:
    # Rows without a date or with a non-numeric owner, a comment file whose XML breaks on
    # its second row, and a badge file cut off before its closing tag.
    return str(
        dump_folder(
            tmp_path,
            Users="sample",
            Posts="bad_rows",
            Comments="malformed",
            Badges="cut_off",
        )
    )
