# ruff: noqa: F811  (the API fixtures imported below are redefined as test arguments)
"""The health dashboard: for managers only, headline figures, a chart with a table and a
CSV link per dataset, an empty state before the first analysis."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.api_support import make_user, manager  # noqa: F401  (fixtures)
from townhall.analytics.charts import CHARTS
from townhall.analytics.engines import Engine
from townhall.analytics.health import run_health_stage

from .conftest import build_tables
from .test_health import tables_on

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def data_dir(settings: Any, tmp_path: Any) -> Any:
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def computed(duckdb_engine: Engine) -> None:
    run_health_stage(duckdb_engine, tables_on(duckdb_engine))


@pytest.fixture
def manager_client(client: Client, manager: User) -> Client:
    client.force_login(manager)
    return client


def test_the_dashboard_shows_headlines_charts_tables_and_downloads(
    manager_client: Client, computed: None, django_assert_max_num_queries: Any
) -> None:
    with django_assert_max_num_queries(6):
        response = manager_client.get("/analytics/")
    html = response.content.decode()

    assert response.status_code == 200
    assert "Active members this month" in html
    # as_of is 1 June 00:00: nobody is active in June yet, two were in May.
    assert "−2 on last month (2)" in html
    assert "Questions solved (3 months)" in html and "50%" in html  # 1 of 2 questions
    for chart in CHARTS:
        assert f'id="chart-{chart.id}-title"' in html
    assert html.count('href="/analytics/data/') == len(CHARTS)
    assert html.count("<table") == len(CHARTS)
    assert "vendor/vega-embed/vega-embed.min.js" in html
    assert "cdn" not in html.lower()


def test_each_chart_embeds_a_valid_vega_lite_spec_with_its_rows(
    manager_client: Client, computed: None
) -> None:
    html = manager_client.get("/analytics/").content.decode()
    specs = dict(
        re.findall(r'<script id="spec-([\w-]+)" type="application/json">(.*?)</script>', html, re.S)
    )

    assert set(specs) == {chart.id for chart in CHARTS}
    retention = json.loads(specs["retention"])
    assert "vega-lite" in retention["$schema"]
    assert {"cohort": "2026-04-01", "age": 1, "cohort_size": 2, "active": 1, "share": 0.5} in (
        retention["datasets"][next(iter(retention["datasets"]))]
        if "datasets" in retention
        else retention["data"]["values"]
    )


def test_a_dataset_downloads_as_csv(manager_client: Client, computed: None) -> None:
    response = manager_client.get("/analytics/data/new_returning.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))

    assert response["Content-Type"].startswith("text/csv")
    assert rows == [
        ["month", "active", "new", "returning"],
        ["2026-04-01", "2", "2", "0"],
        ["2026-05-01", "2", "1", "1"],
    ]


def test_an_unknown_dataset_is_not_found(manager_client: Client) -> None:
    assert manager_client.get("/analytics/data/secrets.csv").status_code == 404


def test_before_the_first_analysis_the_dashboard_says_how_to_get_figures(
    manager_client: Client,
) -> None:
    html = manager_client.get("/analytics/").content.decode()

    assert "No figures yet" in html and "townhall analyze" in html


def test_an_empty_community_gets_a_dashboard_that_says_there_is_nothing_yet(
    manager_client: Client, duckdb_engine: Engine
) -> None:
    run_health_stage(duckdb_engine, build_tables(duckdb_engine, activities=[], members=[]))

    response = manager_client.get("/analytics/")
    html = response.content.decode()

    assert response.status_code == 200
    assert html.count("Nothing to show yet") == len(CHARTS)
    assert "no question has been asked on the community space" in html


def test_members_cannot_see_the_dashboard_or_its_data(
    client: Client, make_user: Callable[..., User], computed: None
) -> None:
    client.force_login(make_user())

    assert client.get("/analytics/").status_code == 403
    assert client.get("/analytics/data/retention.csv").status_code == 403


def test_managers_see_an_analytics_link_in_the_navigation(manager_client: Client) -> None:
    html = manager_client.get("/").content.decode()

    assert 'href="/analytics/"' in html


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
VEGA_EMBED = Path(__file__).resolve().parents[2] / (
    "townhall/web/static/vendor/vega-embed/vega-embed.min.js"
)


@pytest.mark.browser
@pytest.mark.skipif(
    not os.environ.get("CI") and not (shutil.which(CHROMIUM) and VEGA_EMBED.exists()),
    reason="needs Debian's chromium and scripts/vendor-static.sh",
)
def test_every_chart_draws_in_a_browser_and_downloads_as_svg(
    live_server: Any, transactional_db: None, client: Client, manager: User, computed: None
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    client.force_login(manager)
    session = client.cookies["sessionid"].value
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(accept_downloads=True)
        context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{live_server.url}/analytics/")
        page.wait_for_function(
            "[...document.querySelectorAll('[data-spec]')].every(e => e.dataset.drawn)"
        )
        drawn = page.eval_on_selector_all("[data-spec]", "els => els.map(e => e.dataset.drawn)")
        svgs = page.locator(".health-chart__canvas svg.marks").count()
        with page.expect_download() as download:
            page.get_by_role("button", name="Download SVG of retention by cohort").click()
        svg = Path(download.value.path()).read_text()
        browser.close()

    assert errors == []
    assert drawn == ["true"] * len(CHARTS)
    assert svgs == len(CHARTS)
    assert svg.startswith("<svg") and "Join month (cohort)" in svg
