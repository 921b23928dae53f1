import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from townhall.connectors.csv_exports.source import NewsletterCsv, NewsletterCsvConfig
from townhall.connectors.services import file_plan
from townhall.core.models import Activity
from townhall.core.records import ActivityRecord
from townhall.core.services.imports import SourceFailure, run_plan
from townhall.core.services.ingest import Envelope

from .contract import FIXTURES, substack_zip


def read(path, **options) -> list:
    return list(NewsletterCsv(NewsletterCsvConfig(path=path, **options)).read())


def summary(records) -> list[tuple]:
    return [(r.kind, r.actor.email) for r in records]


def lay_out(folder: Path, files: dict[str, str]) -> Path:
    for name, fixture in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(FIXTURES / fixture, folder / name)
    return folder


def test_substack_export_gives_subscriptions_payments_and_opens_titled_by_post(tmp_path):
    records = read(substack_zip(tmp_path))
    assert all(isinstance(r, ActivityRecord) for r in records)
    assert summary(records) == [
        ("subscribed", "ana@acme-users.org"),
        ("paid_subscription_started", "ana@acme-users.org"),
        ("subscribed", "bo@corp.dev"),
        ("subscribed", "carla@example.org"),
        ("subscribed", "dan@okafor.dev"),
        ("paid_subscription_started", "dan@okafor.dev"),
        # posts/….delivers.csv is not read: receiving an email is not an action.
        ("email_opened", "ana@acme-users.org"),
        ("email_opened", "ana@acme-users.org"),
        ("email_opened", "bo@corp.dev"),
    ]
    ana, paid, _, carla, *_, opened, again, _ = records
    assert {r.source for r in records} == {"substack"}
    assert {r.channel for r in records} == {"acmeweekly"}  # from email_list.<publication>.csv
    assert ana.occurred_at == datetime(2025, 3, 14, 9, 12, 31, tzinfo=UTC)
    assert (
        ana.external_id
        == "substack:acmeweekly:subscribed:ana@acme-users.org:2025-03-14T09:12:31.000Z"
    )
    assert ana.properties == {"plan": "yearly", "paid": True}
    assert paid.occurred_at == datetime(2026, 11, 2, 9, 14, 11, tzinfo=UTC)
    assert carla.properties == {"plan": "other", "paid": False, "email_disabled": True}
    assert opened.title == "Acme 3.1 is here" and opened.properties["post_id"] == "178233401"
    assert opened.external_id != again.external_id  # each open is its own activity


def test_a_lone_opens_file_is_titled_by_its_post_number():
    records = read(FIXTURES / "substack_opens__178233401.csv", newsletter="Acme Weekly")
    assert {(r.kind, r.title, r.channel) for r in records} == {
        ("email_opened", "post 178233401", "Acme Weekly")
    }


def test_a_lone_deliveries_file_is_refused_with_what_to_import(tmp_path):
    path = tmp_path / "178233401.delivers.csv"
    shutil.copy(FIXTURES / "substack_delivers__178233401.csv", path)
    with pytest.raises(SourceFailure, match="not something a reader did"):
        read(path)


def test_mailchimp_audience_exports_subscribe_and_unsubscribe(tmp_path):
    folder = lay_out(
        tmp_path,
        {
            "lists/subscribed_members_export_6a7b3c1d2e.csv": "mailchimp_subscribed__acme.csv",
            "lists/unsubscribed_members_export_6a7b3c1d2e.csv": "mailchimp_unsubscribed__acme.csv",
        },
    )
    records = read(folder, newsletter="Acme Weekly", timezone="UTC")
    assert [
        (r.kind, r.actor.email) if isinstance(r, ActivityRecord) else r.position for r in records
    ] == [
        ("subscribed", "ana@acme-users.org"),
        ("subscribed", "bo@corp.dev"),
        "lists/subscribed_members_export_6a7b3c1d2e.csv:4",
        ("subscribed", "carla@example.org"),
        ("unsubscribed", "carla@example.org"),
    ]
    ana, bo, grace, _, left = records
    assert grace.error == "neither 'CONFIRM_TIME' nor 'OPTIN_TIME' says when they subscribed"
    assert ana.occurred_at == datetime(2025, 3, 14, 9, 14, tzinfo=UTC)  # confirmed, not opted in
    assert ana.actor.name == "Ana Souza" and ana.channel == "Acme Weekly"
    assert ana.properties == {"member_rating": 4, "country": "DE", "tags": ["VIP", "Beta"]}
    assert bo.occurred_at == datetime(2025, 6, 1, 18, 40, 2, tzinfo=UTC)
    assert left.occurred_at == datetime(2026, 9, 30, 17, 22, 5, tzinfo=UTC)
    assert left.title == "Acme Weekly #41"
    assert left.properties == {
        "reason": "I no longer want to receive these emails",
        "campaign_id": "5d3e1f2a9b",
    }
    assert {r.source for r in (ana, bo, left)} == {"mailchimp"}


def test_mailchimp_account_export_opens_and_clicks_but_not_sends(tmp_path):
    campaign = "2834957_Acme 3.1 launch.csv"
    folder = lay_out(
        tmp_path,
        {
            f"granular_activity/opens/{campaign}": "mailchimp_opens__2834957.csv",
            f"granular_activity/clicks/{campaign}": "mailchimp_clicks__2834957.csv",
            # Same two columns as opens, but these are sends: not an action.
            f"granular_activity/sent/{campaign}": "mailchimp_opens__2834957.csv",
        },
    )
    records = read(folder, newsletter="Acme Weekly", timezone="Europe/Lisbon")
    assert summary(records) == [
        ("email_clicked", "ana@acme-users.org"),
        ("email_clicked", "bo@corp.dev"),
        ("email_opened", "ana@acme-users.org"),
        ("email_opened", "bo@corp.dev"),
        ("email_opened", "ana@acme-users.org"),
    ]
    click = records[0]
    assert click.title == "Acme 3.1 launch" and click.channel == "Acme Weekly"
    assert click.properties == {
        "campaign_id": "2834957",
        "url": "https://acme.io/changelog/3-1?utm_source=newsletter",
    }
    assert click.occurred_at.isoformat() == "2026-11-19T08:06:30+00:00"  # Lisbon is on UTC then


def test_mailchimp_times_without_a_timezone_are_quarantined_saying_so():
    records = read(FIXTURES / "mailchimp_unsubscribed__acme.csv")
    assert [r.error for r in records] == [
        "column 'CONFIRM_TIME': '2026-01-09 07:02:10' has no UTC offset; give the export's "
        '"timezone" in a JSON config (e.g. "America/New_York")'
    ]


def test_damaged_rows_are_quarantined_with_line_and_reason(tmp_path):
    records = read(FIXTURES / "substack_email_list__damaged.csv")
    assert [(e.position, e.error) for e in records if isinstance(e, Envelope)] == [
        ("3", "column 'email' is empty"),
        (
            "4",
            "column 'created_at': cannot read 'the day we launched' as a date "
            "(ISO 8601 or a date like 11/29/2024 22:28)",
        ),
        ("5", "email 'not-an-email' has no @"),
    ]


def test_an_unknown_csv_is_refused_naming_its_columns(tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text("Name,E-mail\nAna,ana@acme-users.org\n")
    with pytest.raises(SourceFailure) as failure:
        read(path)
    assert "the header has 'Name', 'E-mail'" in str(failure.value)
    assert "lacks" in str(failure.value)


def test_a_folder_without_any_known_export_is_refused(tmp_path):
    (tmp_path / "campaigns.csv").write_text("id,title\n1,Hello\n")
    with pytest.raises(SourceFailure, match="holds no Mailchimp or Substack export"):
        read(tmp_path)


def test_reimporting_a_mailchimp_audience_changes_nothing(db, tmp_path):
    source = NewsletterCsv(
        NewsletterCsvConfig(path=FIXTURES / "mailchimp_subscribed__acme.csv", timezone="UTC")
    )
    _, first = run_plan(file_plan(source))
    assert (first.created, first.quarantined) == (2, 1)
    _, again = run_plan(file_plan(source))
    assert again.created == 0 and Activity.objects.count() == 2
