"""Personal parts of a shared page: render a page once, serve it to many signed-in people.

A signed-in member's topic page is the same for every member with the same rights,
except for a few small parts: the account menu and the bell, their own like, vote and
follow buttons, their CSRF token. Templates mark those parts:

    {% load townhall_web %}
    {% personal "account" %} … {% endpersonal %}

Rendered normally, the tag changes nothing. Rendered with `personal_capture` in the
context, it wraps its output in markers, and `split()` turns the page into a *skeleton*:
the shared text between the parts, and a slot per part naming the template and the
part. A view caches the skeleton (keyed by what the shared text depends on) and, for the
next member, `fill()` renders only the slots — each part's template nodes, found again
by name — with that member's small context, and joins the text. A part must depend on
nothing but that context (the views' tests compare filled pages with full renders).

The markers carry a secret made when the process starts, so no text a member writes can
forge one; `split()` runs in the process that rendered the page.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from functools import cache
from typing import Any

from django import template
from django.http import HttpRequest
from django.template import RequestContext
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

CAPTURE = "personal_capture"
_SECRET = secrets.token_hex(8)
_OPEN, _CLOSE = f"\x02{_SECRET}:", f"\x02{_SECRET}/\x03"
_PART = re.compile(
    re.escape(_OPEN)
    + r"(?P<template>[^:\x03]+):(?P<name>[^\x03]+)\x03(?P<body>.*?)"
    + re.escape(_CLOSE),
    re.DOTALL,
)


@dataclass(frozen=True)
class Slot:
    """Where a personal part goes: the template that holds it and the part's name."""

    template: str
    name: str


Skeleton = list[str | Slot]


class PersonalNode(template.Node):
    """`{% personal "name" %}…{% endpersonal %}`: output unchanged, marked when capturing."""

    def __init__(self, name: str, nodelist: template.NodeList) -> None:
        self.name = name
        self.nodelist = nodelist

    def render(self, context: template.Context) -> str:
        body = self.nodelist.render(context)
        if not context.get(CAPTURE):
            return body
        return f"{_OPEN}{self.origin.template_name!s}:{self.name}\x03{body}{_CLOSE}"


def parse_personal(parser: template.base.Parser, token: template.base.Token) -> PersonalNode:
    """Compile `{% personal "name" %}` up to `{% endpersonal %}`."""
    bits = token.split_contents()
    if len(bits) != 2 or bits[1][0] not in "\"'" or bits[1][0] != bits[1][-1]:
        raise template.TemplateSyntaxError('Use {% personal "name" %}…{% endpersonal %}.')
    nodelist = parser.parse(("endpersonal",))
    parser.delete_first_token()
    return PersonalNode(bits[1][1:-1], nodelist)


def split(html: str) -> tuple[Skeleton, dict[Slot, str]]:
    """The skeleton of a page rendered with `personal_capture`, and what each part held
    (the capturing member's own parts, so their page needs no second render)."""
    skeleton: Skeleton = []
    parts: dict[Slot, str] = {}
    position = 0
    for match in _PART.finditer(html):
        slot = Slot(match["template"], match["name"])
        skeleton += [html[position : match.start()], slot]
        parts[slot] = match["body"]
        position = match.end()
    skeleton.append(html[position:])
    return skeleton, parts


@cache
def _node(slot: Slot) -> PersonalNode:
    compiled = get_template(slot.template).template  # type: ignore[attr-defined]
    for node in compiled.nodelist.get_nodes_by_type(PersonalNode):
        if node.name == slot.name:
            return node
    raise LookupError(f"No {{% personal {slot.name!r} %}} in {slot.template}.")


def join(skeleton: Skeleton, parts: dict[Slot, str]) -> str:
    """The page: the skeleton's text with each slot's part put in."""
    return "".join(piece if isinstance(piece, str) else parts[piece] for piece in skeleton)


def fill(request: HttpRequest, skeleton: Skeleton, context: dict[str, Any]) -> SafeString:
    """The page for this request: each slot rendered from its template nodes with
    `context` (and the site's context processors), between the shared text."""
    slots = {piece for piece in skeleton if isinstance(piece, Slot)}
    if not slots:
        return mark_safe(join(skeleton, {}))  # noqa: S308 - rendered by the template engine
    first = get_template(next(iter(slots)).template).template  # type: ignore[attr-defined]
    bound = RequestContext(request, context)
    parts: dict[Slot, str] = {}
    with bound.render_context.push_state(first), bound.bind_template(first):
        for slot in slots:
            parts[slot] = _node(slot).nodelist.render(bound)
    return mark_safe(join(skeleton, parts))  # noqa: S308 - rendered by the template engine
