"""Contract case for the Reddit API: r/django replayed from recorded responses."""

from pathlib import Path

from tests.connectors.replay import Recording

CONNECTOR = "reddit-api"
FIXTURES = Path(__file__).parent / "fixtures"


def config() -> dict:
    return {
        "subreddits": ["django"],
        "access_token": "recorded-token",
        "since": "2024-03-01T00:00:00Z",
    }


def recording() -> Recording:
    return Recording(FIXTURES / "api__sync.json")
