"""Celery tasks of the core app: thin wrappers over services, safe to run twice."""

from __future__ import annotations

from pathlib import Path

from celery import shared_task

from townhall.core.readers import CsvMapping
from townhall.core.services.imports import import_file


@shared_task(name="core.ingest_file")
def ingest_file(path: str, fmt: str, mapping_path: str = "") -> dict[str, int]:
    """Import a file (resuming a killed run of it); returns this call's counts."""
    mapping = CsvMapping.load(Path(mapping_path)) if mapping_path else None
    mapping_text = Path(mapping_path).read_text(encoding="utf-8") if mapping_path else ""
    run, result = import_file(Path(path), fmt, mapping=mapping, mapping_text=mapping_text)
    return {"import_run": run.pk, **result.as_dict()}
