"""Synthetic GH Archive hours for benchmarks and demos, and a parse-speed measurement.

    python -m townhall.connectors.github.sample generate OUT_DIR --events 300000 --hours 3
    python -m townhall.connectors.github.sample measure OUT_DIR

`generate` writes `YYYY-MM-DD-H.json.gz` files in the shapes GH Archive serves
(2024-era payloads: full pull request objects with head/base repositories, pushes
with commits; a tenth of the events in the slim shape GitHub sends since October
2025), with the mix of event types of a real hour of GitHub (half pushes, an eighth
branch/tag creation…), Zipf-distributed actors and repositories, bots included.
`measure` times `GhArchive.read()` alone (decompression, decoding, mapping — no
database), which is the connector's own cost; `townhall ingest gharchive DIR` adds
the database's.
"""

from __future__ import annotations

import argparse
import bisect
import gzip
import itertools
import json
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# (type, weight) as in a 2024 hour of GH Archive, rounded.
EVENT_MIX = [
    ("PushEvent", 500),
    ("CreateEvent", 130),
    ("PullRequestEvent", 80),
    ("WatchEvent", 60),
    ("IssueCommentEvent", 50),
    ("DeleteEvent", 40),
    ("PullRequestReviewEvent", 35),
    ("PullRequestReviewCommentEvent", 25),
    ("IssuesEvent", 25),
    ("ForkEvent", 15),
    ("ReleaseEvent", 8),
    ("CommitCommentEvent", 3),
    ("MemberEvent", 3),
    ("GollumEvent", 2),
    ("PublicEvent", 2),
    ("DiscussionEvent", 2),
]
WORDS = (
    "fix crash config build test docs update add remove refactor cache parser api cli "
    "release bump deps typo error handle empty null timeout retry login page style lint"
).split()


class Generator:
    """Deterministic (seeded) GH Archive events."""

    def __init__(self, seed: int = 7, actors: int = 50_000, repositories: int = 20_000) -> None:
        self.random = random.Random(seed)
        self.actor_count, self.repo_count = actors, repositories
        self.next_event_id = 35_400_000_000
        self.next_item_id = 1_900_000_000
        types, weights = zip(*EVENT_MIX, strict=True)
        self.types = types
        self.cumulative = list(itertools.accumulate(weights))

    def _zipf(self, n: int) -> int:
        # Inverse-CDF of a 1/x law: a few very active actors and repositories, a long tail.
        return min(int(n ** self.random.random()), n) - 1

    def actor(self, index: int | None = None) -> tuple[str, int]:
        index = self._zipf(self.actor_count) if index is None else index
        if index % 40 == 0:
            return (
                ("dependabot[bot]", 49699333)
                if index % 80 == 0
                else ("github-actions[bot]", 41898282)
            )
        return f"dev-{index:05d}", 1_000_000 + index * 7

    def repo(self) -> tuple[str, int]:
        index = self._zipf(self.repo_count)
        return f"org-{index % 997:03d}/project-{index:05d}", 400_000_000 + index

    def _id(self) -> int:
        self.next_item_id += self.random.randint(1, 50)
        return self.next_item_id

    def text(self, words: int) -> str:
        return " ".join(self.random.choice(WORDS) for _ in range(words)).capitalize()

    def user(self, login: str, uid: int) -> dict[str, Any]:
        return {
            "login": login,
            "id": uid,
            "node_id": f"MDQ6VXNlcj{uid}",
            "avatar_url": f"https://avatars.githubusercontent.com/u/{uid}?v=4",
            "gravatar_id": "",
            "url": f"https://api.github.com/users/{login}",
            "html_url": f"https://github.com/{login}",
            "followers_url": f"https://api.github.com/users/{login}/followers",
            "repos_url": f"https://api.github.com/users/{login}/repos",
            "type": "Bot" if login.endswith("[bot]") else "User",
            "user_view_type": "public",
            "site_admin": False,
        }

    def repository(self, name: str, rid: int) -> dict[str, Any]:
        owner = name.split("/")[0]
        api = f"https://api.github.com/repos/{name}"
        return {
            "id": rid,
            "node_id": f"R_kgDO{rid}",
            "name": name.split("/")[1],
            "full_name": name,
            "private": False,
            "owner": self.user(owner, 90_000_000 + rid % 997),
            "html_url": f"https://github.com/{name}",
            "description": self.text(8),
            "fork": False,
            "url": api,
            "issues_url": api + "/issues{/number}",
            "pulls_url": api + "/pulls{/number}",
            "commits_url": api + "/commits{/sha}",
            "created_at": "2021-10-01T09:12:44Z",
            "updated_at": "2024-03-05T13:58:10Z",
            "pushed_at": "2024-03-05T14:10:02Z",
            "git_url": f"git://github.com/{name}.git",
            "clone_url": f"https://github.com/{name}.git",
            "homepage": None,
            "size": 18_000,
            "stargazers_count": 120,
            "watchers_count": 120,
            "language": "Python",
            "forks_count": 12,
            "open_issues_count": 41,
            "license": {"key": "mit", "name": "MIT License", "spdx_id": "MIT"},
            "topics": ["community", "python"],
            "visibility": "public",
            "default_branch": "main",
        }

    def issue(self, name: str, number: int, author: tuple[str, int], pr: bool) -> dict[str, Any]:
        issue: dict[str, Any] = {
            "url": f"https://api.github.com/repos/{name}/issues/{number}",
            "repository_url": f"https://api.github.com/repos/{name}",
            "html_url": f"https://github.com/{name}/{'pull' if pr else 'issues'}/{number}",
            "id": self._id(),
            "node_id": f"I_kwDO{number}",
            "number": number,
            "title": self.text(6),
            "user": self.user(*author),
            "labels": [{"id": 1, "name": "bug", "color": "d73a4a", "default": True}],
            "state": "open",
            "locked": False,
            "assignee": None,
            "assignees": [],
            "milestone": None,
            "comments": 2,
            "created_at": "2024-03-05T13:00:00Z",
            "updated_at": "2024-03-05T14:00:00Z",
            "closed_at": None,
            "author_association": "CONTRIBUTOR",
            "body": self.text(40)
            + (f" cc @{self.actor()[0]}" if self.random.random() < 0.2 else ""),
            "reactions": {"total_count": 0, "+1": 0, "-1": 0, "heart": 0},
        }
        if pr:
            issue["pull_request"] = {
                "url": f"https://api.github.com/repos/{name}/pulls/{number}",
                "html_url": f"https://github.com/{name}/pull/{number}",
                "merged_at": None,
            }
        return issue

    def pull(self, name: str, rid: int, number: int, author: tuple[str, int]) -> dict[str, Any]:
        sha = f"{self.random.getrandbits(160):040x}"
        branch = {
            "ref": "main",
            "sha": sha,
            "user": self.user(*author),
            "repo": self.repository(name, rid),
        }
        return {
            "url": f"https://api.github.com/repos/{name}/pulls/{number}",
            "id": self._id(),
            "node_id": f"PR_kwDO{number}",
            "html_url": f"https://github.com/{name}/pull/{number}",
            "diff_url": f"https://github.com/{name}/pull/{number}.diff",
            "number": number,
            "state": "open",
            "locked": False,
            "title": self.text(6),
            "user": self.user(*author),
            "body": self.text(60),
            "created_at": "2024-03-05T13:00:00Z",
            "updated_at": "2024-03-05T14:00:00Z",
            "closed_at": None,
            "merged_at": None,
            "merge_commit_sha": sha,
            "assignee": None,
            "requested_reviewers": [],
            "labels": [],
            "draft": False,
            "head": {**branch, "ref": "feature"},
            "base": branch,
            "author_association": "CONTRIBUTOR",
            "merged": False,
            "mergeable_state": "unknown",
            "merged_by": None,
            "comments": 1,
            "review_comments": 0,
            "commits": 2,
            "additions": 40,
            "deletions": 7,
            "changed_files": 3,
        }

    def event(self, at: datetime) -> dict[str, Any]:
        kind = self.types[
            bisect.bisect_left(self.cumulative, self.random.randrange(self.cumulative[-1]) + 1)
        ]
        actor = self.actor()
        name, rid = self.repo()
        slim = self.random.random() < 0.1
        number = self.random.randint(1, 5000)
        other = self.actor()
        payload: dict[str, Any]
        if kind == "PushEvent":
            payload = {
                "repository_id": rid,
                "push_id": self._id(),
                "ref": "refs/heads/main",
                "head": f"{self.random.getrandbits(160):040x}",
                "before": f"{self.random.getrandbits(160):040x}",
            }
            if not slim:
                commits = [
                    {
                        "sha": f"{self.random.getrandbits(160):040x}",
                        "author": {
                            "email": f"{actor[0]}@users.noreply.github.com",
                            "name": actor[0],
                        },
                        "message": self.text(7),
                        "distinct": True,
                        "url": f"https://api.github.com/repos/{name}/commits/x",
                    }
                    for _ in range(self.random.randint(1, 3))
                ]
                payload.update(size=len(commits), distinct_size=len(commits), commits=commits)
        elif kind == "CreateEvent":
            payload = {
                "ref": "feature",
                "ref_type": "branch",
                "master_branch": "main",
                "description": self.text(5),
                "pusher_type": "user",
            }
        elif kind == "DeleteEvent":
            payload = {"ref": "feature", "ref_type": "branch", "pusher_type": "user"}
        elif kind == "WatchEvent":
            payload = {"action": "started"}
        elif kind == "ForkEvent":
            payload = {"forkee": self.repository(f"{actor[0]}/{name.split('/')[1]}", self._id())}
        elif kind == "PullRequestEvent":
            action = self.random.choice(("opened", "closed", "closed", "reopened"))
            pull = (
                {
                    "url": f"https://api.github.com/repos/{name}/pulls/{number}",
                    "id": self._id(),
                    "number": number,
                    "head": {"ref": "feature", "sha": "0" * 40, "repo": {"id": rid, "name": name}},
                    "base": {"ref": "main", "sha": "1" * 40, "repo": {"id": rid, "name": name}},
                }
                if slim
                else self.pull(name, rid, number, other)
            )
            if action == "closed" and not slim:
                pull.update(
                    state="closed", merged=self.random.random() < 0.7, merged_by=self.user(*actor)
                )
            payload = {"action": action, "number": number, "pull_request": pull}
        elif kind in ("PullRequestReviewEvent", "PullRequestReviewCommentEvent"):
            pull = self.pull(name, rid, number, other)
            item = {
                "id": self._id(),
                "user": self.user(*actor),
                "body": self.text(12),
                "state": "approved",
                "html_url": f"https://github.com/{name}/pull/{number}#pullrequestreview-1",
                "submitted_at": "2024-03-05T14:00:00Z",
            }
            key = "review" if kind == "PullRequestReviewEvent" else "comment"
            payload = {"action": "created", key: item, "pull_request": pull}
        elif kind == "IssueCommentEvent":
            payload = {
                "action": "created",
                "issue": self.issue(name, number, other, pr=self.random.random() < 0.5),
                "comment": {
                    "id": self._id(),
                    "html_url": f"https://github.com/{name}/issues/{number}#issuecomment-1",
                    "user": self.user(*actor),
                    "created_at": "2024-03-05T14:00:00Z",
                    "body": self.text(30),
                },
            }
        elif kind == "IssuesEvent":
            payload = {
                "action": self.random.choice(("opened", "closed", "labeled")),
                "issue": self.issue(name, number, other, pr=False),
            }
        elif kind == "ReleaseEvent":
            payload = {
                "action": "published",
                "release": {
                    "id": self._id(),
                    "tag_name": "v1.2.3",
                    "name": "1.2.3",
                    "body": self.text(30),
                    "html_url": f"https://github.com/{name}/releases/tag/v1.2.3",
                    "author": self.user(*actor),
                    "prerelease": False,
                    "draft": False,
                },
            }
        elif kind == "CommitCommentEvent":
            payload = {
                "action": "created",
                "comment": {
                    "id": self._id(),
                    "user": self.user(*actor),
                    "body": self.text(15),
                    "commit_id": "2" * 40,
                    "html_url": f"https://github.com/{name}/commit/{'2' * 40}#commitcomment-1",
                },
            }
        elif kind == "MemberEvent":
            payload = {"member": self.user(*other), "action": "added"}
        elif kind == "GollumEvent":
            payload = {
                "pages": [
                    {
                        "page_name": "Home",
                        "title": "Home",
                        "summary": None,
                        "action": "edited",
                        "sha": "3" * 40,
                        "html_url": f"https://github.com/{name}/wiki/Home",
                    }
                ]
            }
        elif kind == "DiscussionEvent":
            payload = {
                "action": "created",
                "discussion": {
                    "id": self._id(),
                    "number": number,
                    "title": self.text(6),
                    "body": self.text(40),
                    "html_url": f"https://github.com/{name}/discussions/{number}",
                    "user": self.user(*actor),
                    "category": {"name": "Q&A"},
                },
            }
        else:
            payload = {}
        self.next_event_id += self.random.randint(1, 3)
        event: dict[str, Any] = {
            "id": str(self.next_event_id),
            "type": kind,
            "actor": {
                "id": actor[1],
                "login": actor[0],
                "display_login": actor[0],
                "gravatar_id": "",
                "url": f"https://api.github.com/users/{actor[0]}",
                "avatar_url": f"https://avatars.githubusercontent.com/u/{actor[1]}?",
            },
            "repo": {"id": rid, "name": name, "url": f"https://api.github.com/repos/{name}"},
            "payload": payload,
            "public": True,
            "created_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        if name.startswith("org-0"):
            event["org"] = {
                "id": 90_000_000,
                "login": name.split("/")[0],
                "gravatar_id": "",
                "url": f"https://api.github.com/orgs/{name.split('/')[0]}",
                "avatar_url": "https://avatars.githubusercontent.com/u/90000000?",
            }
        return event


def generate(out: Path, *, events: int, hours: int, seed: int = 7) -> list[Path]:
    """Write `events` events spread over `hours` hour files in `out`; returns the files."""
    out.mkdir(parents=True, exist_ok=True)
    generator = Generator(seed)
    start = datetime(2024, 3, 5, 14, tzinfo=UTC)
    per_hour = -(-events // hours)
    files = []
    for hour in range(hours):
        moment = start + timedelta(hours=hour)
        path = out / f"{moment:%Y-%m-%d}-{moment.hour}.json.gz"
        count = min(per_hour, events - hour * per_hour)
        with gzip.open(path, "wt", encoding="utf-8", compresslevel=6) as handle:
            for index in range(count):
                at = moment + timedelta(seconds=index * 3600 // max(count, 1))
                handle.write(json.dumps(generator.event(at), separators=(",", ":")) + "\n")
        files.append(path)
    return files


def measure(path: Path) -> dict[str, float]:
    """Time `GhArchive.read()` over `path` (no database)."""
    from townhall.connectors.github.archive import GhArchive, GhArchiveConfig

    source = GhArchive(GhArchiveConfig(path=path))
    started = time.perf_counter()
    records = sum(1 for _ in source.read())
    seconds = time.perf_counter() - started
    return {
        "events": source.events,
        "records": records,
        "seconds": round(seconds, 2),
        "events_per_second": round(source.events / seconds),
        "records_per_second": round(records / seconds),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m townhall.connectors.github.sample")
    commands = parser.add_subparsers(dest="command", required=True)
    make = commands.add_parser("generate", help="write synthetic GH Archive hour files")
    make.add_argument("out", type=Path)
    make.add_argument("--events", type=int, default=300_000)
    make.add_argument("--hours", type=int, default=3)
    make.add_argument("--seed", type=int, default=7)
    timing = commands.add_parser("measure", help="time GhArchive.read() over a file or folder")
    timing.add_argument("path", type=Path)
    args = parser.parse_args(argv)
    if args.command == "generate":
        for file in generate(args.out, events=args.events, hours=args.hours, seed=args.seed):
            print(f"{file} {file.stat().st_size / 1e6:.1f} MB")
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")
    import django

    django.setup()
    print(json.dumps(measure(args.path)))


if __name__ == "__main__":
    main(sys.argv[1:])
