"""Discourse topics, posts and likes → ActivityRecords (no HTTP here; see source.py).

External ids: `topic:<topic id>` for a topic's first post (`topic_created`, also the
conversation_id of the whole topic), `post:<post id>` for a reply, `like:<post id>:<user
id>`, `solution:<topic id>:<post id>`, and `<record id>:mention:<username>`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from townhall.core.records import ActivityRecord, Person

#: Post types that are someone writing: regular posts (1). Moderator actions (2),
#: small actions like "closed this topic" (3) and staff whispers (4) are skipped.
REGULAR_POST = 1

_QUOTE_RE = re.compile(r"<aside\b[^>]*\bclass=\"[^\"]*\bquote\b.*?</aside>", re.DOTALL)
_TAG_RE = re.compile(r"<[^>]+>")
_SPACE_RE = re.compile(r"[ \t\r\f\v]+")
_LINES_RE = re.compile(r"\n\s*\n+")
_ANCHOR_RE = re.compile(r"<a\b[^>]*>")
_MENTION_HREF_RE = re.compile(r"\bhref=\"[^\"]*/u/([^\"/?#]+)\"")


def text_of(cooked: str | None) -> str:
    """Readable text of a post's HTML, without quoted replies."""
    if not cooked:
        return ""
    text = _TAG_RE.sub(" ", _QUOTE_RE.sub("", cooked).replace("</p>", "\n\n"))
    text = html.unescape(_SPACE_RE.sub(" ", text))
    return _LINES_RE.sub("\n\n", "\n".join(line.strip() for line in text.splitlines())).strip()


def mentioned_usernames(cooked: str | None) -> list[str]:
    """Usernames Discourse linked as @mentions (`<a class="mention" href="/u/…">`), once
    each, in order; group mentions (`mention-group`) and quoted replies are left out."""
    if not cooked or "mention" not in cooked:
        return []
    seen: dict[str, str] = {}
    for tag in _ANCHOR_RE.findall(_QUOTE_RE.sub("", cooked)):
        if 'class="mention"' not in tag:
            continue
        match = _MENTION_HREF_RE.search(tag)
        if match:
            username = unquote(match[1])
            seen.setdefault(username.lower(), username)
    return list(seen.values())


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value)


@dataclass
class Forum:
    """What records of one forum share: its address, source slug and categories."""

    base_url: str
    source: str
    categories: dict[int, dict[str, Any]]

    def avatar(self, template: str | None) -> str | None:
        if not template:
            return None
        url = template.replace("{size}", "240")
        if url.startswith("//"):
            return "https:" + url
        return url if url.startswith("http") else self.base_url + url

    def person(
        self,
        user_id: Any,
        username: str | None,
        name: str | None = None,
        avatar_template: str | None = None,
        website: str | None = None,
    ) -> Person | None:
        """A forum account; ids ≤ 0 are Discourse's own (system, discobot): bots.

        `website` is the profile's (full user objects only): a link to another of the
        person's profiles or sites, evidence for identity resolution.
        """
        if user_id is None and not username:
            return None
        return Person(
            external_id=str(user_id) if user_id is not None else None,
            username=username or None,
            name=name or None,
            url=f"{self.base_url}/u/{username}" if username else None,
            avatar_url=self.avatar(avatar_template),
            links=[website.strip()] if isinstance(website, str) and website.strip() else None,
            is_bot=user_id is not None and int(user_id) <= 0,
        )

    def author(self, post: dict[str, Any]) -> Person | None:
        return self.person(
            post.get("user_id"), post.get("username"), post.get("name"), post.get("avatar_template")
        )

    def channel(self, category_id: int | None) -> tuple[str, dict[str, Any]]:
        category = self.categories.get(category_id or -1)
        if category is None:
            return "", {}
        return category.get("name") or "", {"category": category.get("slug")}


def post_id(post: dict[str, Any]) -> str:
    """The external id of a post's record: a topic's first post is the topic."""
    if post.get("post_number") == 1:
        return f"topic:{post['topic_id']}"
    return f"post:{post['id']}"


class TopicMapper:
    """The records of one topic's posts. `parent(number)` finds a post by its number
    (from the topic, or asking the forum); `user(username)` finds an account for a
    mention (None when the forum has none)."""

    def __init__(
        self,
        forum: Forum,
        topic: dict[str, Any],
        parent: Callable[[int], dict[str, Any] | None],
        user: Callable[[str], Person | None],
    ) -> None:
        self.forum = forum
        self.topic = topic
        self.parent = parent
        self.user = user
        self.conversation = f"topic:{topic['id']}"
        self.url = f"{forum.base_url}/t/{topic.get('slug') or 'topic'}/{topic['id']}"
        self.channel, self.category = forum.channel(topic.get("category_id"))

    def records(self, post: dict[str, Any]) -> Iterator[ActivityRecord]:
        """`topic_created` or `post` for one post, then its mentions."""
        if post.get("post_type", REGULAR_POST) != REGULAR_POST or post.get("deleted_at"):
            return
        author = self.forum.author(post)
        if author is None:
            return
        number = post["post_number"]
        properties: dict[str, Any] = dict(self.category)
        likes = next(
            (a.get("count", 0) for a in post.get("actions_summary") or [] if a.get("id") == 2), 0
        )
        if likes:
            properties["likes"] = likes
        if number == 1:
            record = ActivityRecord(
                source=self.forum.source,
                external_id=self.conversation,
                kind="topic_created",
                occurred_at=parse_time(post["created_at"]),
                actor=author,
                channel=self.channel,
                title=(self.topic.get("title") or "")[:500],
                url=self.url,
                body=text_of(post.get("cooked")),
                conversation_id=self.conversation,
                properties={**properties, **_topic_properties(self.topic)},
            )
        else:
            # A post answering no post in particular answers the topic (its first post).
            parent = self.parent(int(post.get("reply_to_post_number") or 1))
            target = self.forum.author(parent) if parent else None
            if target is not None and target.external_id == author.external_id:
                target = None  # answering oneself is not an interaction
            record = ActivityRecord(
                source=self.forum.source,
                external_id=f"post:{post['id']}",
                kind="post",
                occurred_at=parse_time(post["created_at"]),
                actor=author,
                target=target,
                channel=self.channel,
                title=(self.topic.get("title") or "")[:500],
                url=f"{self.url}/{number}",
                body=text_of(post.get("cooked")),
                conversation_id=self.conversation,
                parent_id=post_id(parent) if parent else self.conversation,
                properties={**properties, "post_number": number},
            )
        yield record
        yield from self.mentions(record, post.get("cooked"))

    def mentions(self, record: ActivityRecord, cooked: str | None) -> Iterator[ActivityRecord]:
        for username in mentioned_usernames(cooked):
            person = self.user(username)
            if person is None or person.external_id == record.actor.external_id:
                continue
            yield ActivityRecord(
                source=record.source,
                external_id=f"{record.external_id}:mention:{(person.username or username).lower()}",
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

    def solution(self) -> Iterator[ActivityRecord]:
        """`solution_accepted` for the topic's accepted answer (discourse-solved), by the
        one who accepted it (the topic's author unless the forum shows who) → its author.

        Discourse does not say when an answer was accepted; the answer's time is used.
        """
        accepted = self.topic.get("accepted_answer")
        if not accepted or not accepted.get("post_number"):
            return
        answer = self.parent(int(accepted["post_number"]))
        if answer is None:
            return
        accepter = None
        if accepted.get("accepter_username"):
            accepter = self.user(accepted["accepter_username"])
        if accepter is None:
            details = self.topic.get("details") or {}
            creator = details.get("created_by") or {}
            accepter = self.forum.person(
                creator.get("id", self.topic.get("user_id")),
                creator.get("username"),
                creator.get("name"),
                creator.get("avatar_template"),
            )
        author = self.forum.author(answer)
        if accepter is None or author is None:
            return
        yield ActivityRecord(
            source=self.forum.source,
            external_id=f"solution:{self.topic['id']}:{answer['id']}",
            kind="solution_accepted",
            occurred_at=parse_time(answer["created_at"]),
            actor=accepter,
            target=author if author.external_id != accepter.external_id else None,
            channel=self.channel,
            title=(self.topic.get("title") or "")[:500],
            url=f"{self.url}/{answer['post_number']}",
            conversation_id=self.conversation,
            parent_id=post_id(answer),
            properties=dict(self.category),
        )


def _topic_properties(topic: dict[str, Any]) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    tags = [t if isinstance(t, str) else t.get("name") for t in topic.get("tags") or []]
    if tags:
        properties["tags"] = tags
    for field in ("views", "posts_count", "like_count"):
        if topic.get(field):
            properties[field] = topic[field]
    return properties


def like_record(forum: Forum, action: dict[str, Any]) -> ActivityRecord | None:
    """`like` from a `/user_actions.json?filter=1` item: `acting_*` liked the post of
    `user_id`/`username` (its author) at `created_at`."""
    liker = forum.person(
        action.get("acting_user_id"),
        action.get("acting_username"),
        action.get("acting_name"),
        action.get("acting_avatar_template"),
    )
    author = forum.person(
        action.get("user_id"),
        action.get("username"),
        action.get("name"),
        action.get("avatar_template"),
    )
    if liker is None or action.get("post_id") is None:
        return None
    topic_id, number = action["topic_id"], action.get("post_number") or 1
    channel, category = forum.channel(action.get("category_id"))
    liked = post_id({"id": action["post_id"], "post_number": number, "topic_id": topic_id})
    return ActivityRecord(
        source=forum.source,
        external_id=f"like:{action['post_id']}:{liker.external_id}",
        kind="like",
        occurred_at=parse_time(action["created_at"]),
        actor=liker,
        target=author if author and author.external_id != liker.external_id else None,
        channel=channel,
        title=(action.get("title") or "")[:500],
        url=f"{forum.base_url}/t/{action.get('slug') or 'topic'}/{topic_id}/{number}",
        conversation_id=f"topic:{topic_id}",
        parent_id=liked,
        properties=category,
    )
