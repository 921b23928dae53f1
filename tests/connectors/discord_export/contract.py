"""Contract case for `discord-export`: a folder of DiscordChatExporter files."""

import shutil
from pathlib import Path

CONNECTOR = "discord-export"
FIXTURES = Path(__file__).parent / "fixtures"

#: File name DiscordChatExporter gives the export ← fixture.
EXPORTS = {
    "Acme Community - Text Channels - general [1015963208600363048].json": "channel__general.json",
    "Acme Community - Text Channels - help [1016004455667788990].json": "channel__help.json",
    "Acme Community - help - SSO with Okta fails [1214573130547331081].json": "thread__sso-with-okta.json",
    "Direct Messages - Private - bochen [1100220033004400550].json": "dm__minified.json",
    "Acme Community - Announcements - announcements [1016007766554433221].csv": "channel__announcements.csv",
}


def build_folder(folder: Path, exports: dict[str, str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, fixture in (exports or EXPORTS).items():
        shutil.copyfile(FIXTURES / fixture, folder / name)
    return folder


def sample(tmp_path: Path) -> str:
    return str(build_folder(tmp_path / "discord-exports"))


def broken_sample(tmp_path: Path) -> str:
    # An interrupted export, messages without an offset or an author, a CSV row with a
    # date that is no date: each is quarantined with the file and message, the rest read.
    return str(
        build_folder(
            tmp_path / "damaged-exports",
            {
                **EXPORTS,
                "Acme Community - Text Channels - general [1015963208600363048].json": "channel__truncated.json",
                "Acme Community - Text Channels - help [1016004455667788990].json": "channel__bad-messages.json",
                "Acme Community - Announcements - announcements [1016007766554433221].csv": "channel__bad-date.csv",
            },
        )
    )
