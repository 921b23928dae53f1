"""Quoting a post into a reply: the topic's opening post or one of its replies, as
Markdown (`> ` lines under an attribution line).

The attribution mentions the quoted person (`@Name wrote:` or `@[Full Name] wrote:`)
when the mention resolves to exactly them — so they hear they were quoted, once, as a
mention — and is plain text (`Name wrote:`, its punctuation escaped, so no `@` in it
mentions anyone) when the name is ambiguous or would find someone else. People
mentioned *inside* the quoted lines are linked but not notified again
(`markdown.outside_quotes`).

Only a published post can be quoted, by someone who may read its topic: a held,
hidden or deleted post is never quoted, for moderators neither (quoting it would
publish it again in someone else's words).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from townhall.community.markdown import MENTION_RE
from townhall.community.models import ModerationState, Reply, Topic
from townhall.core.models import Member

TOPIC = "topic"  # `?quote=topic`: the opening post
_ONE_WORD = re.compile(r"[A-Za-z0-9][\w.-]{0,63}")
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


@dataclass(frozen=True)
class Quote:
    """A post ready to be quoted: who wrote it, how the quote names them, the block."""

    post: str  # "topic" or the reply's id
    author_name: str
    attribution: str
    markdown: str  # the attribution line, the quoted lines, then a blank line


def quote_lines(text: str) -> str:
    """`text` as the lines of a Markdown block quote (blank lines stay in the quote)."""
    lines = text.strip().splitlines() or [""]
    return "\n".join(f"> {line}" if line.strip() else ">" for line in lines)


def attribution(author: Member) -> str:
    """`@Name wrote:` when that mention finds exactly `author`, else `Name wrote:`."""
    from townhall.community.services._common import resolve_mentions

    name = str(author)
    if author.display_name and author.merged_into_id is None:
        full = _ONE_WORD.fullmatch(name) and not name.endswith((".", "-"))
        mention = f"@{name}" if full else f"@[{name}]"
        match = MENTION_RE.fullmatch(mention)
        if match is not None:
            found = resolve_mentions(mention).get(name.lower())
            if found is not None and found.pk == author.pk:
                return f"{mention} wrote:"
    plain = _PUNCTUATION.sub(r"\\\1", name)
    return f"{plain} wrote:"


def quotable(topic: Topic, post: str) -> tuple[Member, str] | None:
    """The author (as shown) and Markdown source of `post` ("topic", or the id of a
    reply to `topic`) if it may be quoted: published, on `topic`. The caller has
    checked that the viewer may read `topic` (it came from `visible_topics`)."""
    if post == TOPIC:
        if topic.moderation != ModerationState.VISIBLE:
            return None
        return _person(topic.author), topic.body
    if not post.isdigit() or len(post) > 18:
        return None
    reply = (
        Reply.objects.filter(topic=topic, pk=int(post), moderation=ModerationState.VISIBLE)
        .select_related("author", "author__merged_into")
        .first()
    )
    if reply is None:
        return None
    return _person(reply.author), reply.body


def _person(member: Member) -> Member:
    # Merges move community content to the kept member (services/member_merges.py);
    # a post left behind under a merged-away member is still quoted under the kept one.
    while member.merged_into_id is not None and member.merged_into is not None:
        member = member.merged_into
    return member


def quote_for(topic: Topic, post: str) -> Quote | None:
    """The quote of `post` on `topic` (see `quotable`), or None when it may not be quoted."""
    found = quotable(topic, post)
    if found is None:
        return None
    author, body = found
    line = attribution(author)
    return Quote(
        post=post,
        author_name=str(author),
        attribution=line,
        markdown=f"{line}\n{quote_lines(body)}\n\n",
    )
