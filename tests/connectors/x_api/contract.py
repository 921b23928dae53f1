"""Contract case for x-api: a saved search replayed from recorded X API v2 responses."""

from pathlib import Path

from tests.connectors.replay import Recording

CONNECTOR = "x-api"
FIXTURES = Path(__file__).parent / "fixtures"
QUERY = '@acmehq OR "acme.io"'


def config() -> dict:
    return {"source": "x", "bearer_token": "AAAAAAAAAAAAAAAAAAAAAtest-bearer", "query": QUERY}


def recording() -> Recording:
    # Two pages (next_token), then — on the next sync — the since_id request, answered empty.
    return Recording(FIXTURES / "search__two_pages.json")
