"""The question flow in a real browser: ask → reply → accept the solution (in place)."""

from __future__ import annotations

import os
import shutil

import pytest
from django.test import Client

from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, HTMX

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

IN_CI = bool(os.environ.get("CI"))
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not IN_CI and not shutil.which(CHROMIUM), reason="needs Debian's chromium"),
    pytest.mark.skipif(
        not IN_CI and not HTMX.exists(), reason="run scripts/vendor-static.sh first"
    ),
]


def _session_for(member) -> str:
    client = Client()
    client.force_login(member.user)
    return client.cookies["sessionid"].value


def test_ask_reply_and_accept_a_solution_in_the_browser(
    live_server, transactional_db, make_person, make_board
):
    make_board(name="Help", slug="help")
    asker, answerer = make_person(name="Ana Asker"), make_person(name="Bo Answerer")
    # Sessions are made before Playwright starts its event loop (the ORM is sync only).
    sessions = {"asker": _session_for(asker), "answerer": _session_for(answerer)}
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            pages = {}
            for who, session in sessions.items():
                context = browser.new_context()
                context.add_cookies(
                    [{"name": "sessionid", "value": session, "url": live_server.url}]
                )
                pages[who] = context.new_page()

            ask = pages["asker"]
            ask.goto(f"{live_server.url}/community/b/help/")
            ask.get_by_role("link", name="Start a topic").click()
            ask.get_by_label("Question").check()
            ask.get_by_label("Title").fill("Why does sync stop at 99%?")
            ask.get_by_label("Details").fill("It hangs **every time**.")
            ask.get_by_role("button", name="Post").click()
            ask.wait_for_url("**/community/t/*/")
            topic_url = ask.url
            assert ask.get_by_role("heading", level=1).inner_text() == "Why does sync stop at 99%?"
            assert ask.get_by_text("Not solved yet").is_visible()

            answer = pages["answerer"]
            answer.goto(topic_url)
            answer.get_by_label("Your reply").fill("Clear the cache, then sync again.")
            answer.get_by_role("button", name="Post reply").click()
            answer.wait_for_selector("text=Clear the cache, then sync again.")

            ask.reload()
            ask.evaluate("window.notReloaded = true")
            ask.get_by_role("button", name="Accept as solution").click()
            ask.get_by_role("heading", name="Accepted solution").wait_for()
            assert ask.evaluate("window.notReloaded") is True  # swapped in place by htmx
            ask.reload()
            assert ask.locator(".topic__status").get_by_text("Solved").is_visible()
        finally:
            browser.close()
