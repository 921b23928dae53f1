"""CRM export formats: which files a format has and how each is read.

`tables_for(format, path, mapping=None)` returns the tables of an export in import
order (accounts before what refers to them); see docs/crm.md for every mapping.
"""

from __future__ import annotations

from pathlib import Path

from townhall.crm.importers import helpdesks, hubspot, salesforce
from townhall.crm.importers.generic import spec_from_mapping
from townhall.crm.importers.tables import ExportError, ObjectSpec, Table, read_csv

FORMATS: dict[str, tuple[ObjectSpec, ...]] = {
    "salesforce": salesforce.SPECS,
    "hubspot": hubspot.SPECS,
    "zendesk": (helpdesks.ZENDESK,),
    "freshdesk": (helpdesks.FRESHDESK,),
}
KIND_ORDER = ("account", "contact", "deal", "ticket", "renewal")


def tables_for(format: str, path: Path, mapping: Path | None = None) -> list[Table]:
    """The export's tables, accounts first; ExportError for what cannot be read."""
    if format == "csv":
        if mapping is None:
            raise ExportError("A generic CSV needs --mapping FILE (see docs/crm.md)")
        return [read_csv(path, spec_from_mapping(mapping))]
    if format not in FORMATS:
        raise ExportError(
            f"Unknown format {format!r}; choose one of {', '.join([*FORMATS, 'csv'])}"
        )
    if not path.exists():
        raise ExportError(f"{path} does not exist")
    files = sorted(path.glob("*.csv")) if path.is_dir() else [path]
    if not files:
        raise ExportError(f"{path} holds no .csv files")
    tables = [read_csv(file, _spec_of(format, file)) for file in files]
    return sorted(tables, key=lambda t: KIND_ORDER.index(t.spec.kind))


def _spec_of(format: str, file: Path) -> ObjectSpec:
    """The spec a file fits best: by its Salesforce object name, else by its headers."""
    if format == "salesforce" and file.name in salesforce.FILES:
        return salesforce.FILES[file.name]
    with file.open(encoding="utf-8-sig") as handle:
        headers = [h.strip() for h in handle.readline().rstrip("\r\n").split(",")]
    scored = sorted(
        ((spec.score(headers), i) for i, spec in enumerate(FORMATS[format])), reverse=True
    )
    best, index = scored[0]
    if best == 0:
        kinds = ", ".join(spec.kind for spec in FORMATS[format])
        raise ExportError(
            f"{file.name} does not look like a {format} export of {kinds}: its headers are "
            f"{', '.join(headers[:12])}"
        )
    return FORMATS[format][index]
