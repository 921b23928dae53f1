"""Quoting in a real browser: Quote on a reply fills the reply box (a selection only
quotes itself), posting it shows a block quote."""

from __future__ import annotations

import os
import shutil

import pytest
from django.test import Client

from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, HTMX
from townhall.community.services import create_reply, create_topic

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

IN_CI = bool(os.environ.get("CI"))
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not IN_CI and not shutil.which(CHROMIUM), reason="needs Debian's chromium"),
    pytest.mark.skipif(
        not IN_CI and not HTMX.exists(), reason="run scripts/vendor-static.sh first"
    ),
]


def test_quote_a_reply_in_the_browser_and_post_it(
    live_server, transactional_db, make_person, make_board
):
    board = make_board(name="Help", slug="help")
    asker, answerer = make_person(name="Ana Asker"), make_person(name="Bo Answerer")
    quoter = make_person(name="Cy Quoter")
    topic = create_topic(
        board, kind="question", title="Sync stops at 99%", body="It hangs.", by=asker
    )
    reply = create_reply(topic, body="Clear the cache.\n\nThen sync **again**.", by=answerer)
    client = Client()
    client.force_login(quoter.user)
    session = client.cookies["sessionid"].value
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
            page = context.new_page()
            page.goto(f"{live_server.url}{topic.get_absolute_url()}")
            box = page.get_by_label("Your reply")
            quote = page.get_by_role("link", name="Quote the reply by Bo Answerer")

            # A selection inside the reply: only it is quoted.
            page.evaluate(
                """id => {
                  const text = document.querySelector(`#reply-${id} .prose p`).firstChild;
                  const range = document.createRange();
                  range.setStart(text, 6);
                  range.setEnd(text, 15);
                  getSelection().removeAllRanges();
                  getSelection().addRange(range);
                }""",
                reply.pk,
            )
            page.evaluate("window.notReloaded = true")
            quote.click()
            page.wait_for_function("() => document.querySelector('#id_body').value.includes('>')")
            assert box.input_value() == "@[Bo Answerer] wrote:\n> the cache\n\n"
            assert page.evaluate("document.activeElement.id") == "id_body"
            assert page.evaluate("window.notReloaded") is True  # in place, not the link

            # No selection: the whole reply, as its Markdown.
            box.fill("")
            page.evaluate("getSelection().removeAllRanges()")
            quote.focus()
            page.keyboard.press("Enter")  # keyboard works as well as a click
            page.wait_for_function("() => document.querySelector('#id_body').value.length > 0")
            assert box.input_value() == (
                "@[Bo Answerer] wrote:\n> Clear the cache.\n>\n> Then sync **again**.\n\n"
            )
            box.press("End")
            box.type("Thanks, that did it.")
            page.get_by_role("button", name="Post reply").click()
            page.wait_for_selector("text=Thanks, that did it.")
            posted = page.locator("article.reply").filter(has_text="Thanks, that did it.")
            quoted = posted.locator("blockquote")
            assert quoted.count() == 1
            assert "Then sync again." in quoted.inner_text()
            assert posted.locator("a", has_text="@Bo Answerer").count() == 1
        finally:
            browser.close()
