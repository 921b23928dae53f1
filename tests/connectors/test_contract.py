"""One contract for every connector, run over each connector's own sample input.

Each registered connector has `tests/connectors/<package>/contract.py` with
`CONNECTOR` (its registry name) and either
- `sample(tmp_path) -> str`: a target for `townhall ingest CONNECTOR TARGET`, and
  `broken_sample(tmp_path) -> str` with damaged parts; or
- `config() -> dict` and `recording() -> Recording` for a live API source.
"""

import importlib
import pkgutil
from pathlib import Path

import pytest

from townhall.connectors import registry
from townhall.connectors.base import Capability
from townhall.connectors.services import plan_for_target, save_connection, sync_connection
from townhall.core.models import Activity, Identity, ImportRun
from townhall.core.services.imports import SourceFailure, run_plan

HERE = Path(__file__).parent


def contract_modules():
    modules = []
    for info in pkgutil.iter_modules([str(HERE)]):
        if info.ispkg and (HERE / info.name / "contract.py").exists():
            modules.append(importlib.import_module(f"tests.connectors.{info.name}.contract"))
    return modules


CASES = contract_modules()
FILE_CASES = [m for m in CASES if hasattr(m, "sample")]
LIVE_CASES = [m for m in CASES if hasattr(m, "recording")]


def test_every_registered_connector_has_a_contract_case():
    covered = {m.CONNECTOR for m in CASES}
    missing = {s.name for s in registry.all_sources()} - covered
    assert not missing, f"connectors without tests/connectors/<pkg>/contract.py: {sorted(missing)}"


@pytest.mark.parametrize("case", FILE_CASES, ids=lambda m: m.CONNECTOR)
def test_file_import_is_idempotent_and_complete(case, db, tmp_path):
    source_class = registry.get(case.CONNECTOR)
    assert Capability.FILE_IMPORT in source_class.capabilities
    target = case.sample(tmp_path)
    run, first = run_plan(plan_for_target(source_class, target))
    assert first.created > 0 and run.status == "finished"
    assert first.read == first.created + first.duplicates + first.quarantined
    assert Activity.objects.filter(identity__isnull=True).count() == 0
    assert Identity.objects.exists()
    _, again = run_plan(plan_for_target(source_class, target))
    assert again.created == 0 and again.duplicates == first.created + first.duplicates


@pytest.mark.parametrize("case", FILE_CASES, ids=lambda m: m.CONNECTOR)
def test_damaged_input_is_quarantined_or_stops_clearly_keeping_progress(case, db, tmp_path):
    source_class = registry.get(case.CONNECTOR)
    target = case.broken_sample(tmp_path)
    try:
        _, result = run_plan(plan_for_target(source_class, target))
    except SourceFailure as failure:
        assert str(failure), "a failure must say what went wrong"
        # Failing before reading anything leaves no run; failing part-way leaves a failed
        # run (with the error) whose committed batches stay for the next run to resume.
        for run in ImportRun.objects.filter(connector=case.CONNECTOR):
            assert run.status == "failed" and run.error
    else:
        assert result.quarantined > 0, "damaged input must be quarantined with reasons"


@pytest.mark.parametrize("case", LIVE_CASES, ids=lambda m: m.CONNECTOR)
def test_live_sync_advances_its_cursor_and_never_duplicates(case, db):
    source_class = registry.get(case.CONNECTOR)
    assert Capability.LIVE_API in source_class.capabilities
    connection = save_connection(
        source_class, source_class.config_schema.model_validate(case.config())
    )
    _, first = sync_connection(connection, transport=case.recording().transport())
    connection.refresh_from_db()
    assert first.created > 0
    if Capability.INCREMENTAL in source_class.capabilities:
        assert connection.cursor, "an incremental source must save a cursor"
    count = Activity.objects.count()
    _, again = sync_connection(connection, transport=case.recording().transport())
    assert again.created == 0 and Activity.objects.count() == count
