"""Contract case for newsletter-csv: a Substack export ZIP, and a damaged subscriber list."""

import zipfile
from pathlib import Path

CONNECTOR = "newsletter-csv"
FIXTURES = Path(__file__).parent / "fixtures"

SUBSTACK_LAYOUT = {
    "email_list.acmeweekly.csv": "substack_email_list__acmeweekly.csv",
    "posts.csv": "substack_posts__acmeweekly.csv",
    "posts/178233401.opens.csv": "substack_opens__178233401.csv",
    "posts/178233401.delivers.csv": "substack_delivers__178233401.csv",
}


def substack_zip(tmp_path: Path) -> Path:
    """Laid out as Substack's export: the list, posts.csv, and per-post files."""
    path = tmp_path / "acmeweekly-export.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as export:
        for name, fixture in SUBSTACK_LAYOUT.items():
            export.write(FIXTURES / fixture, name)
        export.writestr("posts/178233401.acme-31-is-here.html", "<p>Webhooks for everything.</p>")
    return path


def sample(tmp_path: Path) -> str:
    return str(substack_zip(tmp_path))


def broken_sample(tmp_path: Path) -> str:
    # An empty email, an unreadable created_at and an address without @.
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "email_list.acmeweekly.csv").write_bytes(
        (FIXTURES / "substack_email_list__damaged.csv").read_bytes()
    )
    return str(folder)
