"""Live pulls from Salesforce and HubSpot, replayed from recorded answers (no network)."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from tests.connectors.replay import Recording
from townhall.core.models import QuarantinedRecord
from townhall.crm.models import Account, Contact, Deal, Ticket
from townhall.crm.pulls import HubSpotConfig, SalesforceConfig, hubspot_tables, salesforce_tables
from townhall.crm.services.imports import import_tables

API = Path(__file__).parent / "fixtures" / "api"
pytestmark = pytest.mark.django_db


def pull_salesforce(**overrides):
    replay = Recording(API / "salesforce.json")
    config = SalesforceConfig(
        instance_url="https://acme-dev.my.salesforce.com",
        access_token="00Dxx!AQ4AQ.token",
        **overrides,
    )
    summary = import_tables(
        salesforce_tables(config, transport=replay.transport()),
        system="salesforce",
        origin="salesforce-api",
        connector="crm-salesforce-api",
    )
    return summary, replay


def test_salesforce_pull_follows_pages_and_imports_like_the_export():
    summary, replay = pull_salesforce()
    assert summary.created == {"account": 3, "contact": 2, "deal": 2, "ticket": 1}
    assert any("/query/0r8xx3F2xAmwZqAAJ-2" in url for url in replay.requests)
    acme = Account.objects.get(external_id="0015g00000Acme1AAB")
    assert (acme.domain, acme.employees, acme.arr) == ("acme.example", 1200, Decimal("4500000.00"))
    assert Contact.objects.get(external_id="0035g00000Ana01AAA").account == acme
    won = Deal.objects.get(external_id="0065g00000Opp01AAA")
    assert (won.status, won.closed_on) == ("won", date(2025, 3, 31))
    assert Deal.objects.get(external_id="0065g00000Opp03AAA").closed_on is None
    assert Ticket.objects.get().account == acme
    reason = QuarantinedRecord.objects.get().reason
    assert reason.startswith("created_on is empty")


def test_pulling_again_updates_and_never_duplicates():
    pull_salesforce()
    summary, _ = pull_salesforce()
    assert summary.created == {} and summary.updated["account"] == 3
    assert Account.objects.count() == 3 and QuarantinedRecord.objects.count() == 1


def test_the_token_is_sent_as_a_bearer_token():
    seen = []
    replay = Recording(API / "salesforce.json")
    handler = replay.handler

    def spy(request):
        seen.append(request.headers["authorization"])
        return handler(request)

    replay.handler = spy
    config = SalesforceConfig(
        instance_url="https://acme-dev.my.salesforce.com", access_token="00Dxx!AQ4AQ.token"
    )
    import_tables(
        salesforce_tables(config, transport=replay.transport()),
        system="salesforce",
        origin="api",
        connector="crm-salesforce-api",
    )
    assert set(seen) == {"Bearer 00Dxx!AQ4AQ.token"}


def test_hubspot_pull_flattens_properties_and_associations():
    replay = Recording(API / "hubspot.json")
    summary = import_tables(
        hubspot_tables(HubSpotConfig(token="pat-eu1-token"), transport=replay.transport()),
        system="hubspot",
        origin="hubspot-api",
        connector="crm-hubspot-api",
    )
    assert summary.created == {"account": 2, "contact": 2, "deal": 2}
    hooli = Account.objects.get(external_id="9001")
    assert (hooli.name, hooli.employees, hooli.arr) == ("Hooli", 2500, Decimal("30000000"))
    assert Contact.objects.get(external_id="501").account.name == "Pied Piper"
    deals = {d.external_id: d for d in Deal.objects.all()}
    assert deals["7001"].status == "won" and deals["7001"].account == hooli
    assert deals["7002"].status == "open" and deals["7002"].closed_on is None
