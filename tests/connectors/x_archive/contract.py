"""Contract case for x-archive: an archive ZIP built from the fixtures, and a damaged folder."""

import zipfile
from pathlib import Path

CONNECTOR = "x-archive"
FIXTURES = Path(__file__).parent / "fixtures"


def build_zip(tmp_path: Path, tweets: str = "tweets__acmehq.js") -> Path:
    """An archive laid out as X ships it: data/*.js plus media the connector ignores."""
    path = tmp_path / "twitter-2026-11-23-acmehq.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.write(FIXTURES / "account__acmehq.js", "data/account.js")
        archive.write(FIXTURES / tweets, "data/tweets.js")
        archive.writestr("data/tweets_media/2120169607787597824-launch.jpg", b"\xff\xd8\xff\xe0")
        archive.writestr("Your archive.html", "<html><body>Your archive</body></html>")
    return path


def build_folder(tmp_path: Path, tweets: str) -> Path:
    """The same archive unpacked, as `townhall ingest x-archive FOLDER` reads it too."""
    folder = tmp_path / "twitter-archive"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "account.js").write_bytes((FIXTURES / "account__acmehq.js").read_bytes())
    (folder / "data" / "tweets.js").write_bytes((FIXTURES / tweets).read_bytes())
    return folder


def sample(tmp_path: Path) -> str:
    return str(build_zip(tmp_path))


def broken_sample(tmp_path: Path) -> str:
    # One good tweet, one without created_at, one with an unreadable date.
    return str(build_folder(tmp_path, "tweets__damaged.js"))
