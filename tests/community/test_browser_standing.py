"""Following in a real browser: follow a board → someone posts → the bell counts it →
the dashboard lists it → unfollow from the dashboard."""

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
SHOTS = os.environ.get("TOWNHALL_SCREENSHOTS", "")


def test_follow_a_board_hear_about_a_new_topic_and_unfollow_from_the_dashboard(
    live_server, transactional_db, make_person, make_board
):
    make_board(name="Help", slug="help")
    fan, author = make_person(name="Fay Fan"), make_person(name="Al Author")
    sessions = []
    for person in (fan, author):  # made before Playwright's event loop (the ORM is sync only)
        client = Client()
        client.force_login(person.user)
        sessions.append(client.cookies["sessionid"].value)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page, writer = [], []
            for session, holder in zip(sessions, (page, writer), strict=True):
                context = browser.new_context()
                context.add_cookies(
                    [{"name": "sessionid", "value": session, "url": live_server.url}]
                )
                holder.append(context.new_page())
            page, writer = page[0], writer[0]
            page.goto(f"{live_server.url}/community/b/help/")
            page.get_by_role("button", name="Follow Help").click()
            page.wait_for_url("**/community/b/help/")
            assert page.get_by_role("button", name="Following Help; press to unfollow").is_visible()

            writer.goto(f"{live_server.url}/community/b/help/new/")
            writer.get_by_label("Question").check()
            writer.get_by_label("Title").fill("Why 429?")
            writer.get_by_role("button", name="Post").click()
            writer.wait_for_url("**/community/t/*/")

            page.goto(f"{live_server.url}/members/")
            bell = page.get_by_role("link", name="Notifications 1 unread")
            assert bell.is_visible()
            page.goto(f"{live_server.url}/community/me/")
            assert page.get_by_role("link", name="Why 429?").is_visible()
            if SHOTS:
                page.screenshot(path=f"{SHOTS}/dashboard.png", full_page=True)
            follows = page.get_by_role("region", name="What I follow")
            follows.get_by_role("button", name="Following Help; press to unfollow").click()
            page.wait_for_url("**/community/me/")
            assert page.get_by_text("You no longer follow Help.").is_visible()
            if SHOTS:
                page.goto(f"{live_server.url}/community/reputation/")
                page.screenshot(path=f"{SHOTS}/reputation.png", full_page=True)
        finally:
            browser.close()
