"""The network in a real browser: names on hover, and the member's card loaded into the profile."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User

from tests.web.conftest import record
from townhall.accounts.services import attach_member, set_role
from townhall.analytics.engines import Engine
from townhall.analytics.graph import run_graph_stage
from townhall.core.models import Member, Role
from townhall.core.records import Person
from townhall.core.services import ingest

from .conftest import act, build_tables

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
IN_CI = bool(os.environ.get("CI"))
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not IN_CI and not shutil.which(CHROMIUM), reason="needs Debian's chromium"),
    pytest.mark.skipif(
        not IN_CI and not HTMX.exists(), reason="run scripts/vendor-static.sh first"
    ),
]

NAMES = ["Alice", "Bob", "Carla", "Dmitri", "Eve", "Farid", "Gwen", "Hugo", "Ines", "Jon"]


@pytest.fixture
def browser_page(
    live_server: Any, transactional_db: None, client: Any, duckdb_engine: Engine
) -> Iterator[tuple[Any, str, dict[str, Member]]]:
    """A Chromium page signed in as a community manager, over a two-group community."""
    ingest(
        [
            record(source="slack", person=Person(external_id=f"N{i}", name=name))
            for i, name in enumerate(NAMES)
        ]
    )
    people = {m.display_name: m for m in Member.objects.filter(display_name__in=NAMES)}
    ids = [people[name].pk for name in NAMES]
    # Two groups of five who reply to each other, and Eve → Farid between them.
    activities = []
    for group in (ids[:5], ids[5:]):
        for a in group:
            for b in group:
                if a != b:
                    activities.append(act(len(activities) + 1, member=a, kind="reply", target=b))
    activities.append(act(len(activities) + 1, member=ids[4], kind="reply", target=ids[5]))
    run_graph_stage(duckdb_engine, build_tables(duckdb_engine, activities=activities))

    root = User.objects.create_superuser("root", "root@example.org", "pw")
    user = User.objects.create_user("cm", "cm@example.org", "pw")
    set_role(attach_member(user, name="Cora Manager"), Role.COMMUNITY_MANAGER, by=root)
    client.force_login(user)
    session = client.cookies["sessionid"].value
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
        page = context.new_page()
        yield page, live_server.url, people
        browser.close()


def test_pointing_at_a_member_in_the_graph_names_them_and_lights_up_their_ties(
    browser_page: tuple[Any, str, dict[str, Member]],
) -> None:
    page, base, people = browser_page
    page.goto(f"{base}/analytics/network/")
    node = page.locator(f'.network__nodes a[data-id="{people["Eve"].pk}"]')
    node.hover()
    tip = page.locator("[data-network-tip]")
    assert tip.inner_text().startswith("Eve · cluster")
    # Eve's four group mates and Farid across the bridge.
    assert page.locator(".network__nodes a.is-near").count() == 5
    if os.environ.get("TOWNHALL_SCREENSHOTS"):
        page.screenshot(path=os.environ["TOWNHALL_SCREENSHOTS"] + "/network.png", full_page=True)

    node.click()
    page.wait_for_url(f"**/members/{people['Eve'].pk}/")


def test_a_profile_loads_the_members_network_card_in_place(
    browser_page: tuple[Any, str, dict[str, Member]],
) -> None:
    page, base, people = browser_page
    page.goto(f"{base}/members/{people['Eve'].pk}/")
    card = page.locator("section.network-member")
    card.wait_for()
    assert "Closest connections" in card.inner_text()
    assert card.locator(".network-member__list li").count() == 5
    if os.environ.get("TOWNHALL_SCREENSHOTS"):
        card.screenshot(path=os.environ["TOWNHALL_SCREENSHOTS"] + "/network-member.png")
