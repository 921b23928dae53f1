"""Markdown for posts: rendered with markdown-it-py, then sanitized with nh3.

Raw HTML in the source is never passed through (markdown-it escapes it) and the
sanitizer removes anything a renderer bug could still let in: scripts, event
handlers, `javascript:` links. Mentions are `@Name` (one word) or `@[Full Name]`;
`\\@Name` is not one, and a mention inside a `>` quote links the name but notifies
nobody (quoting a post does not tell everyone it mentioned again).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import nh3
from markdown_it import MarkdownIt

_md = MarkdownIt("commonmark", {"html": False, "breaks": True}).enable(["table", "strikethrough"])

ALLOWED_TAGS = {
    "a", "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody",
    "tr", "th", "td", "img",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
    "code": {"class"},
}

MENTION_RE = re.compile(r"(?<![\w@/\\])@(?:\[([^\]\n]{1,80})\]|([A-Za-z0-9][\w.-]{0,63}))")
_QUOTE_LINE = re.compile(r" {0,3}>")


def outside_quotes(text: str) -> str:
    """`text` without its block quotes: `>` lines and the lines that lazily continue
    them (up to the next blank line), as CommonMark reads a paragraph in a quote."""
    kept, quoting = [], False
    for line in text.splitlines():
        if _QUOTE_LINE.match(line):
            quoting = True
        elif not line.strip():
            quoting = False
            kept.append(line)
        elif not quoting:
            kept.append(line)
    return "\n".join(kept)


def mention_names(text: str, *, in_quotes: bool = True) -> list[str]:
    """The names mentioned in `text`, in order, each once (compared case-insensitively);
    with `in_quotes=False`, only those outside block quotes."""
    if not in_quotes:
        text = outside_quotes(text)
    seen: dict[str, str] = {}
    for match in MENTION_RE.finditer(text):
        name = (match.group(1) or match.group(2).rstrip(".-")).strip()
        if name and name.lower() not in seen:
            seen[name.lower()] = name
    return list(seen.values())


def _escape_link_text(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>()#!|~])", r"\\\1", text)


def render_markdown(text: str, mentions: Mapping[str, tuple[int, str]] | None = None) -> str:
    """Safe HTML for `text`; `mentions` maps a lower-cased name to (member id, display name)
    and turns those mentions into links to the member's profile."""
    if mentions:

        def link(match: re.Match[str]) -> str:
            name = (match.group(1) or match.group(2).rstrip(".-")).strip()
            hit = mentions.get(name.lower())
            if hit is None:
                return match.group(0)
            member_id, display = hit
            tail = match.group(2)[len(name) :] if match.group(2) else ""
            return f"[@{_escape_link_text(display)}](/members/{member_id}/){tail}"

        text = MENTION_RE.sub(link, text)
    html = _md.render(text)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer ugc",
        set_tag_attribute_values={"img": {"loading": "lazy"}},
    )
