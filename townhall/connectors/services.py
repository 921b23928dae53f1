"""Connector verbs: run a source once from a file, create connections, sync them."""

from __future__ import annotations

import hashlib
import itertools
import json
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from pydantic import SecretStr, ValidationError

from townhall.connectors import crypto, registry
from townhall.connectors.base import Capability, FileConfig, Source, SourceConfig
from townhall.connectors.models import Connection
from townhall.core.models import ImportRun
from townhall.core.records import ActivityRecord
from townhall.core.services.imports import ImportPlan, run_plan
from townhall.core.services.ingest import Envelope, IngestResult


def fingerprint_path(path: Path, digest: Any) -> None:
    """Feed a file's bytes, or a folder's file names and bytes, into `digest`."""
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        digest.update(str(file.relative_to(path) if path.is_dir() else file.name).encode())
        with file.open("rb") as handle:
            while block := handle.read(1 << 20):
                digest.update(block)


def plan_for_target(source_class: type[Source], target: str) -> ImportPlan:
    """The import plan for `townhall ingest <connector> TARGET`."""
    try:
        config = source_class.config_from_target(target)
    except ValidationError as error:
        raise ValueError(_config_problem(error)) from None
    if isinstance(config, FileConfig):
        return file_plan(source_class(config))
    connection = connection_from_config(source_class, config)
    return connection_plan(connection)


def file_plan(source: Source) -> ImportPlan:
    """A resumable import of a file source: same input, same order, resumed by position."""
    assert isinstance(source.config, FileConfig)
    path = source.config.path
    if not path.exists():
        raise ValueError(f"{path} does not exist")
    digest = hashlib.sha256(json.dumps(source.fingerprint_parts()).encode())
    content = source.content_fingerprint()
    if content is not None:
        digest.update(content.encode())
    else:
        fingerprint_path(path, digest)

    def read(skip: int) -> Iterable[Envelope | ActivityRecord]:
        return itertools.islice(source.read(), skip, None)

    return ImportPlan(
        read=read, origin=str(path.resolve()), connector=source.name, fingerprint=digest.hexdigest()
    )


def _config_problem(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(map(str, e['loc'])) or 'config'}: {e['msg']}" for e in error.errors()
    )


def split_secrets(config: SourceConfig) -> tuple[dict[str, Any], dict[str, Any]]:
    """Config values without secrets, and the secrets (SecretStr fields) apart."""
    plain: dict[str, Any] = {}
    secrets: dict[str, Any] = {}
    for name in type(config).model_fields:
        value = getattr(config, name)
        if isinstance(value, SecretStr):
            secrets[name] = value.get_secret_value()
        else:
            plain[name] = value
    return json.loads(json.dumps(plain, default=str)), secrets


@transaction.atomic
def save_connection(
    source_class: type[Source], config: SourceConfig, *, name: str = "", interval_minutes: int = 60
) -> Connection:
    """Create or update a connection, storing its secrets encrypted."""
    plain, secrets = split_secrets(config)
    name = name or f"{source_class.name}:{config.slug(source_class.default_source)}"
    connection, _ = Connection.objects.update_or_create(
        name=name,
        defaults={
            "connector": source_class.name,
            "config": plain,
            "secrets": crypto.encrypt(secrets),
            "interval_minutes": interval_minutes,
        },
    )
    return connection


def connection_from_config(source_class: type[Source], config: SourceConfig) -> Connection:
    return save_connection(source_class, config)


def source_for(connection: Connection, *, transport: Any = None) -> Source:
    """The connector instance for a connection, with secrets decrypted and its cursor."""
    source_class = registry.get(connection.connector)
    values = {**connection.config, **crypto.decrypt(connection.secrets)}
    config = source_class.config_schema.model_validate(values)
    return source_class(config, cursor=connection.cursor, transport=transport)


def connection_plan(connection: Connection, *, transport: Any = None) -> ImportPlan:
    """A sync of a live source: resumes by its cursor (saved after every committed batch)."""
    source = source_for(connection, transport=transport)

    def save_cursor(_: IngestResult | None = None) -> None:
        Connection.objects.filter(pk=connection.pk).update(cursor=source.cursor)

    def finished(run: ImportRun, result: IngestResult) -> None:
        Connection.objects.filter(pk=connection.pk).update(
            cursor=source.cursor, last_synced_at=timezone.now()
        )

    return ImportPlan(
        read=lambda skip: source.read(),
        origin=connection.origin,
        connector=connection.connector,
        # Every sync is its own run: live sources resume by cursor, not by position.
        fingerprint=f"sync:{connection.pk}:{uuid.uuid4().hex}",
        after_batch=save_cursor,
        after_run=finished,
    )


def sync_connection(
    connection: Connection, *, transport: Any = None
) -> tuple[ImportRun, IngestResult]:
    """Run one sync of a connection now."""
    return run_plan(connection_plan(connection, transport=transport))


def due_connections() -> list[Connection]:
    """Enabled connections whose interval has passed since their last sync."""
    now = timezone.now()
    return [
        c
        for c in Connection.objects.filter(enabled=True)
        if c.last_synced_at is None
        or (now - c.last_synced_at).total_seconds() >= c.interval_minutes * 60
    ]


def capabilities_of(source_class: type[Source]) -> list[str]:
    return [c.value for c in Capability if c in source_class.capabilities]
