"""Fixtures for the web pages: logins with roles, a small community, an htmx client."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from townhall.accounts.services import attach_member, set_role
from townhall.core.models import Member, Role
from townhall.core.records import ActivityRecord, Person
from townhall.core.services import ingest, merge_members

_counter = itertools.count(1)


@pytest.fixture
def make_login(db: None) -> Callable[..., User]:
    """A login with its Member (created as sign-up does); `role` is given through set_role."""
    operator: list[User] = []

    def make(
        *, name: str = "", email: str | None = None, role: Role | None = None, **fields: Any
    ) -> User:
        n = next(_counter)
        user = User.objects.create_user(
            username=f"login{n}", email=email or f"login{n}@example.org", password="pw", **fields
        )
        member = attach_member(user, name=name or f"Login {n}")
        if role is not None and role != Role.MEMBER:
            if not operator:
                operator.append(User.objects.create_superuser(f"root{n}", f"root{n}@x.org", "pw"))
            set_role(member, role, by=operator[0])
        return user

    return make


@pytest.fixture
def member_client(client: Client, make_login: Callable[..., User]) -> Client:
    """Signed in as an ordinary member (no contact details, no roles to hand out)."""
    client.force_login(make_login(name="Mona Member"))
    return client


@pytest.fixture
def manager_client(client: Client, make_login: Callable[..., User]) -> Client:
    """Signed in as a community manager (sees and searches email addresses)."""
    client.force_login(make_login(name="Cora Manager", role=Role.COMMUNITY_MANAGER))
    return client


@pytest.fixture
def admin_client_member(client: Client, make_login: Callable[..., User]) -> Client:
    """Signed in as a community admin (may hand out roles), not a Django superuser."""
    client.force_login(make_login(name="Ada Admin", role=Role.ADMIN))
    return client


@pytest.fixture
def htmx() -> dict[str, str]:
    """Headers htmx sends with its requests."""
    return {"HX-Request": "true"}


def record(
    *,
    source: str,
    person: Person,
    kind: str = "message",
    when: datetime | None = None,
    **fields: Any,
) -> ActivityRecord:
    n = next(_counter)
    return ActivityRecord(
        source=source,
        external_id=f"web-{n}",
        kind=kind,
        occurred_at=when or timezone.now() - timedelta(hours=n % 500),
        actor=person,
        **fields,
    )


@pytest.fixture
def community(db: None) -> Callable[..., list[Member]]:
    """`count` people at `domain`, each on slack (`activities` messages, at least 1) and github (a star).

    Returns the people, each a member with both accounts (their two imported members merged).
    """

    def make(count: int = 5, *, activities: int = 2, domain: str = "acme.io") -> list[Member]:
        assert activities >= 1, "a person enters through an activity"
        records = []
        start = next(_counter)
        for i in range(start, start + count):
            email = f"person{i}@{domain}"
            slack = Person(external_id=f"S{i}", name=f"Person {i:04d}", email=email)
            github = Person(external_id=f"G{i}", username=f"gh-person{i}", email=email)
            for _ in range(activities):
                records.append(record(source="slack", person=slack))
            records.append(record(source="github", person=github, kind="star"))
        ingest(records)
        # Import keeps one member per identity; join each person's two accounts, as
        # identity resolution would, so everyone is on two sources.
        people = []
        for i in range(start, start + count):
            keep = Member.objects.get(identities__external_id=f"S{i}")
            absorb = Member.objects.get(identities__external_id=f"G{i}")
            merge_members(keep, absorb, reason="same email", by="test")
            people.append(keep)
        return people

    return make
