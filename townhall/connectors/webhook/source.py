"""Signed webhook pushes: another system POSTs ActivityRecords as they happen.

Nothing is fetched: `read()` yields nothing, and records arrive at
`POST /api/v1/ingest/webhook/<source>` (townhall/connectors/api.py), each request
signed with the source's secret (see signing.py). A webhook is a connection of this
connector — `townhall ingest webhook webhook.json` with {"source": "zapier",
"secret": "…"} creates it, the secret stored encrypted. The records are in the import
format (docs/import-format.md), any kind, target, channel or thread the sender gives;
their `source` may be left out (it is the URL's), and a record naming another source
is quarantined, since one source's secret must not write another's activities.
"""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import Field, SecretStr, field_validator

from townhall.connectors.base import Capability, Source, SourceConfig
from townhall.connectors.registry import register
from townhall.core.records import SLUG_RE, ActivityRecord
from townhall.core.services.ingest import Envelope

MIN_SECRET_LENGTH = 16


class WebhookConfig(SourceConfig):
    """The source slug the webhook writes to (its URL) and the secret that signs pushes."""

    source: str = Field(min_length=1, description="Slug in the URL and on every record.")
    secret: SecretStr

    @field_validator("source")
    @classmethod
    def _slug(cls, value: str) -> str:
        # The URL's <source> is looked up lower-cased; store it the way it is looked up.
        slug = value.strip().lower()
        if not SLUG_RE.match(slug):
            raise ValueError(f"source {value!r} must be a slug (a-z, 0-9, _ - .)")
        return slug

    @field_validator("secret")
    @classmethod
    def _long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"use a secret of at least {MIN_SECRET_LENGTH} characters "
                "(e.g. the output of `openssl rand -hex 32`)"
            )
        return value


@register
class Webhook(Source):
    """Activity records pushed by another system to a signed webhook URL."""

    name = "webhook"
    label = "Signed webhook (push)"
    default_source = "webhook"
    capabilities = frozenset({Capability.LIVE_API, Capability.PUSH})
    config_schema = WebhookConfig

    def read(self) -> Iterator[ActivityRecord | Envelope]:
        """Nothing to fetch: pushes arrive over HTTP and are ingested as they come."""
        return iter(())
