"""Reading a Stack Exchange site through API 2.3 (what it yields: see source.py).

Every response is wrapped: `items`, `has_more` (ask for `page + 1`), `quota_max`,
`quota_remaining` (calls left today for this IP or key) and sometimes `backoff`: the
number of seconds to wait before calling *the same method* again — ignoring it earns a
`throttle_violation` (HTTP 400, error_id 502) and a temporary ban, so it is honoured per
method before the next call.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import partial
from html import unescape
from typing import Any

from townhall.connectors.stackexchange.site import (
    COMMUNITY_USER_ID,
    Site,
    html_excerpt,
    post_id,
    primary_tag,
)
from townhall.core.http import ApiClient
from townhall.core.records import ActivityRecord, InvalidRecord, Person
from townhall.core.services.imports import SourceFailure
from townhall.core.services.ingest import Envelope

IDS_PER_CALL = 100  # the API takes at most 100 semicolon-separated ids in a path
DELETED_OWNER = (
    "author deleted: the API reports no user_id for this {what} (user_type 'does_not_exist'); "
    "its display name is a placeholder, not a person; not attributed to anyone"
)


class StackExchangeApi:
    """GETs against the API honouring `backoff` per method and stopping when the quota is spent."""

    def __init__(
        self,
        client: ApiClient,
        *,
        site: Site,
        key: str | None,
        page_size: int,
        sleep: Callable[[float], None],
    ) -> None:
        self.client = client
        self.common: dict[str, Any] = {"site": site.domain}
        if key:
            self.common["key"] = key
        self.page_size = page_size
        self.sleep = sleep
        self.backoff: dict[str, float] = {}
        self.quota_remaining: int | None = None

    def get(self, method: str, path: str, params: dict[str, Any]) -> dict[str, Any]:
        wait = self.backoff.pop(method, None)
        if wait:
            self.sleep(wait)
        if self.quota_remaining == 0:
            raise SourceFailure(
                "the Stack Exchange API quota for today is spent (quota_remaining 0); what was "
                "read so far is kept and the next sync continues after the quota resets at "
                "midnight UTC (a `key` raises the quota from 300 to 10,000 calls a day)"
            )
        body = self.client.get_json(path, {**params, **self.common})
        if not isinstance(body, dict) or "items" not in body:
            raise SourceFailure(f"the Stack Exchange API sent no `items` for {path}: {body!r:.300}")
        self.quota_remaining = body.get("quota_remaining")
        if body.get("backoff"):
            self.backoff[method] = float(body["backoff"])
        return body

    def pages(self, method: str, path: str, params: dict[str, Any]) -> Iterator[list[dict]]:
        """Each page's items, following `has_more` with `page`."""
        for page in itertools.count(1):
            body = self.get(method, path, {**params, "page": page, "pagesize": self.page_size})
            yield body["items"]
            if not body.get("has_more"):
                return

    def by_ids(self, method: str, template: str, ids: list[int], params: dict[str, Any]) -> list:
        """All items of a `/…/{ids}/…` method, 100 ids a call, every page."""
        items: list[dict] = []
        for start in range(0, len(ids), IDS_PER_CALL):
            chunk = ";".join(str(i) for i in ids[start : start + IDS_PER_CALL])
            for page in self.pages(method, template.format(ids=chunk), params):
                items.extend(page)
        return items


def when(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def person(owner: dict[str, Any] | None) -> Person | None:
    """A `shallow_user` as a Person; None for deleted accounts (no user_id)."""
    if not owner or owner.get("user_id") is None:
        return None
    user = int(owner["user_id"])
    return Person(
        external_id=str(user),
        name=unescape(owner.get("display_name", "")) or None,
        url=owner.get("link"),
        avatar_url=owner.get("profile_image"),
        is_bot=user == COMMUNITY_USER_ID,
    )


class ApiReader:
    """Questions active since the cursor, page by page, with their answers and comments."""

    def __init__(
        self,
        api: StackExchangeApi,
        *,
        source: str,
        site: Site,
        tags: list[str],
        since: int,
        max_pages: int,
        cursor: dict[str, Any],
        save_cursor: Callable[[dict[str, Any]], None],
    ) -> None:
        self.api = api
        self.source = source
        self.site = site
        self.tags = [t.strip().lower() for t in tags if t.strip()]
        self.wanted = frozenset(self.tags)
        self.since = since
        self.max_pages = max_pages
        self.cursor = cursor
        self.save_cursor = save_cursor

    def read(self) -> Iterator[ActivityRecord | Envelope]:
        # `tagged=a;b` means questions with *both* tags; one query per tag gives "any of them",
        # each with its own place in the cursor.
        for tag in self.tags or [""]:
            yield from self._tag(tag)

    def _tag(self, tag: str) -> Iterator[ActivityRecord | Envelope]:
        key = tag or "*"
        start = int(self.cursor.get("last_activity", {}).get(key, self.since))
        # `min`/`max` bound the sort field (last_activity_date here); `fromdate` would bound
        # the creation date and miss new answers to old questions.
        params: dict[str, Any] = {
            "sort": "activity",
            "order": "asc",
            "min": start,
            "filter": "withbody",
        }
        if tag:
            params["tagged"] = tag
        pages = self.api.pages("questions", "/questions", params)
        for questions in itertools.islice(pages, self.max_pages):
            if not questions:
                break
            yield from self._page(questions)
            newest = max(int(q["last_activity_date"]) for q in questions)
            marks = {**self.cursor.get("last_activity", {}), key: newest}
            self.cursor = {**self.cursor, "last_activity": marks}
            self.save_cursor(self.cursor)

    def _page(self, questions: list[dict]) -> Iterator[ActivityRecord | Envelope]:
        ids = [int(q["question_id"]) for q in questions]
        answers = self.api.by_ids(
            "questions/answers",
            "/questions/{ids}/answers",
            ids,
            {"sort": "creation", "order": "asc", "filter": "withbody"},
        )
        posts = ids + [int(a["answer_id"]) for a in answers]
        comments = self.api.by_ids(
            "posts/comments",
            "/posts/{ids}/comments",
            posts,
            {"sort": "creation", "order": "asc", "filter": "withbody"},
        )
        answers_of: dict[int, list[dict]] = {}
        for answer in answers:
            answers_of.setdefault(int(answer["question_id"]), []).append(answer)
        comments_on: dict[int, list[dict]] = {}
        for comment in comments:
            comments_on.setdefault(int(comment["post_id"]), []).append(comment)
        for question in questions:
            yield from self._thread(question, answers_of, comments_on)

    def _thread(
        self,
        question: dict,
        answers_of: dict[int, list[dict]],
        comments_on: dict[int, list[dict]],
    ) -> Iterator[ActivityRecord | Envelope]:
        qid = int(question["question_id"])
        tags = [t.lower() for t in question.get("tags", [])]
        channel = primary_tag(tags, self.wanted)
        asker = person(question.get("owner"))
        owners: dict[int, Person | None] = {qid: asker}
        yield self._guard(f"q:{qid}", question, partial(self._question, question, asker, channel))
        for answer in answers_of.get(qid, []):
            aid = int(answer["answer_id"])
            answerer = owners[aid] = person(answer.get("owner"))
            yield self._guard(
                f"a:{aid}", answer, partial(self._answer, answer, answerer, asker, channel)
            )
            if answer.get("is_accepted") or question.get("accepted_answer_id") == aid:
                yield self._guard(
                    f"accept:{aid}",
                    answer,
                    partial(self._accept, answer, answerer, asker, channel),
                )
        # Comments after the answers: the owners of every post of the thread are known.
        for post in owners:
            for comment in comments_on.get(post, []):
                yield self._guard(
                    f"c:{comment.get('comment_id')}",
                    comment,
                    partial(self._comment, comment, post, qid, owners, channel),
                )

    def _guard(
        self, position: str, item: dict, build: Callable[[], ActivityRecord | str]
    ) -> ActivityRecord | Envelope:
        """The record, or an Envelope with the reason when the item cannot be one."""
        try:
            result = build()
        except (KeyError, TypeError, ValueError, InvalidRecord) as error:
            result = f"unreadable API item ({type(error).__name__}: {error})"
        if isinstance(result, ActivityRecord):
            return result
        # Only fields that never change go in `raw`, so a re-sync quarantines nothing twice.
        stable = {
            k: item.get(k)
            for k in ("question_id", "answer_id", "comment_id", "post_id", "creation_date")
            if k in item
        }
        stable["owner"] = (item.get("owner") or {}).get("display_name")
        return Envelope(position=position, payload=None, error=result, raw=json.dumps(stable))

    def _question(self, q: dict, asker: Person | None, channel: str) -> ActivityRecord | str:
        if asker is None:
            return DELETED_OWNER.format(what="question")
        qid = int(q["question_id"])
        properties: dict[str, Any] = {
            "score": q.get("score"),
            "views": q.get("view_count"),
            "answers": q.get("answer_count"),
            "tags": q.get("tags", []),
        }
        if q.get("accepted_answer_id"):
            properties["accepted_answer"] = f"a:{q['accepted_answer_id']}"
        if q.get("closed_date"):
            properties["closed_at"] = when(q["closed_date"]).isoformat()
        return ActivityRecord(
            source=self.source,
            external_id=f"q:{qid}",
            kind="question",
            occurred_at=when(q["creation_date"]),
            actor=asker,
            channel=channel,
            title=unescape(q.get("title", "")),
            url=q.get("link") or self.site.link(f"/q/{qid}"),
            body=html_excerpt(q.get("body", "")),
            conversation_id=f"q:{qid}",
            properties={k: v for k, v in properties.items() if v is not None},
        )

    def _answer(
        self, a: dict, answerer: Person | None, asker: Person | None, channel: str
    ) -> ActivityRecord | str:
        if answerer is None:
            return DELETED_OWNER.format(what="answer")
        aid, qid = int(a["answer_id"]), int(a["question_id"])
        return ActivityRecord(
            source=self.source,
            external_id=f"a:{aid}",
            kind="answer",
            occurred_at=when(a["creation_date"]),
            actor=answerer,
            target=asker,
            channel=channel,
            url=self.site.link(f"/a/{aid}"),
            body=html_excerpt(a.get("body", "")),
            conversation_id=f"q:{qid}",
            parent_id=f"q:{qid}",
            properties={"score": a.get("score", 0), "accepted": bool(a.get("is_accepted"))},
        )

    def _accept(
        self, a: dict, answerer: Person | None, asker: Person | None, channel: str
    ) -> ActivityRecord | str:
        if asker is None:
            return DELETED_OWNER.format(what="question whose answer was accepted")
        aid, qid = int(a["answer_id"]), int(a["question_id"])
        return ActivityRecord(
            source=self.source,
            external_id=f"accept:{aid}",
            kind="solution_accepted",
            # The API does not say when an answer was accepted; it cannot be before the answer.
            occurred_at=when(a["creation_date"]),
            actor=asker,
            target=answerer,
            channel=channel,
            url=self.site.link(f"/a/{aid}"),
            conversation_id=f"q:{qid}",
            parent_id=f"a:{aid}",
            properties={"time_from": "answer creation"},
        )

    def _comment(
        self,
        c: dict,
        post: int,
        question: int,
        owners: dict[int, Person | None],
        channel: str,
    ) -> ActivityRecord | str:
        author = person(c.get("owner"))
        if author is None:
            return DELETED_OWNER.format(what="comment")
        cid = int(c["comment_id"])
        # An @reply names its addressee; otherwise the comment speaks to the post's author.
        target = person(c.get("reply_to_user")) or owners.get(post)
        return ActivityRecord(
            source=self.source,
            external_id=f"c:{cid}",
            kind="comment",
            occurred_at=when(c["creation_date"]),
            actor=author,
            target=target,
            channel=channel,
            url=self.site.link(f"/posts/comments/{cid}"),
            body=html_excerpt(c.get("body", "")),
            conversation_id=f"q:{question}",
            parent_id=post_id(post, question),
            properties={"score": c.get("score", 0), "reply": "reply_to_user" in c},
        )
