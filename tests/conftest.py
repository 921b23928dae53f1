"""Shared fixtures: factories with keyword-only arguments that go through the real verbs."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from townhall.core.models import Member
from townhall.core.records import ActivityRecord, Person
from townhall.core.services import ingest

_counter = itertools.count(1)


@pytest.fixture
def make_record() -> Callable[..., ActivityRecord]:
    """Build a valid ActivityRecord; override any field by keyword."""

    def make(
        *,
        source: str = "slack",
        external_id: str | None = None,
        kind: str = "message",
        occurred_at: datetime | None = None,
        actor: Person | None = None,
        target: Person | None = None,
        **fields: Any,
    ) -> ActivityRecord:
        n = next(_counter)
        return ActivityRecord(
            source=source,
            external_id=external_id or f"ext-{n}",
            kind=kind,
            occurred_at=occurred_at or datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=n),
            actor=actor or Person(external_id=f"U{n}", name=f"Person {n}"),
            target=target,
            **fields,
        )

    return make


@pytest.fixture
def make_member(db: None, make_record: Callable[..., ActivityRecord]) -> Callable[..., Member]:
    """Create a member the way an import does: through ingest() with one activity."""

    def make(
        *,
        name: str = "",
        email: str | None = None,
        source: str = "slack",
        external_id: str | None = None,
    ) -> Member:
        n = next(_counter)
        person = Person(
            external_id=external_id or f"person-{n}", name=name or f"Person {n}", email=email
        )
        ingest([make_record(source=source, actor=person)])
        return Member.objects.get(
            identities__source__slug=source, identities__external_id=person.key
        )

    return make


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    """Each test starts with an empty cache: ids are reused after a test's rollback, so a
    page cached by one test (community/pagecache.py) could otherwise answer in another."""
    from django.core.cache import cache

    cache.clear()
