"""Contract case for the Stack Exchange API: one tag of superuser.com, replayed."""

from pathlib import Path

from tests.connectors.replay import Recording

CONNECTOR = "stackexchange-api"
FIXTURES = Path(__file__).parent / "fixtures"


def config() -> dict:
    return {"site": "superuser", "tags": ["celery"], "since": "2024-03-01T00:00:00Z"}


def recording() -> Recording:
    return Recording(FIXTURES / "api__sync.json")
