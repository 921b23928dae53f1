"""In a real browser: XSS payloads stay inert, and a voter hears about an idea's new status."""

from __future__ import annotations

import os
import shutil

import pytest
from django.test import Client

from tests.web.test_browser import CHROMIUM, CHROMIUM_ARGS, HTMX
from townhall.community import services
from townhall.community.models import TITLE_MAX

from .test_xss import PAYLOADS

playwright = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

IN_CI = bool(os.environ.get("CI"))
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not IN_CI and not shutil.which(CHROMIUM), reason="needs Debian's chromium"),
    pytest.mark.skipif(
        not IN_CI and not HTMX.exists(), reason="run scripts/vendor-static.sh first"
    ),
]

# Every payload calls xss(); a page where it runs records it. Injected elements are
# looked for too: anything a payload could add that the site itself never renders.
TRAP = "window.__xss = []; window.xss = () => window.__xss.push(location.pathname);"
INJECTED = """() => {
  // The site header's own icons (the bell) are inline SVG; user content never goes there.
  const bad = [...document.querySelectorAll('script:not([src]), iframe, object, embed, svg, math, base, meta[http-equiv]')]
    .filter(el => !(el.tagName.toLowerCase() === 'svg' && el.closest('header.site-header')));
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const value = attr.value.replace(/[\\s\\x00-\\x1f]/g, '').toLowerCase();
      if (attr.name.startsWith('on') || /^(javascript|vbscript):/.test(value)) bad.push(el);
    }
  }
  return bad.map(el => el.outerHTML.slice(0, 120));
}"""


def _session_for(member) -> str:
    client = Client()
    client.force_login(member.user)
    return client.cookies["sessionid"].value


def _browser_context(browser, live_server, session=None):
    context = browser.new_context()
    if session:
        context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
    context.add_init_script(TRAP)
    return context


def test_pages_full_of_xss_payloads_run_nothing_in_the_browser(
    live_server, transactional_db, make_person, make_board
):
    board = make_board(name="Help", slug="help")
    urls, reader = ["/community/b/help/", "/community/b/help/?page=2"], make_person(name="Rita")
    for n, payload in enumerate(PAYLOADS):
        author = make_person(name=payload[:100])
        topic = services.create_topic(
            board,
            kind="idea" if n % 2 else "question",
            title=payload[:TITLE_MAX],
            body=payload,
            tags=[payload[:50]],
            by=author,
        )
        services.create_reply(topic, body=f"{payload} @Rita", by=author)
        urls += [topic.get_absolute_url(), f"/members/{author.pk}/"]
    sessions = {"signed out": None, "signed in": _session_for(reader)}
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for who, session in sessions.items():
                page = _browser_context(browser, live_server, session).new_page()
                dialogs: list[str] = []
                page.on(
                    "dialog",
                    lambda dialog, seen=dialogs: (seen.append(dialog.message), dialog.dismiss()),
                )
                for url in [*urls, "/community/notifications/"]:
                    if who == "signed out" and url.startswith(("/members/", "/community/notif")):
                        continue
                    page.goto(live_server.url + url)
                    page.mouse.move(200, 300)  # hover handlers, had any survived
                    assert page.evaluate("window.__xss") == [], (who, url)
                    assert page.evaluate(INJECTED) == [], (who, url)
                assert dialogs == [], who
        finally:
            browser.close()


def test_a_voter_sees_the_notification_when_an_employee_changes_the_ideas_status(
    live_server, transactional_db, make_person, make_board
):
    board = make_board(name="Ideas", slug="ideas")
    author, voter = make_person(name="Ida Author"), make_person(name="Vic Voter")
    employee = make_person(name="Eve Employee", employee=True)
    idea = services.create_topic(
        board, kind="idea", title="Export to Parquet", body="Please.", by=author
    )
    sessions = {"voter": _session_for(voter), "employee": _session_for(employee)}
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            pages = {
                who: _browser_context(browser, live_server, session).new_page()
                for who, session in sessions.items()
            }
            vote = pages["voter"]
            vote.goto(live_server.url + idea.get_absolute_url())
            vote.get_by_role("button", name="Vote for this idea").click()
            vote.get_by_role("button", name="Remove my vote").wait_for()
            assert vote.locator(".vote__count").inner_text() == "1 vote"

            team = pages["employee"]
            team.goto(live_server.url + idea.get_absolute_url())
            team.get_by_text("Change the idea's status").click()
            team.get_by_label("New status").select_option("planned")
            team.get_by_label("Official comment").fill("Planned for the spring release.")
            team.get_by_role("button", name="Change status and notify voters").click()
            team.get_by_text("Status changed; voters are notified.").wait_for()

            vote.goto(live_server.url + "/community/notifications/")
            notice = vote.locator(".notification").first
            assert "changed the status of an idea you follow" in notice.inner_text()
            assert "Export to Parquet" in notice.inner_text()
            notice.get_by_role("link", name="Export to Parquet").click()
            vote.get_by_text("Planned for the spring release.").wait_for()
            assert vote.locator(".topic__status").get_by_text("Planned").is_visible()
        finally:
            browser.close()
