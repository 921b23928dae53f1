"""Contract case for `slack-export`: a workspace export ZIP built from the fixtures."""

import zipfile
from pathlib import Path

CONNECTOR = "slack-export"
FIXTURES = Path(__file__).parent / "fixtures"

#: Path inside the export ← fixture file.
EXPORT = {
    "users.json": "users__workspace.json",
    "channels.json": "channels__workspace.json",
    "groups.json": "groups__workspace.json",
    "dms.json": "dms__workspace.json",
    "general/2024-03-04.json": "day__general-2024-03-04.json",
    "general/2024-03-05.json": "day__general-2024-03-05.json",
    "help/2024-03-05.json": "day__help-2024-03-05.json",
    "team-leads/2024-03-06.json": "day__team-leads-2024-03-06.json",
    "D04AB12CD/2024-03-06.json": "day__dm-2024-03-06.json",
}


def build_export(path: Path, members: dict[str, str] | None = None) -> Path:
    """Zip the fixtures as Slack lays out an export (`members`: inside path ← fixture)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for inside, fixture in (members or EXPORT).items():
            archive.write(FIXTURES / fixture, inside)
    return path


def sample(tmp_path: Path) -> str:
    return str(build_export(tmp_path / "Acme Community Slack export Mar 4 2024 - Mar 6 2024.zip"))


def broken_sample(tmp_path: Path) -> str:
    # One day file cut in the middle and one message without its `ts`: both are
    # quarantined with the file's name, everything else is imported.
    members = {
        **EXPORT,
        "help/2024-03-07.json": "day__malformed.json",
        "help/2024-03-08.json": "day__message-without-ts.json",
    }
    return str(build_export(tmp_path / "damaged-export.zip", members))
