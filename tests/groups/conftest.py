"""Fixtures for groups (and the community space, which re-uses them): people with logins."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User

from townhall.accounts.services import attach_member, set_role
from townhall.core.models import Member, Role
from townhall.groups.models import Group, Privacy
from townhall.groups.services import create_group
from townhall.identity.services import mark_employees

_counter = itertools.count(1)


@pytest.fixture
def make_person(db: None) -> Callable[..., Member]:
    """A member with a login, created as sign-up does; `role` through set_role, employees
    marked the way identity resolution marks them (by email)."""
    operator: list[User] = []

    def make(*, name: str = "", role: Role = Role.MEMBER, employee: bool = False) -> Member:
        n = next(_counter)
        email = f"person{n}@{'acme.io' if employee else 'example.org'}"
        user = User.objects.create_user(username=f"person{n}", email=email, password="pw")
        member = attach_member(user, name=name or f"Person {n}")
        assert isinstance(member, Member)
        if role != Role.MEMBER:
            if not operator:
                operator.append(User.objects.create_superuser(f"root{n}", f"r{n}@x.org", "pw"))
            set_role(member, role, by=operator[0])
        if employee:
            mark_employees(emails=[email])
        member.refresh_from_db()
        return member

    return make


@pytest.fixture
def manager(make_person: Callable[..., Member]) -> Member:
    return make_person(name="Cora Manager", role=Role.COMMUNITY_MANAGER)


@pytest.fixture
def make_group(manager: Member) -> Callable[..., Group]:
    """A group created by the community manager (its first admin)."""

    def make(*, name: str = "", privacy: Privacy = Privacy.PUBLIC, **fields: Any) -> Group:
        n = next(_counter)
        return create_group(name=name or f"Group {n}", privacy=privacy, by=manager, **fields)

    return make


def login(client: Any, member: Member) -> Any:
    client.force_login(member.user)
    return client
