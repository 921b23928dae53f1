"""Similar questions in a real browser: typing a question's title shows an existing one."""

from __future__ import annotations

import os
import shutil

import pytest
from django.test import Client

from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, HTMX
from townhall.community.services import accept_solution, create_reply, create_topic

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

IN_CI = bool(os.environ.get("CI"))
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not IN_CI and not shutil.which(CHROMIUM), reason="needs Debian's chromium"),
    pytest.mark.skipif(
        not IN_CI and not HTMX.exists(), reason="run scripts/vendor-static.sh first"
    ),
]


def test_a_similar_question_appears_while_typing_a_title(
    live_server, transactional_db, make_person, make_board
):
    board = make_board(name="Help", slug="help")
    asker, answerer, writer = make_person(), make_person(), make_person(name="Wanda Writer")
    existing = create_topic(
        board, kind="question", title="Sync stops at 99 percent", body="", by=asker
    )
    accept_solution(existing, create_reply(existing, body="Clear the cache", by=answerer), by=asker)
    create_topic(board, kind="question", title="Invoices in euros", body="", by=asker)
    client = Client()
    client.force_login(writer.user)
    session = client.cookies["sessionid"].value  # before Playwright starts its event loop
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context()
            context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
            page = context.new_page()
            page.goto(f"{live_server.url}/community/b/help/new/")
            assert page.locator("#similar-questions a").count() == 0
            page.get_by_label("Title").press_sequentially("Why does my sync stop", delay=20)
            suggestion = page.locator("#similar-questions").get_by_role(
                "link", name="Sync stops at 99 percent"
            )
            suggestion.wait_for()
            assert page.locator("#similar-questions").get_by_text("Solved").is_visible()
            assert "Invoices" not in page.locator("#similar-questions").inner_text()
            assert page.get_by_label("Title").input_value() == "Why does my sync stop"
        finally:
            browser.close()


def test_typing_in_the_search_page_updates_the_results_in_place(
    live_server, transactional_db, make_person, make_board
):
    board = make_board(name="Help", slug="help")
    asker = make_person()
    create_topic(board, kind="question", title="Printer keeps jamming", body="", by=asker)
    create_topic(board, kind="discussion", title="Favourite keyboards", body="", by=asker)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{live_server.url}/community/search/")
            page.evaluate("window.notReloaded = true")
            page.get_by_label("Words to find").press_sequentially("printer", delay=20)
            page.locator(".search-hit mark").get_by_text("Printer").wait_for()
            assert page.locator(".search-hit").count() == 1
            assert page.evaluate("window.notReloaded") is True
            assert "q=printer" in page.url
            page.get_by_label("Kind").select_option("discussion")
            page.get_by_text("Nothing matches").wait_for()
        finally:
            browser.close()
