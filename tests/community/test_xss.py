"""Every payload of xss_payloads.txt, as a topic title and body, a reply, a member's name and
a tag, renders inert on every page that shows it: no script but the site's own, no event
handler, no javascript:/data:/vbscript: URL, no injected frame, SVG or MathML element."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.test import Client
from django.utils.html import escape

from townhall.community import services
from townhall.community.models import TITLE_MAX
from townhall.community.selectors import TOPICS_PER_PAGE

from .conftest import login

PAYLOADS = [
    line
    for line in (Path(__file__).parent / "xss_payloads.txt").read_text().splitlines()
    if line.strip() and not line.startswith("# ")
]
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "srcdoc", "to"}
FORBIDDEN_ELEMENTS = {
    "iframe", "frame", "frameset", "object", "embed", "applet", "svg", "math", "base",
    "animate", "set", "mglyph", "maction", "noscript", "marquee", "video", "audio", "source",
}  # fmt: skip
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")


class _Executable(HTMLParser):
    """Collects everything in a page that a browser could run."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.in_script = False
        self.styles = 0
        # The site's own header draws its icons (the bell) as inline SVG; user content
        # never reaches it, so an <svg> there is the site's, not a payload's.
        self.in_site_header = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "header" and "site-header" in (dict(attrs).get("class") or ""):
            self.in_site_header = True
        site_icon = tag in {"svg", "path"} and self.in_site_header
        if tag in FORBIDDEN_ELEMENTS and not site_icon:
            self.problems.append(f"<{tag}> element")
        if tag == "script":
            self.in_script = True
            src = dict(attrs).get("src") or ""
            if not src.startswith("/static/"):
                self.problems.append(f"<script src={src!r}>")
        if tag == "style":
            self.styles += 1
        if tag == "meta" and "http-equiv" in dict(attrs):
            self.problems.append("<meta http-equiv>")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…>")
            cleaned = "".join(ch for ch in (value or "") if ch > " ").lower()
            favicon = tag == "link" and cleaned.startswith("data:image/svg+xml")
            if name in URL_ATTRIBUTES and cleaned.startswith(BAD_SCHEMES) and not favicon:
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name == "style" and "javascript:" in cleaned:
                self.problems.append(f"<{tag} style={value!r}>")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.in_script = False
        if tag == "header":
            self.in_site_header = False

    def handle_data(self, data: str) -> None:
        if self.in_script and data.strip():
            self.problems.append(f"inline script {data[:40]!r}")


def assert_inert(html: str, where: str) -> None:
    parser = _Executable()
    parser.feed(html)
    parser.close()
    if parser.styles > 1:  # the brand colours in <head>, and nothing else
        parser.problems.append(f"{parser.styles} <style> elements")
    assert not parser.problems, f"{where}: {parser.problems}"


def test_the_corpus_is_loaded_and_the_checker_catches_live_markup():
    assert len(PAYLOADS) >= 60
    for live in (
        '<img src=x onerror="xss()">',
        "<script>xss()</script>",
        '<a href="javascript:x">',
    ):
        with pytest.raises(AssertionError):
            assert_inert(live, "sample")


@pytest.fixture
def hostile(board, make_person, employee):
    """One topic per payload, by a member named after it, tagged with it, with a reply by
    another such member that mentions the first and an official status comment."""
    topics = []
    for n, payload in enumerate(PAYLOADS):
        author = make_person(name=payload[:100])
        replier = make_person(name=f"{payload[:60]} {n}")
        topic = services.create_topic(
            board,
            kind="idea" if n % 2 else "question",
            title=payload[:TITLE_MAX],
            body=f"{payload}\n\n{payload}",
            tags=[payload[:50]],
            by=author,
        )
        services.create_reply(topic, body=f"{payload} @[{payload[:100]}]", by=replier)
        topics.append((topic, author))
    return topics


def test_topic_pages_render_every_payload_inert_signed_out_and_in(client, hostile, employee):
    signed_in = login(Client(), employee)
    for topic, _ in hostile:
        for who, visitor in (("signed out", client), ("employee", signed_in)):
            response = visitor.get(topic.get_absolute_url())
            assert response.status_code == 200
            html = response.content.decode()
            assert f'id="topic-title">{escape(topic.title)}<' in html  # shown, as text
            assert_inert(html, f"topic {topic.title!r} ({who})")


def test_board_pages_and_tag_menus_render_every_payload_inert(client, hostile, board):
    pages = -(-len(hostile) // TOPICS_PER_PAGE)
    for page in range(1, pages + 1):
        html = client.get(f"/community/b/{board.slug}/?page={page}").content.decode()
        assert_inert(html, f"board page {page}")
    for topic, _ in hostile[:10]:
        tag = topic.tags.get()
        assert_inert(
            client.get(f"/community/b/{board.slug}/?tag={tag.slug}").content.decode(), "tag"
        )


def test_notifications_and_member_timelines_render_every_payload_inert(hostile, employee):
    viewer = login(Client(), employee)
    for _, author in hostile:
        html = login(Client(), author).get("/community/notifications/").content.decode()
        assert "replied to your topic" in html  # the payloads are on the page, as text
        assert_inert(html, f"notifications of {author.display_name!r}")
        assert_inert(viewer.get(f"/members/{author.pk}/").content.decode(), "profile")


def test_the_new_topic_form_echoes_payloads_inert_when_it_refuses_a_post(board, asker):
    client = login(Client(), asker)
    for payload in PAYLOADS:
        response = client.post(
            f"/community/b/{board.slug}/new/",
            {
                "kind": "question",
                "title": payload[:TITLE_MAX],
                "body": payload,
                "tags": "a,b,c,d,e,f" + payload[:200],
            },
        )
        html = response.content.decode()
        if response.status_code == 200:  # refused and re-rendered (e.g. tags too long)
            assert_inert(html, f"new topic form with {payload!r}")


def test_a_payload_never_survives_as_a_live_link_in_rendered_markdown(asker, board):
    for payload in PAYLOADS:
        topic = services.create_topic(board, kind="discussion", title="t", body=payload, by=asker)
        assert_inert(f"<div>{topic.body_html}</div>", f"markdown of {payload!r}")
