"""GH Archive events → ActivityRecords: a typed partial schema and one mapper per type.

Decoding is the hot path of a GH Archive import (an hour of all of GitHub is about
200,000 events), so events are decoded with msgspec into structs holding only the
fields used here; unknown fields are skipped by the decoder without building Python
objects. The payload is kept raw (`msgspec.Raw`) until the event has passed the
repository filter and its type is one we map, so events that are filtered out or
skipped never have their payload decoded.

Payload shapes follow the Events API. Since October 2025 GitHub sends slimmer
payloads: a pull request in `PullRequestEvent` / `PullRequestReview*Event` carries
only `id`, `number`, `url`, `head` and `base` (no author, title or `merged`), and a
`PushEvent` no longer lists commits or their count. Every field is therefore
optional, and the mapper uses what the file has.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import msgspec

from townhall.core.records import ActivityRecord, Person

from .common import WEB, is_bot_login, mentioned_logins


class User(msgspec.Struct):
    id: int | None = None
    login: str = ""
    avatar_url: str | None = None
    html_url: str | None = None
    type: str = ""


class Actor(msgspec.Struct):
    id: int
    login: str
    avatar_url: str | None = None


class Repo(msgspec.Struct):
    name: str
    id: int | None = None


class Event(msgspec.Struct):
    id: str | int
    type: str
    actor: Actor
    repo: Repo
    created_at: datetime
    payload: msgspec.Raw = msgspec.Raw(b"{}")


class Label(msgspec.Struct):
    name: str = ""


class IssuePullRequest(msgspec.Struct):
    merged_at: str | None = None


class Issue(msgspec.Struct):
    number: int = 0
    title: str = ""
    body: str | None = None
    html_url: str = ""
    state: str = ""
    user: User | None = None
    labels: list[Label] = []
    pull_request: IssuePullRequest | None = None


class Comment(msgspec.Struct):
    id: int = 0
    body: str | None = None
    html_url: str = ""
    user: User | None = None
    commit_id: str = ""
    in_reply_to_id: int | None = None
    pull_request_review_id: int | None = None


class PullRequest(msgspec.Struct):
    number: int = 0
    title: str = ""
    body: str | None = None
    html_url: str = ""
    user: User | None = None
    merged: bool | None = None
    draft: bool | None = None
    additions: int | None = None
    deletions: int | None = None


class Review(msgspec.Struct):
    id: int = 0
    body: str | None = None
    state: str = ""
    html_url: str = ""
    user: User | None = None


class Release(msgspec.Struct):
    id: int = 0
    tag_name: str = ""
    name: str | None = None
    body: str | None = None
    html_url: str = ""
    prerelease: bool = False


class Forkee(msgspec.Struct):
    full_name: str = ""
    html_url: str = ""


class Page(msgspec.Struct):
    title: str = ""
    action: str = ""


class Category(msgspec.Struct):
    name: str = ""


class Discussion(msgspec.Struct):
    number: int = 0
    title: str = ""
    body: str | None = None
    html_url: str = ""
    user: User | None = None
    category: Category | None = None


class Commit(msgspec.Struct):
    distinct: bool = True


class Payload(msgspec.Struct):
    """The union of the payload fields we read; each event type fills some of them."""

    action: str = ""
    number: int = 0
    issue: Issue | None = None
    comment: Comment | None = None
    pull_request: PullRequest | None = None
    review: Review | None = None
    release: Release | None = None
    forkee: Forkee | None = None
    member: User | None = None
    pages: list[Page] = []
    discussion: Discussion | None = None
    push_id: int | None = None
    size: int | None = None
    distinct_size: int | None = None
    commits: list[Commit] | None = None
    ref: str | None = None
    head: str = ""


decode_event = msgspec.json.Decoder(Event).decode
decode_payload = msgspec.json.Decoder(Payload).decode

#: Event types that are read but yield nothing, and why (docs/connectors/github.md).
SKIPPED_TYPES = {
    "CreateEvent": "branch and tag creation is part of pushing, counted by push",
    "DeleteEvent": "branch and tag deletion is housekeeping",
    "PublicEvent": "a repository made public is not a person's community activity",
    "SponsorshipEvent": "sponsorships are private to the sponsor",
}


class Mapper:
    """Turns decoded events into records; keeps a cache of people (most actors act often)."""

    def __init__(self, source: str, *, known_logins_limit: int = 500_000) -> None:
        self.source = source
        self._actors: dict[int, Person] = {}
        self._users: dict[int, Person] = {}
        # login (lower case) → (id, login), from every actor and user seen, so a mention
        # of someone seen earlier in the input targets their id-keyed identity.
        self.known_logins: dict[str, tuple[int, str]] = {}
        self._known_logins_limit = known_logins_limit
        self.handlers: dict[str, Callable[[Event, Payload], Iterator[ActivityRecord]]] = {
            "WatchEvent": self._watch,
            "ForkEvent": self._fork,
            "IssuesEvent": self._issues,
            "IssueCommentEvent": self._issue_comment,
            "PullRequestEvent": self._pull_request,
            "PullRequestReviewEvent": self._review,
            "PullRequestReviewCommentEvent": self._review_comment,
            "PushEvent": self._push,
            "ReleaseEvent": self._release,
            "MemberEvent": self._member,
            "GollumEvent": self._gollum,
            "CommitCommentEvent": self._commit_comment,
            "DiscussionEvent": self._discussion,
        }
        #: Events read but not turned into activities, by `Type` or `Type/action`.
        self.skipped: dict[str, int] = {}

    # -- people -----------------------------------------------------------------------

    def actor(self, actor: Actor) -> Person:
        person = self._actors.get(actor.id)
        if person is None or person.username != actor.login:
            if len(self._actors) > 200_000:
                self._actors.clear()
            person = Person(
                external_id=str(actor.id),
                username=actor.login,
                url=f"{WEB}/{actor.login}",
                avatar_url=actor.avatar_url or None,
                is_bot=is_bot_login(actor.login),
            )
            self._actors[actor.id] = person
            self._remember(actor.login, actor.id)
        return person

    def user(self, user: User | None) -> Person | None:
        if user is None or user.id is None:
            return None
        person = self._users.get(user.id)
        if person is None:
            if len(self._users) > 200_000:
                self._users.clear()
            person = Person(
                external_id=str(user.id),
                username=user.login or None,
                url=user.html_url or (f"{WEB}/{user.login}" if user.login else None),
                avatar_url=user.avatar_url or None,
                is_bot=user.type == "Bot" or is_bot_login(user.login),
            )
            self._users[user.id] = person
            if user.login:
                self._remember(user.login, user.id)
        return person

    def _remember(self, login: str, user_id: int) -> None:
        if len(self.known_logins) < self._known_logins_limit:
            self.known_logins[login.lower()] = (user_id, login)

    # -- records ----------------------------------------------------------------------

    def records(self, event: Event) -> Iterator[ActivityRecord]:
        """The records of one event (none for a skipped type or action)."""
        handler = self.handlers.get(event.type)
        if handler is None:
            self._skip(event.type)
            return iter(())
        return handler(event, decode_payload(event.payload))

    def _skip(self, what: str) -> None:
        self.skipped[what] = self.skipped.get(what, 0) + 1

    def _record(
        self,
        event: Event,
        kind: str,
        *,
        target: Person | None = None,
        title: str = "",
        url: str = "",
        body: str | None = None,
        conversation_id: str = "",
        properties: dict[str, Any] | None = None,
    ) -> ActivityRecord:
        actor = self.actor(event.actor)
        if target is not None and target.external_id == actor.external_id:
            target = None  # acting on one's own issue is not an interaction
        return ActivityRecord(
            source=self.source,
            external_id=str(event.id),
            kind=kind,
            occurred_at=event.created_at,
            actor=actor,
            target=target,
            channel=event.repo.name,
            title=title[:500],
            url=url,
            body=body or "",
            conversation_id=conversation_id,
            properties=properties or {},
        )

    def _mentions(
        self, event: Event, record: ActivityRecord, body: str | None
    ) -> Iterator[ActivityRecord]:
        for login in mentioned_logins(body, author=event.actor.login):
            known = self.known_logins.get(login.lower())
            if known is not None:
                user_id, login = known
            target = Person(
                external_id=str(user_id) if known is not None else None,
                username=login,
                url=f"{WEB}/{login}",
                is_bot=is_bot_login(login),
            )
            yield ActivityRecord(
                source=self.source,
                external_id=f"{event.id}:mention:{login.lower()}",
                kind="mention",
                occurred_at=record.occurred_at,
                actor=record.actor,
                target=target,
                channel=record.channel,
                title=record.title,
                url=record.url,
                conversation_id=record.conversation_id,
                parent_id=record.external_id,
            )

    def _thread(self, event: Event, number: int) -> str:
        return f"{event.repo.name}#{number}" if number else ""

    def _watch(self, event: Event, payload: Payload) -> Iterator[ActivityRecord]:
        yield self._record(event, "star", url=f"{WEB}/{event.repo.name}")

    def _fork(self, event: Event, payload: Payload) -> Iterator[ActivityRecord]:
        forkee = payload.forkee or Forkee()
        yield self._record(
            event,
            "fork",
            url=forkee.html_url or f"{WEB}/{event.repo.name}",
            properties={"fork": forkee.full_name} if forkee.full_name else None,
        )

    _ISSUE_KINDS = {
        "opened": "issue_opened",
        "closed": "issue_closed",
        "reopened": "issue_reopened",
    }

    def _issues(self, event: Event, payload: Payload) -> Iterator[ActivityRecord]:
        kind = self._ISSUE_KINDS.get(payload.action)
        issue = payload.issue
        if kind is None or issue is None:
            self._skip(f"IssuesEvent/{payload.action}")
            return
        opened = kind == "issue_opened"
        record = self._record(
            event,
            kind,
            target=None if opened else self.user(issue.user),
            title=issue.title,
            url=issue.html_url,
            body=issue.body if opened else None,
            conversation_id=self._thread(event, issue.number),
            properties=_labels(issue.labels),
        )
        yield record
        if opened:
            yield from self._mentions(event, record, issue.body)

    def _issue_comment(self, event: Event, payload: Payload) -> Iterator[ActivityRecord]:
        issue, comment = payload.issue, payload.comment
        if payload.action != "created" or issue is None or comment is None:
            self._skip(f"IssueCommentEvent/{payload.action}")
            return
        record = self._record(
            event,
            "issue_comment",
            target=self.user(issue.user),
            title=issue.title,
            url=comment.html_url or issue.html_url,
            body=comment.body,
            conversation_id=self._thread(event, issue.number),
            properties={"pull_request": True} if issue.pull_request is not None else None,
        )
        yield record
        yield from self._mentions(event, record, comment.body)

    def _pull_request(self, event: Event, payload: Payload) -> Iterator[ActivityRecord]:
        pr = payload.pull_request or PullRequest()
        action = payload.action
        if action == "opened":
            kind = "pr_opened"
        elif action == "merged" or (action == "closed" and pr.merged):
            kind = "pr_merged"
        elif action == "closed":
            kind = "pr_closed"
        elif action == "reopened":
            kind = "pr_reopened"
        else:
            self._skip(f"PullRequestEvent/{action}")
            return
        number = pr.number or payload.number
        properties: dict[str, Any] = {}
        if kind == "pr_closed" and pr.merged is None:
            # Slim payloads (October 2025 on) do not say whether a close was a merge.
            properties["merged"] = None
        if pr.additions is not None:
            properties["additions"], properties["deletions"] = pr.additions, pr.deletions
        record = self._record(
            event,
            kind,
            target=None if kind == "pr_opened" else self.user(pr.user),
            title=pr.title,
            url=pr.html_url or f"{WEB}/{event.repo.name}/pull/{number}",
            body=pr.body if kind == "pr_opened" else None,
            conversation_id=self._thread(event, number),
            properties=properties,
        )
        yield record
        if kind == "pr_opened":
            yield from self._mentions(event, record, pr.body)

    def _review(self, event: Event, payload: Payload) -> Iterator[ActivityRecord]:
        review, pr = payload.review, payload.pull_request or PullRequest()
        if payload.action not in ("created", "submitted") or review is None:
            self._skip(f"PullRequestReviewEvent/{payload.action}")
            return
        record = self._record(
            event,
            "pr_review",
            target=self.user(pr.user),
            title=pr.title,
            url=review.html_url or pr.html_url,
            body=review.body,
            conversation_id=self._thread(event, pr.number),
            properties={"state": review.state.lower()} if review.state else None,
        )
        yield record
        yield from self._mentions(event, record, review.body)

    def _review_comment(self, event: Event, payload: Payload) -> Iterator[ActivityRecord]:
        comment, pr = payload.comment, payload.pull_request or PullRequest()
        if payload.action != "created" or comment is None:
            self._skip(f"PullRequestReviewCommentEvent/{payload.action}")
            return
        record = self._record(
            event,
            "pr_review_comment",
            target=self.user(pr.user),
            title=pr.title,
            url=comment.html_url or pr.html_url,
            body=comment.body,
            conversation_id=self._thread(event, pr.number),
            properties={"review_id": comment.pull_request_review_id}
            if comment.pull_request_review_id
            else None,
        )
        yield record
        yield from self._mentions(event, record, comment.body)

    def _push(self, event: Event, payload: Payload) -> Iterator[ActivityRecord]:
        properties: dict[str, Any] = {}
        if payload.size is not None:
            properties["commits"] = payload.size
        elif payload.commits is not None:
            properties["commits"] = len(payload.commits)
        if payload.distinct_size is not None:
            properties["distinct_commits"] = payload.distinct_size
        ref = payload.ref or ""
        if ref:
            properties["ref"] = ref
        if payload.head:
            properties["head"] = payload.head
        yield self._record(
            event,
            "push",
            title=ref.removeprefix("refs/heads/"),
            url=f"{WEB}/{event.repo.name}/commit/{payload.head}" if payload.head else "",
            properties=properties,
        )

    def _release(self, event: Event, payload: Payload) -> Iterator[ActivityRecord]:
        release = payload.release
        if payload.action != "published" or release is None:
            self._skip(f"ReleaseEvent/{payload.action}")
            return
        yield self._record(
            event,
            "release_published",
            title=release.name or release.tag_name,
            url=release.html_url,
            body=release.body,
            properties={"tag": release.tag_name, "prerelease": release.prerelease},
        )

    def _member(self, event: Event, payload: Payload) -> Iterator[ActivityRecord]:
        member = self.user(payload.member)
        if payload.action != "added" or member is None:
            self._skip(f"MemberEvent/{payload.action}")
            return
        yield self._record(event, "member_added", target=member, url=f"{WEB}/{event.repo.name}")

    def _gollum(self, event: Event, payload: Payload) -> Iterator[ActivityRecord]:
        titles = [page.title for page in payload.pages[:10]]
        yield self._record(
            event,
            "wiki_edit",
            title=", ".join(titles),
            url=f"{WEB}/{event.repo.name}/wiki",
            properties={"pages": len(payload.pages)},
        )

    def _commit_comment(self, event: Event, payload: Payload) -> Iterator[ActivityRecord]:
        comment = payload.comment
        if comment is None:
            self._skip("CommitCommentEvent")
            return
        record = self._record(
            event,
            "commit_comment",
            url=comment.html_url,
            body=comment.body,
            properties={"commit": comment.commit_id} if comment.commit_id else None,
        )
        yield record
        yield from self._mentions(event, record, comment.body)

    def _discussion(self, event: Event, payload: Payload) -> Iterator[ActivityRecord]:
        discussion = payload.discussion
        if payload.action != "created" or discussion is None:
            self._skip(f"DiscussionEvent/{payload.action}")
            return
        record = self._record(
            event,
            "discussion_created",
            title=discussion.title,
            url=discussion.html_url,
            body=discussion.body,
            conversation_id=f"{event.repo.name}/discussions/{discussion.number}",
            properties={"category": discussion.category.name} if discussion.category else None,
        )
        yield record
        yield from self._mentions(event, record, discussion.body)


def _labels(labels: list[Label]) -> dict[str, Any] | None:
    return {"labels": [label.name for label in labels]} if labels else None
