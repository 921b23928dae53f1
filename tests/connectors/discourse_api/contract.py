"""Contract case for the Discourse API: recorded responses of a small forum."""

from pathlib import Path

from tests.connectors.replay import Recording

CONNECTOR = "discourse-api"
FIXTURES = Path(__file__).parent / "fixtures"


def config() -> dict:
    return {
        "base_url": "https://forum.acme.io",
        "api_key": "8d3f0c1b2a9e4d7f6c5b4a3928170f6e5d4c3b2a1908f7e6d5c4b3a29180f7e6",
        "api_username": "system",
    }


def recording() -> Recording:
    return Recording(FIXTURES / "forum__acme.json")
