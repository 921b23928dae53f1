"""A local git repository's commits, with authors and co-authors.

Reads `git log` of one branch (default: HEAD) oldest first, so the order is stable
and an interrupted import resumes by position. Each commit is a `commit` activity by
its author, keyed by email; each `Co-authored-by:` trailer adds a `co_authored`
activity for that person. Merge commits are skipped (they repeat their parents' work).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from datetime import datetime

from townhall.connectors.base import Capability, FileConfig, Source
from townhall.connectors.registry import register
from townhall.core.records import ActivityRecord, InvalidRecord, Person
from townhall.core.services.imports import SourceFailure
from townhall.core.services.ingest import Envelope

FIELD, RECORD = "\x1f", "\x1e"
LOG_FORMAT = FIELD.join(["%H", "%an", "%ae", "%aI", "%s", "%b"]) + RECORD
CO_AUTHOR_RE = re.compile(
    r"^Co-authored-by:\s*(?P<name>.+?)\s*<(?P<email>[^>]+)>\s*$", re.MULTILINE | re.IGNORECASE
)


class GitConfig(FileConfig):
    branch: str = "HEAD"
    #: Repository name used as the channel; the folder name when empty.
    repository: str = ""
    #: Web address of the repository, for commit links (e.g. https://github.com/acme/engine).
    web_url: str = ""


@register
class GitHistory(Source):
    """Commits of a local git repository (authors, co-authors)."""

    name = "git"
    label = "git repository"
    default_source = "git"
    capabilities = frozenset({Capability.FILE_IMPORT})
    config_schema = GitConfig

    @property
    def git_config(self) -> GitConfig:
        assert isinstance(self.config, GitConfig)
        return self.config

    def _git(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            ["git", "-C", str(self.git_config.path), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
        )

    def content_fingerprint(self) -> str | None:
        process = self._git("rev-parse", self.git_config.branch)
        out, err = process.communicate()
        if process.returncode != 0:
            raise SourceFailure(
                f"{self.git_config.path} is not a git repository with {self.git_config.branch}: {err.strip()}"
            )
        return out.strip()

    def read(self) -> Iterator[ActivityRecord | Envelope]:
        config = self.git_config
        repository = config.repository or config.path.resolve().name
        process = self._git(
            "log",
            "--no-merges",
            "--reverse",
            "--topo-order",
            f"--format={LOG_FORMAT}",
            config.branch,
        )
        assert process.stdout is not None
        buffer = ""
        for chunk in iter(lambda: process.stdout.read(1 << 16), ""):  # type: ignore[union-attr]
            buffer += chunk
            *complete, buffer = buffer.split(RECORD)
            for entry in complete:
                yield from self._records(entry.lstrip("\n"), repository)
        if process.wait() != 0:
            raise SourceFailure(
                f"git log failed in {config.path}: {process.stderr.read().strip() if process.stderr else ''}"
            )

    def _records(self, entry: str, repository: str) -> Iterator[ActivityRecord | Envelope]:
        parts = entry.split(FIELD)
        if len(parts) != 6:
            yield Envelope(
                position=entry[:40],
                payload=None,
                error="unreadable git log entry",
                raw=entry[:2000],
            )
            return
        sha, author, email, date, subject, body = parts
        url = (
            f"{self.git_config.web_url.rstrip('/')}/commit/{sha}" if self.git_config.web_url else ""
        )
        try:
            occurred_at = datetime.fromisoformat(date)
            actor = self._person(author, email)
            yield ActivityRecord(
                source=self.source_slug,
                external_id=f"{repository}:{sha}",
                kind="commit",
                occurred_at=occurred_at,
                actor=actor,
                channel=repository,
                title=subject[:500],
                url=url,
                body=body.strip(),
                properties={"sha": sha},
            )
            for match in CO_AUTHOR_RE.finditer(body):
                co_author = self._person(match["name"], match["email"])
                yield ActivityRecord(
                    source=self.source_slug,
                    external_id=f"{repository}:{sha}:co:{co_author.key}"[:255],
                    kind="co_authored",
                    occurred_at=occurred_at,
                    actor=co_author,
                    target=actor,
                    channel=repository,
                    title=subject[:500],
                    url=url,
                    properties={"sha": sha},
                )
        except (InvalidRecord, ValueError) as error:
            yield Envelope(position=sha, payload=None, error=str(error), raw=entry[:2000])

    @staticmethod
    def _person(name: str, email: str) -> Person:
        name, email = name.strip(), email.strip()
        is_bot = name.lower().endswith("[bot]") or "[bot]@" in email.lower()
        if "@" not in email:
            return Person(username=name or email, name=name, is_bot=is_bot)
        return Person(email=email, name=name, is_bot=is_bot)
