import json
import time

import pytest
from django.test import Client
from pydantic import ValidationError

from townhall.connectors.models import Connection
from townhall.connectors.services import plan_for_target, save_connection
from townhall.connectors.webhook.signing import signature
from townhall.connectors.webhook.source import Webhook, WebhookConfig
from townhall.core.models import Activity, QuarantinedRecord

from .contract import SECRET, config

pytestmark = pytest.mark.urls("tests.connectors.webhook.urls")
URL = "/api/v1/ingest/webhook/zapier"


def record(n: int, **fields) -> dict:
    return {
        "external_id": f"zap-{n}",
        "kind": "form_submitted",
        "occurred_at": "2026-11-20T10:15:00+01:00",
        "actor": {"email": f"person{n}@corp.dev", "name": f"Person {n}"},
        "channel": "Contact form",
        **fields,
    }


@pytest.fixture
def webhook(db) -> Connection:
    return save_connection(Webhook, WebhookConfig.model_validate(config()))


def push(client: Client, payload, *, secret: str = SECRET, timestamp: int | None = None, **headers):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    signed = {
        "X-Townhall-Timestamp": stamp,
        "X-Townhall-Signature": signature(secret, stamp, body),
        **headers,
    }
    signed = {k: v for k, v in signed.items() if v is not None}
    return client.post(URL, data=body, content_type="application/json", headers=signed)


def test_a_signed_push_is_stored_and_counted(client, webhook):
    response = push(client, [record(1), record(2, source="zapier")])
    assert response.status_code == 200
    assert response.json() == {
        "read": 2,
        "created": 2,
        "duplicates": 0,
        "quarantined": 0,
        "members_created": 2,
        "identities_created": 2,
        "quarantine": [],
    }
    stored = Activity.objects.get(external_id="zap-1")
    assert stored.source.slug == "zapier" and stored.channel == "Contact form"
    webhook.refresh_from_db()
    assert webhook.last_synced_at is not None


@pytest.mark.parametrize("shape", ["object", "records"])
def test_one_record_or_a_records_object_is_accepted(client, webhook, shape):
    payload = record(1) if shape == "object" else {"records": [record(1)]}
    response = push(client, payload)
    assert response.status_code == 200 and response.json()["created"] == 1


def test_resending_a_push_changes_nothing(client, webhook):
    push(client, [record(1)])
    again = push(client, [record(1)])
    assert again.json()["created"] == 0 and again.json()["duplicates"] == 1


def test_a_push_without_signature_is_refused(client, webhook):
    response = push(client, [record(1)], **{"X-Townhall-Signature": None})
    assert response.status_code == 401
    assert "X-Townhall-Signature" in response.json()["detail"]
    assert not Activity.objects.exists()


def test_a_push_signed_with_another_secret_is_refused(client, webhook):
    response = push(client, [record(1)], secret="not-the-webhook-secret-at-all")
    assert response.status_code == 401
    assert "does not match" in response.json()["detail"]


def test_a_body_changed_after_signing_is_refused(client, webhook):
    stamp = str(int(time.time()))
    signed = signature(SECRET, stamp, json.dumps([record(1)]).encode())
    response = client.post(
        URL,
        data=json.dumps([record(1, kind="purchase")]),
        content_type="application/json",
        headers={"X-Townhall-Timestamp": stamp, "X-Townhall-Signature": signed},
    )
    assert response.status_code == 401 and not Activity.objects.exists()


def test_a_stale_timestamp_is_refused_even_when_signed(client, webhook):
    response = push(client, [record(1)], timestamp=int(time.time()) - 3600)
    assert response.status_code == 401
    assert "seconds from the server's clock" in response.json()["detail"]


def test_malformed_json_is_a_400_saying_why(client, webhook):
    response = push(client, b'[{"external_id": "zap-1",')
    assert response.status_code == 400
    assert response.json()["detail"].startswith("The body is not valid JSON")


def test_a_body_that_is_not_records_is_a_400(client, webhook):
    response = push(client, b'"hello"')
    assert response.status_code == 400
    assert "an activity record" in response.json()["detail"]


def test_bad_records_are_quarantined_with_reasons_and_the_rest_stored(client, webhook):
    payload = [
        record(1),
        record(2, occurred_at="2026-11-20T10:15:00"),
        record(3, source="stripe"),
        "not a record",
    ]
    response = push(client, payload)
    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["quarantined"]) == (1, 3)
    assert [(q["position"], q["external_id"]) for q in body["quarantine"]] == [
        (1, "zap-2"),
        (2, "zap-3"),
        (3, None),
    ]
    assert "no UTC offset" in body["quarantine"][0]["reason"]
    assert body["quarantine"][1]["reason"] == (
        "this webhook writes source 'zapier' only; the record names 'stripe'"
    )
    assert QuarantinedRecord.objects.filter(origin="webhook:zapier").count() == 3


def test_an_unknown_or_disabled_source_is_404(client, webhook):
    assert push(client, [record(1)]).status_code == 200
    response = client.post(
        "/api/v1/ingest/webhook/stripe", data=b"[]", content_type="application/json"
    )
    assert response.status_code == 404
    assert "No webhook receives records for source 'stripe'" in response.json()["detail"]
    Connection.objects.filter(pk=webhook.pk).update(enabled=False)
    assert push(client, [record(2)]).status_code == 404


def test_no_csrf_token_is_needed_the_signature_is_the_authentication(webhook):
    response = push(Client(enforce_csrf_checks=True), [record(1)])
    assert response.status_code == 200


def test_a_webhook_is_set_up_from_a_json_config_with_its_secret_encrypted(db, tmp_path):
    target = tmp_path / "webhook.json"
    target.write_text(json.dumps({"source": "typeform", "secret": SECRET}))
    plan_for_target(Webhook, str(target))
    connection = Connection.objects.get(connector="webhook")
    assert connection.config == {"source": "typeform"}
    assert SECRET not in connection.secrets


def test_the_push_only_source_reads_nothing_and_wants_a_real_secret():
    assert list(Webhook(WebhookConfig.model_validate(config())).read()) == []
    with pytest.raises(ValidationError, match="at least 16 characters"):
        WebhookConfig(source="zapier", secret="hunter2")
    assert WebhookConfig(source=" Zapier ", secret=SECRET).source == "zapier"
    with pytest.raises(ValidationError, match="must be a slug"):
        WebhookConfig(source="zap ier!", secret=SECRET)
