"""Contract case for events-csv: a Meetup attendee export with its JSON config."""

import json
import shutil
from pathlib import Path

CONNECTOR = "events-csv"
FIXTURES = Path(__file__).parent / "fixtures"
MEETUP_EVENT = {
    "event": "Acme Berlin Meetup #12: Webhooks in practice",
    "event_id": "313370042",
    # Meetup writes local times without an offset, and the attendance list has no time.
    "timezone": "Europe/Berlin",
    "event_date": "2026-11-05T19:00:00",
}


def with_config(tmp_path: Path, fixture: str, **options) -> Path:
    """The export copied next to a JSON config that names it by a relative path."""
    shutil.copy(FIXTURES / fixture, tmp_path / fixture)
    config = tmp_path / f"{Path(fixture).stem}.json"
    config.write_text(json.dumps({"path": fixture, **options}))
    return config


def sample(tmp_path: Path) -> str:
    return str(with_config(tmp_path, "meetup__attendees.csv", **MEETUP_EVENT))


def broken_sample(tmp_path: Path) -> str:
    # An unknown RSVP answer, an empty User ID, an unreadable date, a row with extra cells.
    return str(with_config(tmp_path, "meetup__damaged.csv", **MEETUP_EVENT))
