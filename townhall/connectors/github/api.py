"""The GitHub REST API (`github-api`): issues, pull requests, comments, reviews, stars,
forks and releases of chosen repositories, synced incrementally — and their
discussions, which only the GraphQL API gives (`discussions.py`).

Per repository, in this order (each a paginated listing, 100 a page, `Link: rel="next"`):

- `GET /repos/{o}/{r}/issues?state=all&sort=updated&direction=asc&since=…` — every issue
  and pull request updated since the last sync. Each yields `issue_opened` or
  `pr_opened` (an item with a `pull_request` key) by its author, external id
  `owner/name#number` (also the conversation_id of everything in that thread), labels,
  state and comment count in properties. A closed item yields `issue_closed` /
  `pr_closed` by `closed_by` (from `GET /repos/{o}/{r}/issues/{n}`, the list does not
  carry it) or `pr_merged` by `merged_by` (`GET /repos/{o}/{r}/pulls/{n}`), with the
  author as target; these cost one request per item closed since the last sync (turn
  off with `closers: false`). For each pull request, `GET …/pulls/{n}/reviews` yields
  `pr_review` by the reviewer → the pull request's author (state in properties;
  pending reviews skipped).
- `GET /repos/{o}/{r}/issues/comments?sort=updated&direction=asc&since=…` →
  `issue_comment` → the issue's or pull request's author (conversation and parent =
  the issue).
- `GET /repos/{o}/{r}/stargazers` with `Accept: application/vnd.github.star+json` (for
  `starred_at`) → `star`; `GET /repos/{o}/{r}/forks?sort=oldest` → `fork` by the
  fork's owner; `GET /repos/{o}/{r}/releases` → `release_published` by its author
  (drafts skipped).
- `POST /graphql` (unless `discussions: false`) → `discussion_created`,
  `discussion_comment`, `discussion_reply` and `solution_accepted`; see `discussions.py`.
- `mention` → each `@login` in an issue, pull request, comment or review body (not in
  code or quotes) that names a real account (`GET /users/{login}` once per unknown
  login; a login GitHub does not know is not a mention), parent = the record it is in.

People are keyed by GitHub's numeric id (login, profile URL and avatar filled in;
`type: "Bot"` and `[bot]` logins flagged); the channel is `owner/name`. Rate limits:
a 403/429 with `X-RateLimit-Remaining: 0` (or a GraphQL `RATE_LIMITED` error) waits
until `X-RateLimit-Reset`; a secondary rate limit (403 with `Retry-After`) waits
`Retry-After` seconds.

Cursor, per repository: `issues` and `comments` (the latest `updated_at` whose records
were all yielded; the next sync asks `since` it), `stars_page` / `forks_page` (the last
listing page read; both lists grow at the end, and the next sync re-reads from the page
before it in case people unstarred meanwhile), `releases` (the latest `published_at`)
and `discussions` (the latest `updatedAt` whose records were all yielded).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from pydantic import Field, SecretStr, field_validator

from townhall.connectors.base import Capability, Source, SourceConfig
from townhall.connectors.registry import register
from townhall.core.http import AdaptingTransport, ApiClient, as_rate_limited, json_or_none
from townhall.core.records import ActivityRecord, Person
from townhall.core.services.imports import SourceFailure
from townhall.core.services.ingest import Envelope

from .common import WEB, mentioned_logins, person_from_user, split_repository
from .discussions import DiscussionSync

PER_PAGE = 100
ACCEPT = "application/vnd.github+json"
ACCEPT_STARS = "application/vnd.github.star+json"


class GitHubApiConfig(SourceConfig):
    #: The repositories to sync, as `owner/name`.
    repositories: list[str] = Field(min_length=1)
    #: A personal access token (classic or fine-grained, read access to the repositories).
    token: SecretStr
    #: `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise Server.
    base_url: str = "https://api.github.com"
    #: Ask who closed or merged each item closed since the last sync (a request each).
    closers: bool = True
    #: Read the reviews of each pull request updated since the last sync (a request each).
    reviews: bool = True
    #: Read GitHub Discussions (GraphQL): discussions, comments, replies, accepted answers.
    discussions: bool = True
    #: Read each person's public profile once (a request each): their name, public email
    #: and company, which link them to an organization and help identity resolution.
    profiles: bool = False

    @field_validator("repositories")
    @classmethod
    def _owner_name(cls, value: list[str]) -> list[str]:
        return ["/".join(split_repository(item)) for item in value]


class GitHubTransport(AdaptingTransport):
    """GitHub's rate limits as ApiClient understands them.

    GitHub signals a secondary rate limit with a 403 and `Retry-After` (or only its
    message), which ApiClient would take for a refusal; answering it as a 429 makes
    ApiClient wait and retry (`Retry-After` 60 s when GitHub gives none). The GraphQL API
    answers a spent rate limit with a 200 whose `errors` say `RATE_LIMITED`: that
    becomes a 429 too, which ApiClient waits out until `X-RateLimit-Reset`.
    """

    def adapt(self, request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if response.status_code == 403 and response.headers.get("x-ratelimit-remaining") != "0":
            response.read()
            if "retry-after" in response.headers or b"secondary rate limit" in response.content:
                return as_rate_limited(
                    response, request, wait=response.headers.get("retry-after", "60")
                )
        elif (
            response.status_code == 200
            and request.method == "POST"
            and request.url.path.endswith("/graphql")
        ):
            response.read()
            if b"RATE_LIMITED" in response.content and _graphql_rate_limited(response):
                reset_known = "x-ratelimit-reset" in response.headers
                return as_rate_limited(response, request, wait=None if reset_known else "60")
        return response


def _graphql_rate_limited(response: httpx.Response) -> bool:
    """Whether a GraphQL answer's `errors` say the rate limit is spent."""
    answer = json_or_none(response)
    errors = answer.get("errors") if isinstance(answer, dict) else None
    return isinstance(errors, list) and any(
        isinstance(error, dict) and error.get("type") == "RATE_LIMITED" for error in errors
    )


@register
class GitHubApi(Source):
    """Issues, pull requests, comments, reviews, stars, forks and releases via the REST API."""

    name = "github-api"
    label = "GitHub (REST API)"
    default_source = "github"
    capabilities = frozenset({Capability.LIVE_API, Capability.INCREMENTAL})
    config_schema = GitHubApiConfig

    @property
    def github_config(self) -> GitHubApiConfig:
        assert isinstance(self.config, GitHubApiConfig)
        return self.config

    def read(self) -> Iterator[ActivityRecord | Envelope]:
        config = self.github_config
        self._transport = GitHubTransport(self.transport)
        headers = {
            "Authorization": f"Bearer {config.token.get_secret_value()}",
            "X-GitHub-Api-Version": "2022-11-28",
        }
        base = config.base_url.rstrip("/")
        # ApiClient has one set of headers; the star listing needs another Accept.
        self.api = ApiClient(
            base,
            headers={**headers, "Accept": ACCEPT},
            transport=self._transport,
            sleep=self.sleep,
            label="GitHub",
        )
        self.star_api = ApiClient(
            base,
            headers={**headers, "Accept": ACCEPT_STARS},
            transport=self._transport,
            sleep=self.sleep,
            label="GitHub",
        )
        self._people: dict[str, Person | None] = {}  # login (lower case) → person
        self._profiled: set[str] = set()  # logins whose full profile has been read
        try:
            for repository in config.repositories:
                yield from RepositorySync(self, repository).read()
        finally:
            self.api.close()
            self.star_api.close()

    # -- helpers shared by the repository syncs -----------------------------------------

    def person(self, user: dict[str, Any] | None) -> Person | None:
        person = person_from_user(user)
        if person is None or not person.username:
            return person
        key = person.username.lower()
        if self.github_config.profiles and not person.is_bot:
            # The profile is read once; a mention may have read it already.
            known = self._people.get(key)
            if key not in self._profiled:
                known = self.mentioned_person(person.username, refresh=True) or person
                self._profiled.add(key)
            return known or person
        self._people.setdefault(key, person)
        return person

    def mentioned_person(self, login: str, *, refresh: bool = False) -> Person | None:
        """The account a mention names, or None when GitHub knows no such login."""
        key = login.lower()
        if refresh or key not in self._people:
            try:
                user = self.api.get_json(f"/users/{login}")
            except SourceFailure:
                if self.last_status != 404:
                    raise
                user = None
            self._people[key] = person_from_user(user)
            self._profiled.add(key)
        return self._people[key]

    @property
    def last_status(self) -> int:
        """The HTTP status of the last answer (to tell a 404 from other failures)."""
        return self._transport.last_status

    def repository_cursor(self, repository: str) -> dict[str, Any]:
        return dict(self.cursor.get(repository) or {})

    def advance(self, repository: str, **values: Any) -> None:
        """Move the cursor; called only once every record it covers has been yielded."""
        self.cursor = {**self.cursor, repository: {**self.repository_cursor(repository), **values}}


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _page_of(url: str) -> int:
    values = parse_qs(urlsplit(url).query).get("page")
    return int(values[0]) if values and values[0].isdigit() else 1


class RepositorySync:
    """One repository's part of a sync."""

    def __init__(self, source: GitHubApi, repository: str) -> None:
        self.source = source
        self.repository = repository
        self.path = f"/repos/{repository}"
        self.cursor = source.repository_cursor(repository)
        # number → (author, is a pull request), for the targets of comments.
        self.threads: dict[int, tuple[Person | None, bool]] = {}
        self.reached = False  # whether GitHub has answered for this repository yet

    def read(self) -> Iterator[ActivityRecord]:
        try:
            yield from self._issues()
            yield from self._comments()
            yield from self._stars()
            yield from self._forks()
            yield from self._releases()
            if self.source.github_config.discussions:
                yield from DiscussionSync(self).read()
        except SourceFailure as failure:
            status = self.source.last_status
            if status == 404 and not self.reached:
                raise SourceFailure(
                    f"GitHub has no repository {self.repository} this token can read (404); "
                    "check `repositories` and the token's access"
                ) from failure
            if status == 401:
                raise SourceFailure(
                    "GitHub refused the token (401 Bad credentials); create a new token "
                    "and save the connection again"
                ) from failure
            raise

    def _record(
        self, kind: str, external_id: str, actor: Person, at: str, **fields: Any
    ) -> ActivityRecord:
        target = fields.pop("target", None)
        if target is not None and target.external_id == actor.external_id:
            target = None  # acting on one's own issue is not an interaction
        return ActivityRecord(
            source=self.source.source_slug,
            external_id=external_id,
            kind=kind,
            occurred_at=_time(at),
            actor=actor,
            target=target,
            channel=self.repository,
            **fields,
        )

    def _mentions(self, record: ActivityRecord, body: str | None) -> Iterator[ActivityRecord]:
        for login in mentioned_logins(body, author=record.actor.username or ""):
            person = self.source.mentioned_person(login)
            if person is None or person.external_id == record.actor.external_id:
                continue
            yield ActivityRecord(
                source=record.source,
                external_id=f"{record.external_id}:mention:{(person.username or login).lower()}",
                kind="mention",
                occurred_at=record.occurred_at,
                actor=record.actor,
                target=person,
                channel=record.channel,
                title=record.title,
                url=record.url,
                conversation_id=record.conversation_id,
                parent_id=record.external_id,
            )

    # -- issues and pull requests --------------------------------------------------------

    def _issues(self) -> Iterator[ActivityRecord]:
        since = self.cursor.get("issues")
        params: dict[str, Any] = {
            "state": "all",
            "sort": "updated",
            "direction": "asc",
            "per_page": PER_PAGE,
        }
        if since:
            params["since"] = since
        for response in self.source.api.paginate_links(f"{self.path}/issues", params):
            self.reached = True
            items = response.json()
            # Know the page's authors first: a mention of one of them needs no request.
            for item in items:
                self.source.person(item.get("user"))
            for item in items:
                yield from self._issue(item, since)
            if items:
                self.source.advance(self.repository, issues=max(i["updated_at"] for i in items))

    def _issue(self, item: dict[str, Any], since: str | None) -> Iterator[ActivityRecord]:
        number = item["number"]
        is_pr = "pull_request" in item
        author = self.source.person(item.get("user"))
        self.threads[number] = (author, is_pr)
        thread = f"{self.repository}#{number}"
        labels = [label["name"] for label in item.get("labels") or [] if isinstance(label, dict)]
        properties: dict[str, Any] = {
            "state": item.get("state"),
            "comments": item.get("comments", 0),
        }
        if labels:
            properties["labels"] = labels
        if item.get("state_reason"):
            properties["state_reason"] = item["state_reason"]
        if is_pr:
            properties["merged"] = bool((item.get("pull_request") or {}).get("merged_at"))
        if author is not None:
            opened = self._record(
                "pr_opened" if is_pr else "issue_opened",
                thread,
                author,
                item["created_at"],
                title=(item.get("title") or "")[:500],
                url=item.get("html_url") or "",
                body=item.get("body") or "",
                conversation_id=thread,
                properties=properties,
            )
            yield opened
            yield from self._mentions(opened, item.get("body"))
        closed_at = item.get("closed_at")
        if closed_at and self.source.github_config.closers and (not since or closed_at >= since):
            yield from self._closed(item, author, thread)
        if is_pr and self.source.github_config.reviews:
            yield from self._reviews(number, author, thread, item.get("title") or "")

    def _closed(
        self, item: dict[str, Any], author: Person | None, thread: str
    ) -> Iterator[ActivityRecord]:
        number = item["number"]
        merged_at = (item.get("pull_request") or {}).get("merged_at")
        if merged_at:
            pull = self.source.api.get_json(f"{self.path}/pulls/{number}")
            closer = self.source.person(pull.get("merged_by"))
            kind, external_id, at = (
                "pr_merged",
                f"{thread}:merged",
                pull.get("merged_at") or merged_at,
            )
        else:
            issue = self.source.api.get_json(f"{self.path}/issues/{number}")
            closer = self.source.person(issue.get("closed_by"))
            kind = "pr_closed" if "pull_request" in item else "issue_closed"
            at = issue.get("closed_at") or item["closed_at"]
            external_id = f"{thread}:closed:{at}"
        if closer is None:
            return  # closed by an account that no longer exists
        yield self._record(
            kind,
            external_id,
            closer,
            at,
            target=author,
            title=(item.get("title") or "")[:500],
            url=item.get("html_url") or "",
            conversation_id=thread,
            parent_id=thread,
            properties={"state_reason": item["state_reason"]} if item.get("state_reason") else {},
        )

    def _reviews(
        self, number: int, author: Person | None, thread: str, title: str
    ) -> Iterator[ActivityRecord]:
        for response in self.source.api.paginate_links(
            f"{self.path}/pulls/{number}/reviews", {"per_page": PER_PAGE}
        ):
            for review in response.json():
                reviewer = self.source.person(review.get("user"))
                if reviewer is None or not review.get("submitted_at"):
                    continue  # pending (unsubmitted) review, or a deleted account
                record = self._record(
                    "pr_review",
                    f"{self.repository}:review:{review['id']}",
                    reviewer,
                    review["submitted_at"],
                    target=author,
                    title=title[:500],
                    url=review.get("html_url") or "",
                    body=review.get("body") or "",
                    conversation_id=thread,
                    parent_id=thread,
                    properties={"state": (review.get("state") or "").lower()},
                )
                yield record
                yield from self._mentions(record, review.get("body"))

    # -- comments ----------------------------------------------------------------------

    def _comments(self) -> Iterator[ActivityRecord]:
        params: dict[str, Any] = {"sort": "updated", "direction": "asc", "per_page": PER_PAGE}
        if self.cursor.get("comments"):
            params["since"] = self.cursor["comments"]
        for response in self.source.api.paginate_links(f"{self.path}/issues/comments", params):
            comments = response.json()
            for comment in comments:
                self.source.person(comment.get("user"))
            for comment in comments:
                yield from self._comment(comment)
            if comments:
                self.source.advance(
                    self.repository, comments=max(c["updated_at"] for c in comments)
                )

    def _comment(self, comment: dict[str, Any]) -> Iterator[ActivityRecord]:
        author = self.source.person(comment.get("user"))
        if author is None:
            return
        number = int(comment["issue_url"].rsplit("/", 1)[1])
        if number not in self.threads:
            # A comment edited on an issue this sync did not list: ask for its author.
            issue = self.source.api.get_json(f"{self.path}/issues/{number}")
            self.threads[number] = (self.source.person(issue.get("user")), "pull_request" in issue)
        issue_author, is_pr = self.threads[number]
        thread = f"{self.repository}#{number}"
        record = self._record(
            "issue_comment",
            f"{self.repository}:comment:{comment['id']}",
            author,
            comment["created_at"],
            target=issue_author,
            url=comment.get("html_url") or "",
            body=comment.get("body") or "",
            conversation_id=thread,
            parent_id=thread,
            properties={"pull_request": True} if is_pr else {},
        )
        yield record
        yield from self._mentions(record, comment.get("body"))

    # -- stars, forks, releases ------------------------------------------------------------

    def _pages(
        self, api: ApiClient, path: str, key: str, params: dict[str, Any]
    ) -> Iterator[tuple[int, list[Any]]]:
        """A listing that only grows at its end, from the page before the last one read."""
        start = max(1, int(self.cursor.get(key) or 1) - 1)
        for response in api.paginate_links(path, {**params, "per_page": PER_PAGE, "page": start}):
            yield _page_of(str(response.url)), response.json()

    def _stars(self) -> Iterator[ActivityRecord]:
        url = f"{WEB}/{self.repository}/stargazers"
        for page, stars in self._pages(
            self.source.star_api, f"{self.path}/stargazers", "stars_page", {}
        ):
            for star in stars:
                person = self.source.person(star.get("user"))
                if person is not None and star.get("starred_at"):
                    yield self._record(
                        "star",
                        f"{self.repository}:star:{person.external_id}",
                        person,
                        star["starred_at"],
                        url=url,
                    )
            self.source.advance(self.repository, stars_page=page)

    def _forks(self) -> Iterator[ActivityRecord]:
        for page, forks in self._pages(
            self.source.api, f"{self.path}/forks", "forks_page", {"sort": "oldest"}
        ):
            for fork in forks:
                owner = self.source.person(fork.get("owner"))
                if owner is not None:
                    yield self._record(
                        "fork",
                        f"{self.repository}:fork:{fork['id']}",
                        owner,
                        fork["created_at"],
                        url=fork.get("html_url") or "",
                        properties={"fork": fork.get("full_name")},
                    )
            self.source.advance(self.repository, forks_page=page)

    def _releases(self) -> Iterator[ActivityRecord]:
        since = self.cursor.get("releases") or ""
        latest = since
        # Newest first: stop at the first page that holds nothing newer than the cursor.
        for response in self.source.api.paginate_links(
            f"{self.path}/releases", {"per_page": PER_PAGE}
        ):
            releases = response.json()
            newer = [r for r in releases if (r.get("published_at") or "") > since]
            for release in newer:
                author = self.source.person(release.get("author"))
                if author is None or release.get("draft"):
                    continue
                latest = max(latest, release["published_at"])
                yield self._record(
                    "release_published",
                    f"{self.repository}:release:{release['id']}",
                    author,
                    release["published_at"],
                    title=(release.get("name") or release.get("tag_name") or "")[:500],
                    url=release.get("html_url") or "",
                    body=release.get("body") or "",
                    properties={
                        "tag": release.get("tag_name"),
                        "prerelease": bool(release.get("prerelease")),
                    },
                )
            if any(r.get("published_at") and r["published_at"] <= since for r in releases):
                break
        if latest != since:
            self.source.advance(self.repository, releases=latest)
