"""Celery tasks: sync one connection; find the connections that are due (run by beat)."""

from __future__ import annotations

from celery import shared_task

from townhall.connectors.models import Connection
from townhall.connectors.services import due_connections, sync_connection


@shared_task(name="connectors.sync_connection")
def sync_connection_task(connection_id: int) -> dict[str, int]:
    run, result = sync_connection(Connection.objects.get(pk=connection_id))
    return {"import_run": run.pk, **result.as_dict()}


@shared_task(name="connectors.sync_due")
def sync_due() -> list[int]:
    """Queue a sync for every connection whose interval has passed."""
    due = due_connections()
    for connection in due:
        sync_connection_task.delay(connection.pk)
    return [c.pk for c in due]
