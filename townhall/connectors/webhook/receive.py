"""`receive_push()`: verify a signed webhook request and ingest its records."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec
from django.utils import timezone

from townhall.connectors.models import Connection
from townhall.connectors.services import source_for
from townhall.connectors.webhook.signing import verify
from townhall.connectors.webhook.source import Webhook, WebhookConfig
from townhall.core.records import InvalidRecord, from_mapping
from townhall.core.services.ingest import Envelope, IngestResult, ingest

MAX_RECORDS = 10_000


class UnknownWebhook(LookupError):
    """No enabled webhook connection writes to this source."""


class BadPush(ValueError):
    """A body that is not JSON, or not records; the message says what to send."""


class TooManyRecords(BadPush):
    """More records than one push may carry."""


@dataclass
class PushResult:
    """What ingest did, and for each quarantined record its 0-based position and reason."""

    result: IngestResult
    quarantine: list[dict[str, Any]] = field(default_factory=list)


def webhook_for(source: str) -> Connection:
    """The enabled webhook connection of `source`, or UnknownWebhook."""
    connection = (
        Connection.objects.filter(connector=Webhook.name, enabled=True, config__source=source)
        .order_by("pk")
        .first()
    )
    if connection is None:
        raise UnknownWebhook(
            f"No webhook receives records for source {source!r}. Create one with "
            '`townhall ingest webhook webhook.json` ({"source": "…", "secret": "…"}).'
        )
    return connection


def receive_push(
    connection: Connection, body: bytes, *, timestamp: str | None, signature: str | None
) -> PushResult:
    """Check the signature (SignatureRefused), read the records (BadPush), ingest them.

    Records without `source` get the webhook's; one naming another source is
    quarantined. Bad records never fail the push: they are quarantined with reasons.
    """
    config = source_for(connection).config
    assert isinstance(config, WebhookConfig)
    verify(config.secret.get_secret_value(), timestamp, signature, body)
    slug = config.slug(Webhook.default_source)
    items = _records(body)
    envelopes: list[Envelope] = []
    quarantine: list[dict[str, Any]] = []
    for position, item in enumerate(items):
        reason = ""
        if not isinstance(item, dict):
            reason = "expected a JSON object (an activity record)"
        else:
            item.setdefault("source", slug)
            if str(item["source"]).strip().lower() != slug:
                reason = (
                    f"this webhook writes source {slug!r} only; the record names {item['source']!r}"
                )
            else:
                try:
                    from_mapping(item)  # ingest validates again; this says which and why
                except InvalidRecord as error:
                    reason = str(error)
        raw = msgspec.json.encode(item).decode()
        if reason:
            external_id = item.get("external_id") if isinstance(item, dict) else None
            quarantine.append(
                {
                    "position": position,
                    "external_id": external_id if isinstance(external_id, str) else None,
                    "reason": reason,
                }
            )
            envelopes.append(Envelope(position=str(position), payload=None, error=reason, raw=raw))
        else:
            envelopes.append(Envelope(position=str(position), payload=item, raw=raw))
    result = ingest(envelopes, origin=f"webhook:{slug}")
    Connection.objects.filter(pk=connection.pk).update(last_synced_at=timezone.now())
    return PushResult(result=result, quarantine=quarantine)


def _records(body: bytes) -> list[Any]:
    """One record, a list of them, or {"records": [...]}."""
    if not body.strip():
        raise BadPush(
            'The body is empty: send an activity record, a list of them, or {"records": [...]}.'
        )
    try:
        data = msgspec.json.decode(body)
    except msgspec.DecodeError as error:
        raise BadPush(f"The body is not valid JSON: {error}.") from None
    if isinstance(data, dict):
        data = data["records"] if set(data) == {"records"} else [data]
    if not isinstance(data, list):
        raise BadPush(
            'Send an activity record (a JSON object), a list of them, or {"records": [...]}.'
        )
    if len(data) > MAX_RECORDS:
        raise BadPush(
            f"This push has {len(data):,} records; send at most {MAX_RECORDS:,} a request."
        )
    return data
