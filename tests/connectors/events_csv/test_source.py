import csv
import io
import shutil
import zipfile
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from townhall.connectors.csv_exports.source import EventsCsv, EventsCsvConfig
from townhall.connectors.services import file_plan
from townhall.core.models import Activity, Identity
from townhall.core.records import ActivityRecord
from townhall.core.services.imports import SourceFailure, run_plan
from townhall.core.services.ingest import Envelope

from .contract import FIXTURES, MEETUP_EVENT

BERLIN = ZoneInfo("Europe/Berlin")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


def read(path, **options) -> list:
    return list(EventsCsv(EventsCsvConfig(path=path, **options)).read())


def summary(records) -> list[tuple]:
    return [(r.kind, r.actor.key) for r in records]


def test_meetup_answers_and_attendance_are_keyed_by_member_id():
    records = read(FIXTURES / "meetup__attendees.csv", **MEETUP_EVENT)
    assert summary(records) == [
        ("rsvp_yes", "187654321"),
        ("event_attended", "187654321"),
        ("rsvp_yes", "29384756"),
        ("event_attended", "29384756"),
        ("rsvp_no", "30475619"),
        ("waitlisted", "41234987"),
        ("rsvp_yes", "52876123"),  # answered yes, never marked present
    ]
    ana_yes, ana_came, bo_yes, *_ = records
    assert {r.source for r in records} == {"meetup"}
    assert ana_yes.external_id == "meetup:313370042:187654321:rsvp_yes"
    assert ana_yes.occurred_at == datetime(2026, 10, 20, 9, 2, tzinfo=BERLIN)
    assert ana_came.occurred_at == datetime(2026, 11, 5, 19, 0, tzinfo=BERLIN)
    assert ana_yes.channel == MEETUP_EVENT["event"] == ana_yes.title
    assert ana_yes.actor.name == "Ana Souza"
    assert ana_yes.actor.url == "https://www.meetup.com/acme-berlin/members/187654321"
    assert ana_yes.properties == {"guests": 0, "host": True, "title": "Organizer"}
    assert bo_yes.properties == {"guests": 1}


def test_tab_separated_meetup_download_reads_the_same(tmp_path):
    text = (FIXTURES / "meetup__attendees.csv").read_text()
    rows = list(csv.reader(io.StringIO(text)))
    tsv = tmp_path / "attendees.tsv"
    tsv.write_text("\n".join("\t".join(row) for row in rows) + "\n")
    assert read(tsv, **MEETUP_EVENT) == read(FIXTURES / "meetup__attendees.csv", **MEETUP_EVENT)


def test_dates_without_an_offset_and_no_timezone_are_quarantined_saying_so():
    records = read(FIXTURES / "meetup__attendees.csv", event="Acme Berlin Meetup #12")
    assert all(isinstance(r, Envelope) for r in records) and len(records) == 5
    assert records[0].position == "2"
    assert records[0].error == (
        "column 'RSVPed on': 'October 20, 2026 9:02' has no UTC offset; give the export's "
        '"timezone" in a JSON config (e.g. "America/New_York")'
    )


def test_attendance_without_an_event_date_quarantines_only_those_rows():
    records = read(FIXTURES / "meetup__attendees.csv", timezone="Europe/Berlin")
    bad = [r for r in records if isinstance(r, Envelope)]
    assert [e.position for e in bad] == ["2", "3"]  # Ana and Bo were marked present
    assert 'give "event_date" in a JSON config' in bad[0].error
    assert [r.kind for r in records if isinstance(r, ActivityRecord)] == [
        "rsvp_no",
        "waitlisted",
        "rsvp_yes",
    ]


def test_damaged_rows_are_quarantined_with_line_and_reason():
    records = read(FIXTURES / "meetup__damaged.csv", **MEETUP_EVENT)
    assert [(e.position, e.error) for e in records if isinstance(e, Envelope)] == [
        ("3", "column 'RSVP': 'Maybe' is not Yes, No or Waitlist"),
        ("4", "column 'User ID' is empty"),
        (
            "5",
            "column 'RSVPed on': cannot read 'soon' as a date "
            "(ISO 8601 or a date like 11/29/2024 22:28)",
        ),
        ("6", "row has 12 cells; the header has 10"),
    ]


def test_luma_guests_register_check_in_and_buy_tickets(tmp_path):
    path = tmp_path / "Acme Launch Party - Guests - 2026-11-18-09-30-12.csv"
    shutil.copy(FIXTURES / "luma__guests.csv", path)
    records = read(path)  # Luma's dates carry Z: no timezone needed
    assert summary(records) == [
        ("event_registered", "email:ana@acme-users.org"),
        ("event_attended", "email:ana@acme-users.org"),
        ("ticket_purchased", "email:ana@acme-users.org"),
        ("event_registered", "email:bo@corp.dev"),
        ("ticket_purchased", "email:bo@corp.dev"),
        ("waitlisted", "email:carla@example.org"),
        # Dan was only invited: nothing he did.
        ("event_registered", "email:eve@martin.fr"),
        ("event_registered", "email:fay@ito.jp"),
    ]
    ana, came, bought, bo, bo_bought, _, eve, fay = records
    assert {r.source for r in records} == {"luma"} and ana.channel == "Acme Launch Party"
    assert ana.external_id == "luma:evt-Q8a2LmT0vX9kR1s:ana@acme-users.org:event_registered"
    assert bo.external_id == "luma:evt-Q8a2LmT0vX9kR1s:bo@corp.dev:event_registered"
    assert came.occurred_at == datetime(2026, 11, 18, 18, 5, 40, 112000, tzinfo=UTC)
    assert bought.properties == {"price": 25.0, "currency": "EUR", "ticket": "Early bird"}
    assert bo_bought.properties["coupon_code"] == "COMMUNITY5"
    assert bo_bought.properties["discount"] == 5.0
    assert (
        eve.actor.name == "Eve Martin" and eve.properties["approval_status"] == "pending_approval"
    )
    assert fay.properties["approval_status"] == "declined"


def test_eventbrite_report_reads_event_and_ticket_columns():
    records = read(
        FIXTURES / "eventbrite__attendee_report.csv",
        timezone="America/Los_Angeles",
        event_date=datetime(2026, 11, 20, 9, 0),
    )
    assert summary(records) == [
        ("event_registered", "email:ana@acme-users.org"),
        ("ticket_purchased", "email:ana@acme-users.org"),
        ("event_attended", "email:ana@acme-users.org"),
        ("event_registered", "email:bo@corp.dev"),
        ("event_registered", "email:carla@example.org"),  # refunded: no purchase kept
        ("rsvp_no", "email:dan@okafor.dev"),
    ]
    ana, bought, came, *_ = records
    assert ana.external_id == "eventbrite:1084375621987:18441583423:event_registered"
    assert ana.channel == "Acme Summit 2026" and ana.actor.name == "Ana Souza"
    assert ana.occurred_at == datetime(2026, 11, 2, 14, 28, tzinfo=LOS_ANGELES)
    assert came.occurred_at == datetime(2026, 11, 20, 9, 0, tzinfo=LOS_ANGELES)
    assert bought.properties == {
        "price": 49.0,
        "currency": "USD",
        "ticket": "Early Bird",
        "quantity": 1,
        "order": "11211912243",
    }
    assert records[4].properties["status"] == "Refunded"


def test_a_header_from_no_known_tool_stops_before_reading_naming_what_is_missing():
    with pytest.raises(SourceFailure) as failure:
        read(FIXTURES / "unknown__header.csv")
    message = str(failure.value)
    assert "lacks" in message and "'Email'" in message
    assert "the header has 'Full name', 'E-mail', 'Signed up'" in message


def test_a_forced_vendor_names_the_columns_the_file_lacks():
    with pytest.raises(SourceFailure, match="an Eventbrite attendee report, which lacks 'Order #'"):
        read(FIXTURES / "meetup__attendees.csv", vendor="eventbrite")


def test_a_spreadsheet_is_refused_with_what_to_do(tmp_path):
    path = tmp_path / "attendees.xlsx"
    with zipfile.ZipFile(path, "w") as book:
        book.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(SourceFailure, match="save the export as CSV"):
        read(path)


def test_event_date_without_offset_or_timezone_is_refused():
    with pytest.raises(ValueError, match="event_date has no UTC offset"):
        EventsCsvConfig(path="x.csv", event_date=datetime(2026, 11, 5, 19, 0))


def test_import_stores_meetup_members_by_id_and_reimport_changes_nothing(db):
    source = EventsCsv(EventsCsvConfig(path=FIXTURES / "meetup__attendees.csv", **MEETUP_EVENT))
    _, first = run_plan(file_plan(source))
    assert (first.created, first.quarantined) == (7, 0)
    assert Identity.objects.filter(source__slug="meetup").count() == 5
    assert Activity.objects.filter(kind__slug="event_attended").count() == 2
    _, again = run_plan(file_plan(source))
    assert again.created == 0 and again.duplicates == 7


def test_a_json_config_names_the_export_relative_to_itself(tmp_path):
    shutil.copy(FIXTURES / "meetup__attendees.csv", tmp_path / "meetup.csv")
    (tmp_path / "meetup.json").write_text('{"path": "meetup.csv", "timezone": "Europe/Berlin"}')
    config = EventsCsv.config_from_target(str(tmp_path / "meetup.json"))
    assert config.path == tmp_path / "meetup.csv" and config.timezone == "Europe/Berlin"
    assert (
        EventsCsv.config_from_target(str(tmp_path / "meetup.csv")).path == tmp_path / "meetup.csv"
    )
