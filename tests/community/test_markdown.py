"""Posts are Markdown rendered on the server and sanitized: hostile input renders inert."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from townhall.community.markdown import mention_names, render_markdown
from townhall.community.services import create_reply, create_topic

XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "![x](javascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<svg/onload=alert(1)>",
    "<iframe src=//evil.example></iframe>",
    '"><script>alert(1)</script>',
    "[x](JaVaScRiPt:alert(1))",
    "<details open ontoggle=alert(1)>",
    "[a](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<style>body{display:none}</style>",
]


class _Elements(HTMLParser):
    """Every element of a page with its attributes, and the text of its scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {k: v or "" for k, v in attrs}))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)


def assert_inert(page: str) -> None:
    parser = _Elements()
    parser.feed(page)
    for tag, attrs in parser.elements:
        assert tag not in {"iframe", "svg", "details", "style"} or not attrs.get("onload"), tag
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        for name in ("href", "src", "action"):
            assert (
                not attrs.get(name, "").strip().lower().startswith(("javascript:", "data:text"))
            ), attrs
        assert tag != "iframe"
    assert not any("alert" in script for script in parser.scripts)


@pytest.mark.parametrize("payload", XSS)
def test_hostile_markdown_renders_inert(payload):
    html = render_markdown(payload)
    assert_inert(html)
    assert "<script" not in html.lower() and "<style" not in html.lower()


def test_markdown_keeps_formatting_and_marks_links_nofollow():
    html = render_markdown("**bold** `code` [site](https://example.com)\n\n> quote")
    assert "<strong>bold</strong>" in html and "<code>code</code>" in html
    assert "<blockquote>" in html
    assert 'rel="nofollow noopener noreferrer ugc"' in html


def test_mention_names_are_found_once_each():
    assert mention_names("@Ana and @[Bo Brown], again @ana; mail a@b.c") == ["Ana", "Bo Brown"]


@pytest.mark.parametrize("payload", XSS)
def test_hostile_titles_and_bodies_render_inert_on_the_pages(
    client, payload, board, asker, answerer
):
    topic = create_topic(board, kind="question", title=payload[:200], body=payload, by=asker)
    create_reply(topic, body=payload, by=answerer)
    for url in (f"/community/t/{topic.pk}/", f"/community/b/{board.slug}/"):
        assert_inert(client.get(url).content.decode())
