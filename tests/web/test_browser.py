"""The directory in a real browser: typing in the search box updates the results in place."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from townhall.accounts.services import attach_member
from townhall.core.records import Person
from townhall.core.services import ingest

from .conftest import record

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
HTMX = Path(__file__).resolve().parents[2] / "townhall/web/static/vendor/htmx/htmx.min.js"

# `make test` installs Chromium and vendors htmx, so under CI a missing piece is a
# failure, not a skip; run by hand without them, the test skips and says why.
IN_CI = bool(os.environ.get("CI"))
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not IN_CI and not shutil.which(CHROMIUM), reason="needs Debian's chromium"),
    pytest.mark.skipif(
        not IN_CI and not HTMX.exists(), reason="run scripts/vendor-static.sh first"
    ),
]


@pytest.fixture
def browser_page(live_server, transactional_db, client):
    """A Chromium page signed in as a member of a small community."""
    ingest(
        [
            record(source="slack", person=Person(external_id=f"B{i}", name=name))
            for i, name in enumerate(["Alice Anders", "Bob Brown", "Carla Cruz", "Dmitri Dane"])
        ]
    )
    user = User.objects.create_user("viewer", "viewer@example.org", "pw")
    attach_member(user, name="Vera Viewer")
    client.force_login(user)
    session = client.cookies["sessionid"].value
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context()
        context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
        page = context.new_page()
        yield page, live_server.url
        browser.close()


def test_typing_in_the_search_box_updates_the_results_without_reloading(browser_page):
    page, base = browser_page
    page.goto(f"{base}/members/")
    rows = page.locator("#member-results .person__name")
    assert rows.count() == 5
    page.evaluate("window.notReloaded = true")

    page.get_by_label("Search").press_sequentially("carl", delay=30)
    page.wait_for_function(
        "document.querySelectorAll('#member-results .person__name').length === 1"
    )

    assert rows.all_inner_texts() == ["Carla Cruz"]
    assert page.evaluate("window.notReloaded") is True  # swapped in place, no page load
    assert page.locator("#member-status").inner_text().startswith("1 member matches")
    assert "q=carl" in page.url  # the address follows, so the result can be shared

    page.get_by_label("Search").fill("")
    page.get_by_label("Search").press_sequentially("zz", delay=30)
    page.get_by_text("No members match").wait_for()
