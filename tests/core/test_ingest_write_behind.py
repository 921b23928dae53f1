"""Imports on PostgreSQL write each batch's activities on a second connection (write-behind).

These tests commit for real (`transactional_db`), as an import outside any transaction
does; on SQLite the same tests cover the one-thread path.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection

from townhall.core.models import Activity, ImportRun, Member, QuarantinedRecord
from townhall.core.records import Person
from townhall.core.services.imports import SourceFailure
from townhall.core.services.ingest import _writes_behind, ingest

pytestmark = pytest.mark.django_db(transaction=True)


def records(make_record, count: int) -> list:
    start = datetime(2026, 3, 1, tzinfo=UTC)
    people = [Person(external_id=f"U{n}", name=f"Person {n}") for n in range(9)]
    made = []
    for n in range(count):
        made.append(
            make_record(
                external_id=f"m{n % (count - 5)}",  # the last five re-deliver the first five
                actor=people[n % 9],
                target=people[(n * 7) % 9] if n % 3 == 0 else None,
                occurred_at=start + timedelta(minutes=n),
            )
        )
    return made


def test_an_import_run_stores_every_batch_and_its_position(make_record):
    run = ImportRun.objects.create(origin="test")
    assert _writes_behind(run) == (connection.vendor == "postgresql")
    given = records(make_record, 60)
    result = ingest([*given[:30], b'{"source": "slack"', *given[30:]], run=run, batch_size=7)

    assert (result.read, result.created, result.duplicates, result.quarantined) == (61, 55, 5, 1)
    assert Activity.objects.count() == 55
    assert Member.objects.count() == 9
    assert QuarantinedRecord.objects.filter(import_run=run).count() == 1
    run.refresh_from_db()
    assert (run.position, run.read, run.created, run.duplicates, run.quarantined) == (
        61, 61, 55, 5, 1,
    )  # fmt: skip
    for activity in Activity.objects.select_related("identity", "target_identity"):
        assert activity.member_id == activity.identity.member_id
        if activity.target_identity:
            assert activity.target_member_id == activity.target_identity.member_id


def test_a_failing_reader_keeps_every_batch_read_before_it(make_record):
    run = ImportRun.objects.create(origin="test")
    given = records(make_record, 40)

    def read():
        yield from given[:21]
        raise SourceFailure("the archive is truncated")

    with pytest.raises(SourceFailure, match="truncated"):
        ingest(read(), run=run, batch_size=7)
    run.refresh_from_db()
    assert run.position == 21
    assert Activity.objects.count() == 21
