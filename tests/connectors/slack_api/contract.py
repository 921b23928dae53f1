"""Contract case for `slack-api`: a workspace replayed from recorded Web API answers."""

from pathlib import Path

from tests.connectors.replay import Recording

CONNECTOR = "slack-api"
FIXTURES = Path(__file__).parent / "fixtures"


def config() -> dict:
    return {
        "token": "xoxb-2048613725-7052389102-tEsTtOkEnNoTrEaL",
        "base_url": "https://slack.com/api",
        "workspace_url": "https://acme-community.slack.com",
    }


def recording(*cases: str) -> Recording:
    """The workspace's recording, with `cases` (e.g. "rate-limited") answered first."""
    paths = [FIXTURES / f"recording__{case}.json" for case in cases]
    return Recording(*paths, FIXTURES / "recording__workspace.json")
