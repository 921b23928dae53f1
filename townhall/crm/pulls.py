"""Live pulls from the Salesforce and HubSpot REST APIs, read as the exports are.

Each API record becomes the same `Row` an export's line does — through the same
`ObjectSpec`, so parsing, checks, quarantine and upserts are shared with the file
imports. A pull reads every record each time (re-importing updates rows, never
duplicates them); Salesforce can be limited to records changed since a moment.

Salesforce: `GET {instance_url}/services/data/{version}/query?q=SELECT … FROM <object>`,
following `nextRecordsUrl` until `done`; authorised by an OAuth access token.
HubSpot: `GET /crm/v3/objects/{companies|contacts|deals}?limit=100&properties=…&
associations=companies`, following `paging.next.after`; a private-app token.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from pydantic import BaseModel, Field, SecretStr

from townhall.core.http import ApiClient
from townhall.crm.importers import hubspot, salesforce
from townhall.crm.importers.tables import ObjectSpec, Row, Table, parse_row


class SalesforceConfig(BaseModel):
    instance_url: str = Field(description="https://yourdomain.my.salesforce.com")
    access_token: SecretStr
    api_version: str = "v60.0"
    #: Query `CurrencyIsoCode` (only orgs with multiple currencies have it).
    multi_currency: bool = False
    #: Only records changed since then (SystemModstamp); everything when empty.
    since: datetime | None = None


class HubSpotConfig(BaseModel):
    token: SecretStr
    base_url: str = "https://api.hubapi.com"


@dataclass(frozen=True)
class ApiObject:
    spec: ObjectSpec
    name: str  # the API's name of the object
    fields: dict[str, str]  # spec field → API field


SALESFORCE_OBJECTS = (
    ApiObject(
        salesforce.ACCOUNT,
        "Account",
        {
            "external_id": "Id",
            "name": "Name",
            "domain": "Website",
            "industry": "Industry",
            "employees": "NumberOfEmployees",
            "arr": "AnnualRevenue",
            "currency": "CurrencyIsoCode",
            "region": "BillingCountry",
            "segment": "Type",
            "created_on": "CreatedDate",
        },
    ),
    ApiObject(
        salesforce.CONTACT,
        "Contact",
        {
            "external_id": "Id",
            "account_ref": "AccountId",
            "email": "Email",
            "first_name": "FirstName",
            "last_name": "LastName",
            "title": "Title",
        },
    ),
    ApiObject(
        salesforce.DEAL,
        "Opportunity",
        {
            "external_id": "Id",
            "account_ref": "AccountId",
            "name": "Name",
            "amount": "Amount",
            "currency": "CurrencyIsoCode",
            "stage": "StageName",
            "created_on": "CreatedDate",
            "closed_on": "CloseDate",
            "is_closed": "IsClosed",
            "is_won": "IsWon",
            "owner": "OwnerId",
        },
    ),
    ApiObject(
        salesforce.TICKET,
        "Case",
        {
            "external_id": "Id",
            "account_ref": "AccountId",
            "requester_email": "SuppliedEmail",
            "subject": "Subject",
            "channel": "Origin",
            "status": "Status",
            "created_at": "CreatedDate",
            "solved_at": "ClosedDate",
        },
    ),
)

HUBSPOT_OBJECTS = (
    ApiObject(
        hubspot.COMPANY,
        "companies",
        {
            "external_id": "hs_object_id",
            "name": "name",
            "domain": "domain",
            "industry": "industry",
            "employees": "numberofemployees",
            "arr": "annualrevenue",
            "region": "country",
            "segment": "type",
            "created_on": "createdate",
        },
    ),
    ApiObject(
        hubspot.CONTACT,
        "contacts",
        {
            "external_id": "hs_object_id",
            "email": "email",
            "first_name": "firstname",
            "last_name": "lastname",
            "title": "jobtitle",
            "account_ref": "associatedcompanyid",
        },
    ),
    ApiObject(
        hubspot.DEAL,
        "deals",
        {
            "external_id": "hs_object_id",
            "name": "dealname",
            "amount": "amount",
            "currency": "deal_currency_code",
            "stage": "dealstage",
            "created_on": "createdate",
            "closed_on": "closedate",
            "is_won": "hs_is_closed_won",
            "is_closed": "hs_is_closed",
            "owner": "hubspot_owner_id",
            "account_ref": "associatedcompanyid",
        },
    ),
)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _rows(api: ApiObject, records: Iterator[dict[str, Any]], label: str) -> Iterator[Row]:
    for number, record in enumerate(records, start=1):
        raw = json.dumps(record, ensure_ascii=False)
        known = set(api.fields.values())
        extra = {
            k: v
            for k, v in record.items()
            if k not in known and k != "attributes" and v not in (None, "")
        }

        def cell(field: str, record: dict[str, Any] = record) -> str | None:
            name = api.fields.get(field)
            return None if name is None or name not in record else _cell(record[name])

        yield parse_row(api.spec, f"{label} #{number}", raw, cell, extra)


def salesforce_tables(
    config: SalesforceConfig,
    *,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] | None = None,
) -> Iterator[Table]:
    """One table per object, read page by page (lazily: rows arrive as they are imported)."""
    client = ApiClient(
        config.instance_url.rstrip("/"),
        headers={"Authorization": f"Bearer {config.access_token.get_secret_value()}"},
        transport=transport,
        label="Salesforce",
        **({"sleep": sleep} if sleep else {}),
    )
    try:
        for api in SALESFORCE_OBJECTS:
            fields = [
                f for f in api.fields.values() if f != "CurrencyIsoCode" or config.multi_currency
            ]
            soql = f"SELECT {', '.join(fields)} FROM {api.name}"
            if config.since:
                soql += f" WHERE SystemModstamp > {config.since.strftime('%Y-%m-%dT%H:%M:%SZ')}"
            soql += " ORDER BY SystemModstamp"

            def records(soql: str = soql) -> Iterator[dict[str, Any]]:
                page = client.get_json(f"/services/data/{config.api_version}/query", {"q": soql})
                while True:
                    yield from page.get("records", [])
                    if page.get("done", True) or not page.get("nextRecordsUrl"):
                        return
                    page = client.get_json(page["nextRecordsUrl"])

            yield Table(
                api.spec, Path(f"salesforce-api {api.name}"), [], _rows(api, records(), api.name)
            )
    finally:
        client.close()


def hubspot_tables(
    config: HubSpotConfig,
    *,
    transport: httpx.BaseTransport | None = None,
    sleep: Callable[[float], None] | None = None,
) -> Iterator[Table]:
    """Companies, contacts and deals, each record flattened to its properties plus the id
    of its first associated company."""
    client = ApiClient(
        config.base_url.rstrip("/"),
        headers={"Authorization": f"Bearer {config.token.get_secret_value()}"},
        transport=transport,
        label="HubSpot",
        **({"sleep": sleep} if sleep else {}),
    )
    try:
        for api in HUBSPOT_OBJECTS:
            properties = [
                p for p in api.fields.values() if p not in ("hs_object_id", "associatedcompanyid")
            ]

            def records(
                api: ApiObject = api, properties: list[str] = properties
            ) -> Iterator[dict[str, Any]]:
                params: dict[str, Any] = {"limit": 100, "properties": ",".join(properties)}
                if api.name != "companies":
                    params["associations"] = "companies"
                while True:
                    page = client.get_json(f"/crm/v3/objects/{api.name}", params)
                    for result in page.get("results", []):
                        flat = {**result.get("properties", {}), "hs_object_id": result["id"]}
                        companies = ((result.get("associations") or {}).get("companies") or {}).get(
                            "results"
                        ) or []
                        if companies:
                            flat["associatedcompanyid"] = companies[0]["id"]
                        yield flat
                    after = ((page.get("paging") or {}).get("next") or {}).get("after")
                    if not after:
                        return
                    params = {**params, "after": after}

            yield Table(
                api.spec, Path(f"hubspot-api {api.name}"), [], _rows(api, records(), api.name)
            )
    finally:
        client.close()
