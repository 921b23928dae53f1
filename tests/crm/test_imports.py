from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from townhall.core.models import QuarantinedRecord
from townhall.crm.importers.tables import ExportError
from townhall.crm.models import Account, Contact, Deal, Renewal, Ticket
from townhall.crm.services.imports import import_export

FIXTURES = Path(__file__).parent / "fixtures"
pytestmark = pytest.mark.django_db


def test_salesforce_data_export_imports_every_object_with_its_references():
    summary = import_export("salesforce", FIXTURES / "salesforce")
    assert summary.created == {"account": 4, "contact": 3, "deal": 4, "ticket": 2}
    acme = Account.objects.get(external_id="0015g00000Acme1AAB")
    assert (acme.name, acme.domain, acme.employees, acme.segment) == (
        "Acme Robotics",
        "acme.example",
        1200,
        "Customer - Direct",
    )
    assert acme.arr == Decimal("4500000.00") and acme.created_on == date(2023, 2, 14)
    ana = Contact.objects.get(external_id="0035g00000Ana01AAA")
    assert ana.email == "ana.oliveira@acme.example" and ana.name == "Ana Oliveira"
    assert ana.account == acme
    won = Deal.objects.get(external_id="0065g00000Opp01AAA")
    assert (won.status, won.closed_on, won.account) == ("won", date(2025, 3, 31), acme)
    assert Deal.objects.get(external_id="0065g00000Opp02AAA").status == "lost"
    pilot = Deal.objects.get(external_id="0065g00000Opp03AAA")
    # An open opportunity's CloseDate is only the expected one.
    assert pilot.status == "open" and pilot.closed_on is None
    case = Ticket.objects.get(external_id="5005g00000Cas01AAA")
    assert case.solved_at == datetime(2025, 2, 4, 17, 30, tzinfo=UTC) and case.account == acme
    # A case without AccountId finds its account through the requester's contact.
    assert Ticket.objects.get(external_id="5005g00000Cas02AAA").account.name == "Globex Corporation"


def test_bad_rows_are_quarantined_with_their_reason_and_the_rest_imported():
    import_export("salesforce", FIXTURES / "salesforce")
    reasons = dict(QuarantinedRecord.objects.values_list("position", "reason"))
    assert reasons["Contact.csv line 5"] == "email: 'not-an-email' is not an email address"
    assert reasons["Opportunity.csv line 6"].startswith("created_on is empty")
    assert reasons["Opportunity.csv line 7"] == "amount: 'twelve' is not an amount"
    assert len(reasons) == 3


def test_reimporting_updates_rows_and_never_duplicates_them(tmp_path):
    import_export("salesforce", FIXTURES / "salesforce")
    changed = tmp_path / "Account.csv"
    text = (FIXTURES / "salesforce" / "Account.csv").read_text()
    changed.write_text(text.replace('"1200"', '"1500"'))
    again = import_export("salesforce", changed)
    assert again.created == {} and again.updated == {"account": 4}
    assert Account.objects.count() == 4
    assert Account.objects.get(external_id="0015g00000Acme1AAB").employees == 1500
    import_export("salesforce", FIXTURES / "salesforce")
    assert Deal.objects.count() == 4 and Contact.objects.count() == 3
    assert QuarantinedRecord.objects.count() == 3  # the same bad rows, not again


def test_unknown_columns_are_kept_as_properties_and_named(tmp_path):
    summary = import_export("salesforce", FIXTURES / "salesforce")
    assert summary.unknown_columns["Account.csv"] == ["OwnerId", "Rating"]
    assert Account.objects.get(external_id="0015g00000Acme1AAB").properties == {
        "OwnerId": "0055g00000Own1AAA",
        "Rating": "Hot",
    }


def test_mixed_currencies_convert_where_a_rate_is_known(settings):
    settings.TOWNHALL_CRM_RATES = {"EUR": 1.10}
    summary = import_export("salesforce", FIXTURES / "salesforce")
    assert Deal.objects.get(external_id="0065g00000Opp02AAA").amount_base == Decimal("88000.00")
    assert Deal.objects.get(external_id="0065g00000Opp01AAA").amount_base == Decimal("120000.00")
    # No rate for yen: the amount is kept, its base-currency value left empty and counted.
    umbrella = Deal.objects.get(external_id="0065g00000Opp04AAA")
    assert umbrella.amount == Decimal("2500000") and umbrella.amount_base is None
    assert summary.unconverted["JPY"] == 2  # the deal and the account's ARR


def test_hubspot_exports_are_told_apart_by_their_headers():
    summary = import_export("hubspot", FIXTURES / "hubspot")
    assert summary.created == {"account": 2, "contact": 3, "deal": 3}
    hooli = Account.objects.get(system="hubspot", external_id="9001")
    assert hooli.arr == Decimal("30000000") and hooli.currency == "USD"
    gilfoyle = Contact.objects.get(external_id="502")
    assert gilfoyle.account.name == "Pied Piper"  # the first associated company
    deals = {d.external_id: d for d in Deal.objects.all()}
    assert deals["7001"].status == "won" and deals["7001"].closed_on == date(2025, 4, 20)
    assert deals["7002"].status == "open" and deals["7002"].closed_on is None
    assert deals["7003"].status == "lost"


def test_help_desk_exports_link_tickets_to_accounts_by_organization_or_email():
    import_export("salesforce", FIXTURES / "salesforce")
    import_export("hubspot", FIXTURES / "hubspot")
    zendesk = import_export("zendesk", FIXTURES / "zendesk-tickets.csv")
    freshdesk = import_export("freshdesk", FIXTURES / "freshdesk-tickets.csv")
    assert zendesk.created == {"ticket": 2} and zendesk.quarantined == {"ticket": 1}
    assert freshdesk.created == {"ticket": 2}
    tickets = {t.external_id: t for t in Ticket.objects.select_related("account")}
    assert tickets["4101"].account.name == "Acme Robotics"  # Organization column
    assert tickets["4102"].account.name == "Hooli"  # the requester's email domain
    assert tickets["88001"].account.name == "Pied Piper"
    assert tickets["88001"].solved_at == datetime(2025, 7, 1, 12, 0, tzinfo=UTC)
    assert tickets["88002"].account.name == "Globex Corporation"  # a contact's email
    reason = QuarantinedRecord.objects.get(position="zendesk-tickets.csv line 4").reason
    assert reason == "created_at: 'yesterday' is not a date and time"


def test_generic_csv_with_a_mapping_imports_renewals():
    import_export("salesforce", FIXTURES / "salesforce")
    summary = import_export(
        "csv",
        FIXTURES / "renewals.csv",
        mapping=FIXTURES / "renewals.mapping.json",
        system="salesforce",
    )
    assert summary.created == {"renewal": 3} and summary.quarantined == {"renewal": 1}
    renewals = {r.external_id: r for r in Renewal.objects.select_related("account")}
    assert renewals["SUB-1"].outcome == "renewed" and renewals["SUB-1"].arr_after == 130000
    assert renewals["SUB-2"].outcome == "churned"
    assert renewals["SUB-3"].outcome == "open"
    assert renewals["SUB-1"].account.name == "Acme Robotics"


def test_exports_that_cannot_be_read_say_what_to_fix(tmp_path):
    odd = tmp_path / "Opportunity.csv"
    odd.write_text("Id,Name\n1,x\n")
    with pytest.raises(
        ExportError, match=r"lacks required columns \(stage: one of StageName, Stage"
    ):
        import_export("salesforce", odd)
    other = tmp_path / "people.csv"
    other.write_text("who,what\n1,2\n")
    with pytest.raises(ExportError, match="does not look like a hubspot export"):
        import_export("hubspot", other)
    with pytest.raises(ExportError, match="needs --mapping"):
        import_export("csv", other)


def test_the_command_imports_links_and_summarises(capsys):
    call_command("crm", "import", "salesforce", str(FIXTURES / "salesforce"))
    out = capsys.readouterr().out
    assert "deal" in out and "kept as properties" in out and "townhall quarantine list" in out
    assert "Contacts: 0 linked to members" in out
