"""Moderation in a real browser, with the keyboard only: a reader flags a reply, a
moderator hides it from the queue, and the reply is gone for the reader."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, HTMX
from townhall.community.services import create_reply, create_topic
from townhall.core.models import Role

from .test_browser import _session_for

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

IN_CI = bool(os.environ.get("CI"))
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not IN_CI and not shutil.which(CHROMIUM), reason="needs Debian's chromium"),
    pytest.mark.skipif(
        not IN_CI and not HTMX.exists(), reason="run scripts/vendor-static.sh first"
    ),
]


def test_flag_then_hide_from_the_queue_with_the_keyboard(
    live_server, transactional_db, make_person, make_board
):
    board = make_board(name="Help", slug="help")
    asker, answerer = make_person(name="Ana Asker"), make_person(name="Bo Answerer")
    moderator = make_person(name="Max Moderator", role=Role.MODERATOR)
    topic = create_topic(board, kind="question", title="Export to PDF?", body="How?", by=asker)
    create_reply(topic, body="You are all idiots.", by=answerer)
    sessions = {"asker": _session_for(asker), "moderator": _session_for(moderator)}
    topic_url = f"{live_server.url}/community/t/{topic.pk}/"
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

            reader = pages["asker"]
            reader.goto(topic_url)
            reader.get_by_role("link", name="Flag the reply by Bo Answerer").focus()
            reader.keyboard.press("Enter")  # htmx puts the form in the link's place
            abuse = reader.get_by_label("Abusive or harassing")
            abuse.wait_for()
            # The form takes the focus (its first reason); the arrow key picks the next.
            reader.wait_for_function(
                "document.activeElement && document.activeElement.type === 'radio'"
            )
            reader.keyboard.press("ArrowDown")
            assert abuse.is_checked()
            reader.keyboard.press("Tab")
            reader.keyboard.type("Insults everyone")
            reader.get_by_role("button", name="Send to the moderators").focus()
            reader.keyboard.press("Enter")
            reader.get_by_text("the moderators will look at it").wait_for()

            mod = pages["moderator"]
            mod.goto(f"{live_server.url}/community/moderation/")
            assert mod.get_by_text("Insults everyone").is_visible()
            mod.get_by_label("Reason (kept in the audit log; needed to hide or delete)").focus()
            mod.keyboard.type("Abusive")
            mod.get_by_role("button", name="Hide", exact=True).focus()
            mod.keyboard.press("Enter")
            mod.get_by_text("Hidden: only moderators see it now.").wait_for()
            assert mod.get_by_text("No open flags.").is_visible()

            reader.goto(topic_url)
            assert reader.get_by_text("You are all idiots.").count() == 0
        finally:
            browser.close()
