"""Importing CRM exports: upsert by (system, external id), quarantine bad rows, link.

Re-importing an export updates the rows it holds and never duplicates them: each
record is keyed by its system and its id there. References between records (a deal's
account) are kept as the other record's external id and resolved after every import,
so files can arrive in any order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from townhall.core.models import ImportRun
from townhall.core.services.quarantine import quarantine
from townhall.crm.importers import tables_for
from townhall.crm.importers.tables import Row, Table
from townhall.crm.models import Account, Contact, Deal, Renewal, Ticket

MODELS: dict[str, type[models.Model]] = {
    "account": Account,
    "contact": Contact,
    "deal": Deal,
    "ticket": Ticket,
    "renewal": Renewal,
}
BATCH = 2000


@dataclass
class ImportSummary:
    """Counts per kind of record, and what was not understood."""

    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    quarantined: Counter[str] = field(default_factory=Counter)
    unknown_columns: dict[str, list[str]] = field(default_factory=dict)
    unconverted: Counter[str] = field(default_factory=Counter)  # amounts without a rate

    @property
    def read(self) -> int:
        return (
            sum(self.created.values()) + sum(self.updated.values()) + sum(self.quarantined.values())
        )


def import_export(
    format: str,
    path: Path,
    *,
    system: str | None = None,
    mapping: Path | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import a CRM export (a file or a directory of files) and resolve its references.

    `system` names where the ids come from (default: the format; for a generic CSV give
    the CRM's name so its ids meet the same records' ids from other files).
    """
    return import_tables(
        tables_for(format, path, mapping),
        system=system or format,
        origin=str(path),
        connector=f"crm-{format}",
        progress=progress,
    )


def import_tables(
    tables: Iterable[Table],
    *,
    system: str,
    origin: str,
    connector: str,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import tables (from files or an API pull) as one run, then resolve references."""
    summary = ImportSummary()
    run = ImportRun.objects.create(origin=origin, connector=connector)
    try:
        for table in tables:
            if table.unknown:
                summary.unknown_columns[table.path.name] = table.unknown
            _import_table(system, table, summary, run, progress)
        resolve_references(system)
        convert_currencies(system, summary)
    except Exception as error:
        run.status, run.error = ImportRun.Status.FAILED, str(error)
        raise
    else:
        run.status = ImportRun.Status.FINISHED
    finally:
        run.read = summary.read
        run.position = summary.read
        run.created = sum(summary.created.values())
        run.duplicates = sum(summary.updated.values())
        run.quarantined = sum(summary.quarantined.values())
        run.finished_at = timezone.now()
        run.save()
    return summary


def _import_table(
    system: str,
    table: Table,
    summary: ImportSummary,
    run: ImportRun,
    progress: Callable[[int], None] | None,
) -> None:
    batch: list[Row] = []
    for row in table.rows:
        batch.append(row)
        if len(batch) >= BATCH:
            _write(system, table, batch, summary, run)
            if progress:
                progress(len(batch))
            batch = []
    if batch:
        _write(system, table, batch, summary, run)
        if progress:
            progress(len(batch))


@transaction.atomic
def _write(
    system: str, table: Table, rows: list[Row], summary: ImportSummary, run: ImportRun
) -> None:
    kind = table.spec.kind
    model = MODELS[kind]
    bad = [(f"{table.path.name} {row.position}", row.error, row.raw) for row in rows if row.error]
    if bad:
        quarantine(bad, origin=str(table.path), source_slug=f"crm-{system}", run=run)
        summary.quarantined[kind] += len(bad)
    good: dict[str, dict[str, Any]] = {}
    for row in rows:
        if not row.error:
            good[row.values["external_id"]] = row.values  # a repeated id: the last row wins
    existing = dict(
        model.objects.filter(system=system, external_id__in=list(good)).values_list(
            "external_id", "pk"
        )
    )
    fields = sorted({name for values in good.values() for name in values} - {"external_id"})
    new = [model(system=system, **values) for key, values in good.items() if key not in existing]
    changed = [
        model(pk=existing[key], system=system, **values)
        for key, values in good.items()
        if key in existing
    ]
    model.objects.bulk_create(new, batch_size=500)
    if changed:
        # Only the columns this export has: a later export without a column keeps its value.
        model.objects.bulk_update(changed, fields, batch_size=500)
    # Counters only for what happened, so a summary lists no empty kinds.
    if new:
        summary.created[kind] += len(new)
    if changed:
        summary.updated[kind] += len(changed)


def resolve_references(system: str) -> None:
    """Point contacts, deals, tickets and renewals at their accounts (by external id,
    else — for help-desk organization names — by account name or domain)."""
    by_id = dict(Account.objects.filter(system=system).values_list("external_id", "pk"))
    by_name = {}
    for pk, name, domain in Account.objects.values_list("pk", "name", "domain"):
        for key in (name.strip().lower(), domain):
            if key:
                by_name.setdefault(key, pk)
    for model in (Contact, Deal, Ticket, Renewal):
        pending = model.objects.filter(account__isnull=True).exclude(account_ref="")
        if model is not Ticket:
            pending = pending.filter(system=system)
        updates = []
        for pk, ref in pending.values_list("pk", "account_ref"):
            account = by_id.get(ref) or by_name.get(ref.strip().lower())
            if account:
                updates.append(model(pk=pk, account_id=account))
        model.objects.bulk_update(updates, ["account"], batch_size=1000)
    # Tickets without an account: the requester's contact, else their email's domain.
    tickets = Ticket.objects.filter(account__isnull=True).exclude(requester_email="")
    contacts = dict(
        Contact.objects.exclude(email="")
        .filter(account__isnull=False)
        .values_list("email", "account_id")
    )
    by_domain = dict(Account.objects.exclude(domain="").values_list("domain", "pk"))
    updates = []
    for pk, email in tickets.values_list("pk", "requester_email"):
        account = contacts.get(email) or by_domain.get(email.rsplit("@", 1)[-1])
        if account:
            updates.append(Ticket(pk=pk, account_id=account))
    Ticket.objects.bulk_update(updates, ["account"], batch_size=1000)


def rates() -> dict[str, Decimal]:
    """Units of the base currency per unit of each currency (TOWNHALL_CRM_RATES)."""
    base = settings.TOWNHALL_CRM_CURRENCY
    table = {code.upper(): Decimal(str(rate)) for code, rate in settings.TOWNHALL_CRM_RATES.items()}
    table[base] = Decimal(1)
    return table


def convert_currencies(system: str, summary: ImportSummary) -> None:
    """Fill the base-currency amounts; amounts in a currency without a rate stay empty
    (and are counted, so the summary can say which currencies need one)."""
    table, base = rates(), settings.TOWNHALL_CRM_CURRENCY
    for model, amount, converted in ((Deal, "amount", "amount_base"), (Account, "arr", "arr_base")):
        rows = model.objects.filter(system=system, **{f"{amount}__isnull": False})
        updates = []
        for pk, value, code in rows.values_list("pk", amount, "currency"):
            rate = table.get((code or base).upper())
            if rate is None:
                summary.unconverted[code.upper()] += 1
            updates.append(
                model(
                    pk=pk, **{converted: (value * rate).quantize(Decimal("0.01")) if rate else None}
                )
            )
        model.objects.bulk_update(updates, [converted], batch_size=1000)
