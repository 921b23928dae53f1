"""Contract case for the git connector: a repository built with real git commands."""

import subprocess
from pathlib import Path

CONNECTOR = "git"


def git(repo: Path, *args: str, env: dict | None = None) -> None:
    base = {
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_CONFIG_SYSTEM": "/dev/null",
        "HOME": str(repo),
        "PATH": "/usr/bin:/bin",
    }
    subprocess.run(
        ["git", "-C", str(repo), *args],
        check=True,
        capture_output=True,
        env={**base, **(env or {})},
    )


def commit(repo: Path, message: str, *, name: str, email: str, date: str) -> None:
    (repo / "file.txt").write_text(message)
    git(repo, "add", "file.txt")
    env = {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
        "GIT_COMMITTER_DATE": date,
    }
    git(repo, "commit", "-q", "-m", message, env=env)


def sample(tmp_path: Path) -> str:
    repo = tmp_path / "engine"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(
        repo,
        "Initial import",
        name="Ana Souza",
        email="ana@acme.io",
        date="2026-01-05T10:00:00+01:00",
    )
    commit(
        repo,
        "Fix crash on empty config\n\nCo-authored-by: Bo Chen <bo@corp.dev>",
        name="José Álvarez",
        email="jose@users.noreply.github.com",
        date="2026-01-06T11:30:00-05:00",
    )
    commit(
        repo,
        "Bump deps",
        name="dependabot[bot]",
        email="49699333+dependabot[bot]@users.noreply.github.com",
        date="2026-01-07T00:00:00Z",
    )
    return str(repo)


def broken_sample(tmp_path: Path) -> str:
    # A folder that is not a repository: the import must stop with a clear message.
    folder = tmp_path / "not-a-repo"
    folder.mkdir()
    return str(folder)
