import json

import pytest

from townhall.core.models import Activity, Identity, QuarantinedRecord
from townhall.core.readers import CsvMapping, MappingError, read_csv
from townhall.core.services import ingest

MEETUP_MAPPING = {
    "constants": {"source": "meetup", "kind": "rsvp"},
    "columns": {
        "occurred_at": "RSVP Date",
        "actor.external_id": "Member ID",
        "actor.name": "Name",
        "actor.email": "Email",
        "channel": "Event Name",
    },
    "templates": {"external_id": "{Event ID}:{Member ID}"},
    "properties": {"guests": "Guests"},
    "timezone": "America/New_York",
    "datetime_format": "%m/%d/%Y %I:%M %p",
}

CSV_TEXT = """Event ID,Event Name,Member ID,Name,Email,RSVP Date,Guests
301,Berlin meetup,m-1,Ana Souza,ana@acme.io,03/14/2026 06:30 PM,1
301,Berlin meetup,m-2,Bo Chen,,03/15/2026 09:05 AM,
302,Remote AMA,m-1,Ana Souza,ana@acme.io,not a date,0
"""


def test_csv_rows_become_records_with_constants_templates_and_zone(db, tmp_path):
    path = tmp_path / "rsvps.csv"
    path.write_text(CSV_TEXT)
    result = ingest(read_csv(path, CsvMapping.from_dict(MEETUP_MAPPING)), origin=str(path))
    assert (result.created, result.quarantined) == (2, 1)
    rsvp = Activity.objects.get(external_id="301:m-1")
    assert rsvp.kind.slug == "rsvp" and rsvp.channel == "Berlin meetup"
    assert rsvp.occurred_at.isoformat() == "2026-03-14T22:30:00+00:00"  # 18:30 EDT
    assert rsvp.properties == {"guests": "1"}
    assert Identity.objects.get(external_id="m-1").email == "ana@acme.io"
    bad = QuarantinedRecord.objects.get()
    assert bad.position == "4"
    assert "column 'RSVP Date': cannot read 'not a date'" in bad.reason
    assert json.loads(bad.raw)["Name"] == "Ana Souza"


def test_csv_with_wrong_headers_quarantines_every_row_with_the_reason(db, tmp_path):
    path = tmp_path / "rsvps.csv"
    path.write_text(CSV_TEXT.replace("Email", "E-mail", 1))
    result = ingest(read_csv(path, CsvMapping.from_dict(MEETUP_MAPPING)), origin=str(path))
    assert (result.created, result.quarantined) == (0, 3)
    reasons = set(QuarantinedRecord.objects.values_list("reason", flat=True))
    assert len(reasons) == 1
    assert "lacks column(s) 'Email'" in reasons.pop()


def test_naive_csv_dates_without_a_mapping_timezone_are_quarantined(db, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("id,who,when\n1,ann,2026-01-02 10:00\n2,bo,2026-01-02T10:00:00+01:00\n")
    mapping = CsvMapping.from_dict(
        {
            "constants": {"source": "forms", "kind": "signup"},
            "columns": {"external_id": "id", "actor.username": "who", "occurred_at": "when"},
        }
    )
    result = ingest(read_csv(path, mapping), origin="x")
    assert (result.created, result.quarantined) == (1, 1)
    assert 'has no UTC offset; add "timezone"' in QuarantinedRecord.objects.get().reason


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"columns": {"external_id": "id"}}, "gives no value for"),
        (
            {
                "constants": {"source": "s", "kind": "k"},
                "columns": {"external_id": "a", "occurred_at": "b", "actor.nickname": "c"},
            },
            "'actor.nickname' is not a record field",
        ),
        (
            {
                "constants": {"source": "s", "kind": "k"},
                "columns": {"external_id": "a", "occurred_at": "b", "actor.username": "c"},
                "timezone": "Mars/Olympus",
            },
            "unknown time zone",
        ),
    ],
)
def test_unusable_mappings_are_refused_with_what_to_fix(mapping, message):
    with pytest.raises(MappingError, match=message):
        CsvMapping.from_dict(mapping)
