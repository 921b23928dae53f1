"""The connectors' HTTP endpoints: `POST /ingest/webhook/{source}` (under /api/v1).

The webhook is authenticated by its HMAC signature, not by a token or a session, so
the route has no auth (and, being token-less, no CSRF check either): a request that
is not signed with the source's secret is refused before its body is parsed.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from ninja.errors import HttpError

from townhall.connectors.webhook.receive import (
    BadPush,
    TooManyRecords,
    UnknownWebhook,
    receive_push,
    webhook_for,
)
from townhall.connectors.webhook.signing import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    SignatureRefused,
)
from townhall.core.schemas import ErrorOut, IngestOut

MAX_BODY_BYTES = 16 * 1024 * 1024

router = Router(tags=["connectors"])


def _body(request: HttpRequest) -> bytes:
    """The raw body, as signed: read here, bounded, rather than through request.body."""
    declared = request.META.get("CONTENT_LENGTH") or "0"
    too_big = f"The body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MiB; split the push."
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise HttpError(413, too_big)
    chunks, size = [], 0
    while chunk := request.read(1024 * 1024):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise HttpError(413, too_big)
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(
    "/ingest/webhook/{source}",
    auth=None,
    response={200: IngestOut, 400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 413: ErrorOut},
    summary="Receive signed activity records",
    openapi_extra={
        "parameters": [
            {
                "name": TIMESTAMP_HEADER,
                "in": "header",
                "required": True,
                "schema": {"type": "string"},
                "description": "Unix seconds when the request was signed (±300 s).",
            },
            {
                "name": SIGNATURE_HEADER,
                "in": "header",
                "required": True,
                "schema": {"type": "string"},
                "description": 'sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">',
            },
        ],
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [
                            {"$ref": "#/components/schemas/ActivityRecordIn"},
                            {
                                "type": "array",
                                "items": {"$ref": "#/components/schemas/ActivityRecordIn"},
                            },
                            {"$ref": "#/components/schemas/ActivityBatchIn"},
                        ]
                    }
                }
            },
        },
    },
)
def receive_webhook(request: HttpRequest, source: str) -> dict[str, Any]:
    """Ingest records pushed for `source`, signed with its webhook secret.

    The body is one activity record, a list of them, or {"records": [...]} in the
    import format; `source` may be left out. Re-sending is harmless (same source and
    external_id: a duplicate). Bad records are quarantined with reasons, listed in
    `quarantine`, and never fail the push.
    """
    try:
        connection = webhook_for(source.lower())
    except UnknownWebhook as error:
        raise HttpError(404, str(error)) from None
    body = _body(request)
    try:
        pushed = receive_push(
            connection,
            body,
            timestamp=request.headers.get(TIMESTAMP_HEADER),
            signature=request.headers.get(SIGNATURE_HEADER),
        )
    except SignatureRefused as error:
        raise HttpError(401, str(error)) from None
    except TooManyRecords as error:
        raise HttpError(413, str(error)) from None
    except BadPush as error:
        raise HttpError(400, str(error)) from None
    return {**pushed.result.as_dict(), "quarantine": pushed.quarantine}
