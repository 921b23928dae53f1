"""Contract case for `discord-api`: a server replayed from recorded bot API answers."""

from pathlib import Path

from tests.connectors.replay import Recording

CONNECTOR = "discord-api"
FIXTURES = Path(__file__).parent / "fixtures"


def config() -> dict:
    return {
        "token": "MTAxNjAwMTEyMjMzNDQ1NTY2Nw.GxYz12.not-a-real-token-only-for-tests-0123",
        "guild_id": "1015963208164155452",
        "base_url": "https://discord.com/api/v10",
        # Small pages so the recording shows `after` pagination with a handful of messages.
        "member_page_size": 2,
        "message_page_size": 2,
    }


def recording(*cases: str) -> Recording:
    """The server's recording, with `cases` (e.g. "rate-limited") answered first."""
    paths = [FIXTURES / f"recording__{case}.json" for case in cases]
    return Recording(*paths, FIXTURES / "recording__guild.json")
