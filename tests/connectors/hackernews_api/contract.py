"""Contract case for the Hacker News API: a walk over seven recorded items."""

from pathlib import Path

from tests.connectors.replay import Recording

CONNECTOR = "hackernews-api"
FIXTURES = Path(__file__).parent / "fixtures"


def config() -> dict:
    return {"start_item": 40000001, "max_items": 10}


def recording() -> Recording:
    return Recording(FIXTURES / "api__walk.json")
