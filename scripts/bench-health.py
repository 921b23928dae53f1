"""Time the health pipelines and one segment activity rule on a synthetic snapshot (DuckDB).

    python scripts/bench-health.py [ACTIVITIES] [MEMBERS]     (defaults: 1000000 100000)

The snapshot is written once under var/bench-health/ (delete it to regenerate).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402

from townhall.analytics import synthetic  # noqa: E402
from townhall.analytics.bench import AS_OF  # noqa: E402
from townhall.analytics.engines import connect  # noqa: E402
from townhall.analytics.health import _PIPELINES, prepared  # noqa: E402
from townhall.analytics.segments import activity_expression  # noqa: E402
from townhall.analytics.snapshot import load_tables  # noqa: E402
from townhall.core.services.segments import parse_definition  # noqa: E402


def main() -> None:
    activities = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    members = int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    directory = Path(settings.DATA_DIR) / "bench-health" / f"{activities}-{members}"
    if not directory.exists():
        synthetic.write_synthetic_snapshot(directory, activities, members)
    engine = connect("duckdb")
    tables = load_tables(engine, as_of=AS_OF, directory=directory)
    started = time.perf_counter()
    tables = prepared(engine, tables)
    total = time.perf_counter() - started
    print(f"{'prepare (materialise)':24s} {total:6.2f} s")
    for name, pipeline in _PIPELINES.items():
        started = time.perf_counter()
        rows = len(engine.execute(pipeline(tables)))
        seconds = time.perf_counter() - started
        total += seconds
        print(f"{name:24s} {seconds:6.2f} s  {rows:,} rows")
    print(f"{'health stage (compute)':24s} {total:6.2f} s")
    rule = parse_definition(
        {"sources": ["slack"], "activity": [{"kinds": ["reply"], "min_count": 3, "days": 30}]}
    )
    started = time.perf_counter()
    expression = activity_expression(tables, rule)
    assert expression is not None
    found = len(engine.execute(expression))
    print(
        f"{'segment activity rule':24s} {time.perf_counter() - started:6.2f} s  {found:,} members"
    )


if __name__ == "__main__":
    main()
