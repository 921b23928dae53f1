"""Contract case for the GitHub REST API: recorded responses for acme/engine."""

from pathlib import Path

from tests.connectors.replay import Recording

CONNECTOR = "github-api"
FIXTURES = Path(__file__).parent / "fixtures"


def config() -> dict:
    return {"repositories": ["acme/engine"], "token": "ghp_16C7e42F292c6912E7710c838347Ae178B4a"}


def recording() -> Recording:
    return Recording(FIXTURES / "repo__acme-engine.json")
