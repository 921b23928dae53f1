"""Contract case for the GitHub REST API: recorded responses for acme/engine (its REST
listings, and its discussions from the GraphQL API)."""

from pathlib import Path

from tests.connectors.replay import Recording

CONNECTOR = "github-api"
FIXTURES = Path(__file__).parent / "fixtures"
REST = FIXTURES / "repo__acme-engine.json"
DISCUSSIONS = FIXTURES / "graphql__acme-engine-discussions.json"


def config() -> dict:
    return {"repositories": ["acme/engine"], "token": "ghp_16C7e42F292c6912E7710c838347Ae178B4a"}


def recording() -> Recording:
    return Recording(REST, DISCUSSIONS)
