"""GitHub Discussions for the `github-api` connector, read through the GraphQL API.

Discussions have no REST listing, so each repository's are read with
`POST {api}/graphql` (`https://api.github.com/graphql`, or `https://HOST/api/graphql`
for GitHub Enterprise Server): `repository.discussions` ordered by `UPDATED_AT`
ascending, `DISCUSSIONS_PER_PAGE` a page, each with its first comments and their first
replies; the rest of a long thread comes from follow-up queries on the discussion's
or comment's node id (`comments(after:)`, `replies(after:)`).

Activities (external ids namespaced by the repository, so they never collide with the
REST part's):

- `discussion_created` by the author: `owner/name:discussion:<databaseId>`, title, url,
  body, `properties.category`; conversation_id `owner/name#discussion:<number>`.
- `discussion_comment` by the commenter → the discussion's author:
  `owner/name:discussion-comment:<databaseId>`, parent = the discussion.
- `discussion_reply` (a reply in a comment's thread) → the comment's author, parent =
  the comment (`owner/name:discussion-comment:<databaseId>` too).
- `solution_accepted` when an answer was chosen: by `answerChosenBy` (or the author
  when GitHub does not say) → the answer's author,
  `owner/name:discussion-comment:<answer databaseId>:accepted`, parent = the answer.
- `mention` → each `@login` in a discussion, comment or reply body, as in the REST part.

Cursor, per repository: `discussions` = the latest `updatedAt` of a page whose records
were all yielded. GraphQL has no `since` for discussions, so a later sync still lists
them all (oldest update first) but skips every discussion updated before the cursor
(the one at the cursor comes again and is a duplicate). A repository with discussions
turned off is skipped quietly. GraphQL answers errors with HTTP 200 and an `errors`
list: those stop the sync with GitHub's message (a spent GraphQL rate limit,
`RATE_LIMITED`, is waited out by `GitHubTransport` like a REST one).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from townhall.core.records import ActivityRecord, Person
from townhall.core.services.imports import SourceFailure

from .common import user_from_actor

if TYPE_CHECKING:
    from .api import RepositorySync

DISCUSSIONS_PER_PAGE = 25
COMMENTS_PER_PAGE = 50
REPLIES_PER_PAGE = 20

_FRAGMENTS = {
    "Who": """
fragment Who on Actor {
  __typename login url avatarUrl
  ... on User { databaseId }
  ... on Bot { databaseId }
  ... on Organization { databaseId }
}""",
    "Post": """
fragment Post on DiscussionComment {
  id databaseId url body createdAt
  author { ...Who }
}""",
    "Thread": """
fragment Thread on DiscussionCommentConnection {
  pageInfo { hasNextPage endCursor }
  nodes {
    ...Post
    replies(first: $replies) { pageInfo { hasNextPage endCursor } nodes { ...Post } }
  }
}""",
}

DISCUSSIONS_QUERY = (
    """
query Discussions($owner: String!, $name: String!, $first: Int!, $after: String,
                  $comments: Int!, $replies: Int!) {
  rateLimit { cost remaining resetAt }
  repository(owner: $owner, name: $name) {
    hasDiscussionsEnabled
    discussions(first: $first, after: $after, orderBy: {field: UPDATED_AT, direction: ASC}) {
      pageInfo { hasNextPage endCursor }
      nodes {
        id databaseId number title url body createdAt updatedAt
        author { ...Who }
        category { name }
        answer { id databaseId url author { ...Who } }
        answerChosenAt
        answerChosenBy { ...Who }
        comments(first: $comments) { ...Thread }
      }
    }
  }
}"""
    + _FRAGMENTS["Thread"]
    + _FRAGMENTS["Post"]
    + _FRAGMENTS["Who"]
)

MORE_COMMENTS_QUERY = (
    """
query DiscussionComments($id: ID!, $after: String, $comments: Int!, $replies: Int!) {
  rateLimit { cost remaining resetAt }
  node(id: $id) {
    ... on Discussion { comments(first: $comments, after: $after) { ...Thread } }
  }
}"""
    + _FRAGMENTS["Thread"]
    + _FRAGMENTS["Post"]
    + _FRAGMENTS["Who"]
)

MORE_REPLIES_QUERY = (
    """
query DiscussionReplies($id: ID!, $after: String, $replies: Int!) {
  rateLimit { cost remaining resetAt }
  node(id: $id) {
    ... on DiscussionComment {
      replies(first: $replies, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes { ...Post }
      }
    }
  }
}"""
    + _FRAGMENTS["Post"]
    + _FRAGMENTS["Who"]
)

# Error types that mean the token may not read discussions (rather than a broken query).
_ACCESS_ERRORS = {"FORBIDDEN", "INSUFFICIENT_SCOPES"}


def graphql_url(base_url: str) -> str:
    """The GraphQL endpoint next to a REST base: `…/api/v3` (Enterprise) → `…/api/graphql`."""
    base = base_url.rstrip("/")
    if base.endswith("/api/v3"):
        return base[: -len("/v3")] + "/graphql"
    return f"{base}/graphql"


class DiscussionSync:
    """One repository's discussions, as part of its RepositorySync."""

    def __init__(self, sync: RepositorySync) -> None:
        self.sync = sync
        self.source = sync.source
        self.repository = sync.repository
        self.owner, self.name = sync.repository.split("/", 1)
        self.url = graphql_url(self.source.github_config.base_url)

    # -- requests ------------------------------------------------------------------------

    def query(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        """The `data` of one GraphQL answer; its `errors` become a SourceFailure."""
        answer = self.source.api.post_json(self.url, {"query": query, "variables": variables})
        if not isinstance(answer, dict):
            raise SourceFailure(f"GitHub's GraphQL API sent no JSON object for {self.repository}")
        errors = answer.get("errors")
        if errors:
            problems = errors if isinstance(errors, list) else [errors]
            messages = "; ".join(
                str(e.get("message") if isinstance(e, dict) else e) for e in problems
            )
            hint = ""
            if any(isinstance(e, dict) and e.get("type") in _ACCESS_ERRORS for e in problems):
                hint = (
                    " (the token needs read access to the repository's discussions; "
                    "or set `discussions: false`)"
                )
            raise SourceFailure(
                f"GitHub's GraphQL API refused the discussions of {self.repository}: "
                f"{messages}{hint}"
            )
        return answer.get("data") or {}

    def _pages(self) -> Iterator[list[dict[str, Any]]]:
        after: str | None = None
        while True:
            data = self.query(
                DISCUSSIONS_QUERY,
                {
                    "owner": self.owner,
                    "name": self.name,
                    "first": DISCUSSIONS_PER_PAGE,
                    "after": after,
                    "comments": COMMENTS_PER_PAGE,
                    "replies": REPLIES_PER_PAGE,
                },
            )
            repository = data.get("repository")
            if not repository or not repository.get("hasDiscussionsEnabled"):
                return  # discussions are turned off for this repository
            connection = repository.get("discussions") or {}
            yield [d for d in connection.get("nodes") or [] if d]
            page = connection.get("pageInfo") or {}
            if not page.get("hasNextPage") or not page.get("endCursor"):
                return
            after = page["endCursor"]

    def _comments(self, discussion: dict[str, Any]) -> Iterator[dict[str, Any]]:
        """Every comment of a discussion: the first page came with it, the rest by node id."""
        connection = discussion.get("comments") or {}
        while True:
            yield from (c for c in connection.get("nodes") or [] if c)
            page = connection.get("pageInfo") or {}
            if not page.get("hasNextPage") or not page.get("endCursor"):
                return
            data = self.query(
                MORE_COMMENTS_QUERY,
                {
                    "id": discussion["id"],
                    "after": page["endCursor"],
                    "comments": COMMENTS_PER_PAGE,
                    "replies": REPLIES_PER_PAGE,
                },
            )
            connection = (data.get("node") or {}).get("comments") or {}

    def _replies(self, comment: dict[str, Any]) -> Iterator[dict[str, Any]]:
        connection = comment.get("replies") or {}
        while True:
            yield from (r for r in connection.get("nodes") or [] if r)
            page = connection.get("pageInfo") or {}
            if not page.get("hasNextPage") or not page.get("endCursor"):
                return
            data = self.query(
                MORE_REPLIES_QUERY,
                {"id": comment["id"], "after": page["endCursor"], "replies": REPLIES_PER_PAGE},
            )
            connection = (data.get("node") or {}).get("replies") or {}

    # -- records -------------------------------------------------------------------------

    def person(self, actor: dict[str, Any] | None) -> Person | None:
        return self.source.person(user_from_actor(actor))

    def read(self) -> Iterator[ActivityRecord]:
        since = self.sync.cursor.get("discussions") or ""
        for discussions in self._pages():
            # Know the page's authors first: a mention of one of them needs no request.
            for discussion in discussions:
                self.person(discussion.get("author"))
            for discussion in discussions:
                if (discussion.get("updatedAt") or "") < since:
                    continue  # not updated since the last sync
                yield from self._discussion(discussion)
            # Every record of the page was yielded: the cursor may move past it.
            latest = max((d.get("updatedAt") or "" for d in discussions), default="")
            if latest > (self.source.repository_cursor(self.repository).get("discussions") or ""):
                self.source.advance(self.repository, discussions=latest)

    def _discussion(self, discussion: dict[str, Any]) -> Iterator[ActivityRecord]:
        number = discussion["number"]
        thread = f"{self.repository}#discussion:{number}"
        external_id = f"{self.repository}:discussion:{discussion['databaseId']}"
        title = (discussion.get("title") or "")[:500]
        author = self.person(discussion.get("author"))
        if author is not None:
            category = (discussion.get("category") or {}).get("name")
            opened = self.sync._record(
                "discussion_created",
                external_id,
                author,
                discussion["createdAt"],
                title=title,
                url=discussion.get("url") or "",
                body=discussion.get("body") or "",
                conversation_id=thread,
                properties={"category": category} if category else {},
            )
            yield opened
            yield from self.sync._mentions(opened, discussion.get("body"))
        for comment in self._comments(discussion):
            commenter = self.person(comment.get("author"))
            comment_id = f"{self.repository}:discussion-comment:{comment['databaseId']}"
            if commenter is not None:
                record = self.sync._record(
                    "discussion_comment",
                    comment_id,
                    commenter,
                    comment["createdAt"],
                    target=author,
                    url=comment.get("url") or "",
                    body=comment.get("body") or "",
                    conversation_id=thread,
                    parent_id=external_id,
                )
                yield record
                yield from self.sync._mentions(record, comment.get("body"))
            for reply in self._replies(comment):
                replier = self.person(reply.get("author"))
                if replier is None:
                    continue  # a deleted account
                record = self.sync._record(
                    "discussion_reply",
                    f"{self.repository}:discussion-comment:{reply['databaseId']}",
                    replier,
                    reply["createdAt"],
                    target=commenter,
                    url=reply.get("url") or "",
                    body=reply.get("body") or "",
                    conversation_id=thread,
                    parent_id=comment_id,
                )
                yield record
                yield from self.sync._mentions(record, reply.get("body"))
        yield from self._accepted(discussion, author, thread, title)

    def _accepted(
        self, discussion: dict[str, Any], author: Person | None, thread: str, title: str
    ) -> Iterator[ActivityRecord]:
        answer = discussion.get("answer")
        if not answer or answer.get("databaseId") is None:
            return
        chooser = self.person(discussion.get("answerChosenBy")) or author
        if chooser is None:
            return  # chosen by an account that no longer exists
        answer_id = f"{self.repository}:discussion-comment:{answer['databaseId']}"
        yield self.sync._record(
            "solution_accepted",
            f"{answer_id}:accepted",
            chooser,
            discussion.get("answerChosenAt") or discussion["updatedAt"],
            target=self.person(answer.get("author")),
            title=title,
            url=answer.get("url") or discussion.get("url") or "",
            conversation_id=thread,
            parent_id=answer_id,
        )
