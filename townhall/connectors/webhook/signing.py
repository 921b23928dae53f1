"""The webhook signature: HMAC-SHA256 over `<timestamp>.<raw body>` with the source's secret.

Headers: `X-Townhall-Timestamp: <unix seconds>` and `X-Townhall-Signature:
sha256=<hex digest>`. Signing the timestamp with the body means a captured request
cannot be replayed later with a fresh timestamp; one replayed within the tolerance
changes nothing, because ingest is idempotent on (source, external_id).
"""

from __future__ import annotations

import hashlib
import hmac
import time

TIMESTAMP_HEADER = "X-Townhall-Timestamp"
SIGNATURE_HEADER = "X-Townhall-Signature"
SCHEME = "sha256="
#: How far a request's timestamp may be from the server's clock, either way.
TOLERANCE_SECONDS = 300


class SignatureRefused(Exception):
    """A push that is not signed, signed too long ago, or signed with another secret."""


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The `X-Townhall-Signature` value for a body sent at `timestamp` (unix seconds)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return SCHEME + digest.hexdigest()


def verify(
    secret: str, timestamp: str | None, signed: str | None, body: bytes, *, now: float | None = None
) -> None:
    """Raise SignatureRefused with what is wrong unless the push is fresh and signed by `secret`."""
    if not timestamp or not signed:
        raise SignatureRefused(
            f"Sign the request: send {TIMESTAMP_HEADER} (unix seconds) and {SIGNATURE_HEADER}: "
            'sha256=<hex HMAC-SHA256 of "<timestamp>.<body>" with the source\'s secret>.'
        )
    if not timestamp.strip().isdigit():
        raise SignatureRefused(f"{TIMESTAMP_HEADER} must be unix seconds, e.g. 1795455900.")
    skew = abs((time.time() if now is None else now) - int(timestamp))
    if skew > TOLERANCE_SECONDS:
        raise SignatureRefused(
            f"{TIMESTAMP_HEADER} is {int(skew)} seconds from the server's clock (at most "
            f"{TOLERANCE_SECONDS} allowed): sign each request when you send it."
        )
    expected = signature(secret, timestamp.strip(), body)
    # Constant-time: how much of a guess matched must not show in the response time.
    if not hmac.compare_digest(expected.encode(), signed.strip().lower().encode()):
        raise SignatureRefused(
            f"{SIGNATURE_HEADER} does not match this body and timestamp for this source's secret."
        )
